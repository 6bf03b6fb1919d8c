// Credentials must never reach an error message, an error property, a log line or the fake's
// journal. Redaction works three ways, because each catches what the others miss: by header name,
// by body field name, and by value (every secret the process has handled is remembered, so an
// upstream that echoes a key inside an error message is redacted too).

export const REDACTED = '[REDACTED]';

const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'cookie',
  'set-cookie',
]);

const SECRET_FIELDS = new Set(
  [
    'api_key',
    'apiKey',
    'secret',
    'token',
    'access_token',
    'refresh_token',
    'bearerToken',
    'client_secret',
    'clientSecret',
    'password',
    'authenticationCode',
    'callback_secret',
    'secret_for_overridden_callback_urls',
  ].map((f) => f.toLowerCase()),
);

// Shapes that are credentials wherever they appear, even when the value was never registered.
const SECRET_PATTERNS: RegExp[] = [
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi,
  /\bsk_(live|test|sandbox)_[A-Za-z0-9]+/g,
];

export function isSecretHeader(name: string): boolean {
  return SECRET_HEADERS.has(name.toLowerCase());
}

export function isSecretField(name: string): boolean {
  return SECRET_FIELDS.has(name.toLowerCase());
}

/** Keeps the auth scheme ("Bearer") so a reader can still tell which kind of credential was sent. */
function redactHeaderValue(value: string): string {
  const scheme = /^(Bearer|Basic)\s/i.exec(value)?.[1];
  return scheme ? `${scheme} ${REDACTED}` : REDACTED;
}

export function redactHeaders(
  headers: Headers | Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  const entries = headers instanceof Headers ? [...headers.entries()] : Object.entries(headers);
  for (const [name, raw] of entries) {
    if (raw === undefined) continue;
    const value = Array.isArray(raw) ? raw.join(', ') : raw;
    out[name] = isSecretHeader(name) ? redactHeaderValue(value) : value;
  }
  return out;
}

/** Deep copy of a JSON value with every secret-named field replaced. */
export function redactFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactFields);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, v]) => [
        key,
        isSecretField(key) && v !== null && v !== undefined ? REDACTED : redactFields(v),
      ]),
    );
  }
  return value;
}

/**
 * Remembers the secret values this process handles and scrubs them, and anything shaped like a
 * credential, out of free text.
 */
export class Redactor {
  readonly #secrets = new Set<string>();

  /** Values shorter than 6 characters are ignored: redacting them would mangle ordinary text. */
  remember(...secrets: (string | undefined | null)[]): void {
    for (const s of secrets) if (s && s.length >= 6) this.#secrets.add(s);
  }

  text(input: string): string {
    let out = input;
    for (const secret of this.#secrets) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    for (const pattern of SECRET_PATTERNS) {
      out = out.replace(pattern, (_match, scheme?: string) =>
        scheme && /^(bearer|basic)$/i.test(scheme) ? `${scheme} ${REDACTED}` : REDACTED,
      );
    }
    return out;
  }
}

/** The process-wide redactor: every client registers the credentials it holds or receives. */
export const redactor = new Redactor();
