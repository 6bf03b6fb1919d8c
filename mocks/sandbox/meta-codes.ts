// The Meta half of a signup that the fake plays: a customer who finished Embedded Signup holds an
// authorization code for the WABA and number they chose. Sinch's sender create verifies the code
// it is handed (contracts D.2, `authenticationCode`): one the fake never issued, issued for other
// ids, expired, or used already is refused, as Meta refuses it to Sinch.
import { z } from 'zod';
import type { MetaCode } from '../data/meta-codes.ts';
import type { SandboxState } from './sandbox.ts';

export const numericIdSchema = z.string().regex(/^\d{1,20}$/, 'must be a numeric id');

export const metaCodeRequestSchema = z
  .object({
    wabaId: numericIdSchema.optional(),
    /** null: the customer shared only the WABA (FINISH_ONLY_WABA), the code is bound to no number. */
    phoneNumberId: numericIdSchema.nullable().optional(),
  })
  .strict();
export type MetaCodeRequest = z.infer<typeof metaCodeRequestSchema>;

/** A new code for the customer's WABA and number (made up when not given; none when null). */
export async function issueMetaCode(
  sandbox: SandboxState,
  request: MetaCodeRequest,
): Promise<MetaCode> {
  const { db, ids } = sandbox;
  const record: MetaCode = {
    code: `AQ${ids.token(40)}`,
    wabaId: request.wabaId ?? ids.digits(15),
    phoneNumberId: request.phoneNumberId === undefined ? ids.digits(15) : request.phoneNumberId,
    expiresAt: Date.now() + sandbox.config.metaCodeTtlMs,
    usedAt: null,
  };
  // A secret of the customer's: never shown in the journal or the state dumps.
  sandbox.secrets.remember(record.code);
  return db.metaCodes.create(record);
}

/**
 * Why Sinch would refuse `code` for these ids, or undefined when it is good (it is then used up).
 * A WABA-only code is good for any number of its WABA: Meta's grant from such a signup covers the
 * WABA and the numbers added to it later, and the fake keeps no list of a WABA's numbers to check.
 */
export async function redeemMetaCode(
  sandbox: SandboxState,
  code: string,
  ids: { wabaId: string; phoneNumberId: string },
): Promise<string | undefined> {
  const record = sandbox.db.metaCodes.findFirst((q) => q.where({ code }));
  if (!record) return 'The authentication code is not valid.';
  if (record.usedAt !== null) return 'The authentication code has already been used.';
  if (record.expiresAt <= Date.now()) return 'The authentication code has expired.';
  if (record.phoneNumberId === null) {
    if (record.wabaId !== ids.wabaId)
      return 'The authentication code was not issued for this WABA.';
  } else if (record.wabaId !== ids.wabaId || record.phoneNumberId !== ids.phoneNumberId) {
    return 'The authentication code was not issued for this WABA and phone number.';
  }
  await sandbox.db.metaCodes.update(record, {
    data(c) {
      c.usedAt = Date.now();
    },
  });
  return undefined;
}
