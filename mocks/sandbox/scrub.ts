// Redaction by value for what the sandbox shows (journal, state dump): every string is passed
// through the redactor on its own, so a secret can never be matched across JSON syntax.
import type { Redactor } from '../../src/upstreams/redact.ts';

export function scrubSecrets<T>(value: T, redactor: Redactor): T {
  if (typeof value === 'string') return redactor.text(value) as T;
  if (Array.isArray(value)) return value.map((v) => scrubSecrets(v, redactor)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, v]) => [key, scrubSecrets(v, redactor)]),
    ) as T;
  }
  return value;
}
