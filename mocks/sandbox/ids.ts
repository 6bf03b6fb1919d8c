// Every id, key and token the fake hands out comes from here. With a seed the sequence is a pure
// function of the seed and the calls made, so a QA script or a snapshot test sees the same ids on
// every run; ULID time parts then come from a fixed epoch plus a counter for the same reason.
import { webcrypto } from 'node:crypto';

type Random = () => number;

const CROCKFORD_BASE32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const HEX = '0123456789abcdef';
const DIGITS = '0123456789';
const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SEEDED_EPOCH_MS = Date.UTC(2025, 0, 1);

/** cyrb128: spreads any seed text over the 128 bits sfc32 needs. */
function hashSeed(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

function sfc32(seed: [number, number, number, number]): Random {
  let [a, b, c, d] = seed;
  return () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** Drawn in batches: an id takes a draw per character, and one call per draw was measured as a
 * sixth of the sandbox's CPU while it onboarded hundreds of customers. */
const pool = new Uint32Array(1024);
let drawn = pool.length;

function cryptoRandom(): number {
  if (drawn === pool.length) {
    webcrypto.getRandomValues(pool);
    drawn = 0;
  }
  return pool[drawn++]! / 4294967296;
}

/**
 * The seed of a separate stream (nonces, fault dice), so drawing from it never shifts the ids the
 * main stream hands out, whatever the timing of callbacks and faults.
 */
export function deriveSeed(seed: string | number | undefined, label: string): string | undefined {
  return seed === undefined ? undefined : `${seed}/${label}`;
}

export class IdSource {
  #random: Random = cryptoRandom;
  #seed: string | undefined;
  #ticks = 0;

  constructor(seed?: string | number) {
    this.reseed(seed);
  }

  get seed(): string | undefined {
    return this.#seed;
  }

  reseed(seed?: string | number): void {
    this.#seed = seed === undefined ? undefined : String(seed);
    this.#random = this.#seed === undefined ? cryptoRandom : sfc32(hashSeed(this.#seed));
    this.#ticks = 0;
  }

  /** Uniform in [0, 1). */
  fraction(): number {
    return this.#random();
  }

  #pick(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.#random() * alphabet.length)];
    return out;
  }

  hex(length: number): string {
    return this.#pick(HEX, length);
  }

  /** Numeric ids never start with 0, like Meta's. */
  digits(length: number): string {
    return this.#pick(DIGITS.slice(1), 1) + this.#pick(DIGITS, length - 1);
  }

  token(length = 40): string {
    return this.#pick(TOKEN_ALPHABET, length);
  }

  ulid(): string {
    let time = this.#seed === undefined ? Date.now() : SEEDED_EPOCH_MS + this.#ticks++;
    let timePart = '';
    for (let i = 0; i < 10; i++) {
      timePart = CROCKFORD_BASE32[time % 32] + timePart;
      time = Math.floor(time / 32);
    }
    return timePart + this.#pick(CROCKFORD_BASE32, 16);
  }

  /** RFC 4122 version 4 layout. */
  uuid(): string {
    const h = this.hex(32).split('');
    h[12] = '4';
    h[16] = '89ab'[Math.floor(this.#random() * 4)]!;
    const s = h.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }
}
