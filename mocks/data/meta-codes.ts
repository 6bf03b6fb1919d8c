// Meta's exchangeable Embedded Signup codes, as the fake's stand-in for Meta issues them: each is
// bound to the WABA and phone number the customer chose, lives a short while and is good once
// (contracts F.3). Sinch's sender create verifies the one it is handed against these. A signup that
// shared only the WABA (FINISH_ONLY_WABA) binds its code to no number: `phoneNumberId` null.
import { z } from 'zod';

export const metaCodeSchema = z.object({
  code: z.string(),
  wabaId: z.string(),
  phoneNumberId: z.string().nullable(),
  expiresAt: z.number(),
  usedAt: z.number().nullable(),
});
export type MetaCode = z.infer<typeof metaCodeSchema>;
