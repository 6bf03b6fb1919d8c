// The one rule for text a partner or a browser names things with (identifiers, display names,
// labels): these end up in SendZen, in Sinch, in logs and on the partner's screens. Control
// characters end lines in a log or drive a terminal; bidirectional overrides and isolates make a
// name read differently from what it is. Ordinary text in any script, emoji included, passes.
import { z } from 'zod';

// C0 controls and DEL, C1 controls, the bidirectional embeddings and overrides (U+202A-U+202E) and
// isolates (U+2066-U+2069).
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is this rule's purpose
const FORBIDDEN = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/u;

export const NOT_PLAIN_TEXT = 'must not contain control characters or bidirectional overrides';

/**
 * A string without those characters; checked before any trim, so a line break at either end is
 * refused rather than quietly dropped.
 */
export function plainText(): z.ZodString {
  return z.string().refine((text) => !FORBIDDEN.test(text), NOT_PLAIN_TEXT);
}
