// Secrets at rest: AES-256-GCM with a random 96-bit IV per value and additional authenticated data
// that binds the value to its row and kind, so a sealed value copied into another row, or into
// another column of the same row, fails to open. The key id travels in the sealed string, so
// values sealed under an old key keep opening after a new key becomes the one that seals.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const FORMAT = 'v1';

export interface SecretKey {
  id: string;
  key: Buffer;
}

/** Where a sealed value belongs: the additional data it is bound to. */
export interface SealContext {
  table: string;
  rowId: string;
  kind: string;
}

export class SealError extends Error {
  override readonly name = 'SealError';
}

/** A key's id is derived from the key itself, so the same key always has the same id. */
export function keyFromBase64(base64: string): SecretKey {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) throw new SealError('a secrets key must be 32 bytes');
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 8), key };
}

const aad = (c: SealContext) => Buffer.from(`${c.table}\u0000${c.rowId}\u0000${c.kind}`, 'utf8');

export class Sealer {
  readonly #keys: Map<string, Buffer>;
  readonly #active: SecretKey;

  /** The first key seals; every key opens. */
  constructor(keys: readonly SecretKey[]) {
    const [active] = keys;
    if (!active) throw new SealError('at least one secrets key is required');
    this.#active = active;
    this.#keys = new Map(keys.map((k) => [k.id, k.key]));
  }

  get activeKeyId(): string {
    return this.#active.id;
  }

  seal(plaintext: string, context: SealContext): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#active.key, iv);
    cipher.setAAD(aad(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [FORMAT, this.#active.id, iv, ciphertext, tag]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  open(sealed: string, context: SealContext): string {
    const [format, keyId, iv, ciphertext, tag] = sealed.split('.');
    if (format !== FORMAT || !keyId || !iv || ciphertext === undefined || !tag) {
      throw new SealError('not a sealed value');
    }
    const key = this.#keys.get(keyId);
    if (!key) throw new SealError(`sealed with key ${keyId}, which is not configured`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(aad(context));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([
        decipher.update(Buffer.from(ciphertext, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      // Never say more: which part failed is of use only to an attacker.
      throw new SealError('sealed value failed authentication');
    }
  }

  /** The key id a sealed value was sealed with (for rotation). */
  static keyIdOf(sealed: string): string | undefined {
    return sealed.split('.')[1];
  }
}

/** What GraphQL may show of a secret: its last four characters. */
export function last4(secret: string): string {
  return secret.slice(-4);
}

/** A new random secret for a webhook signature or URL: 32 bytes, URL-safe. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}
