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

/**
 * What in a webhook URL the caller handed us lets anyone post to it: its path and query. SendZen
 * signs nothing it sends, so a partner's webhook URL carries its own credential (the gateway's
 * ends in a per-onboarding token), and the fake cannot tell which part that is. Shown as the
 * origin followed by `/[REDACTED]`: where a delivery went stays readable.
 */
export function webhookUrlSecret(url: string): string {
  const { pathname, search } = new URL(url);
  return `${pathname.slice(1)}${search}`;
}
