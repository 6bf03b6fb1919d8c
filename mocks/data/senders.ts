// A WhatsApp sender as the fake keeps it: the API view plus what the API never shows (its project,
// the WABA and phone number it was created from).
import { z } from 'zod';
import {
  BUSINESS_MANAGERS,
  conversationRegionSchema,
  SENDER_CHANGE_STATUSES,
  senderErrorCodeSchema,
  senderRegionSchema,
  senderStateSchema,
} from '../../src/upstreams/sinch/contract.ts';

export const senderRecordSchema = z.object({
  id: z.string(),
  projectId: z.string(),
  wabaId: z.string(),
  phoneNumberId: z.string(),
  state: senderStateSchema,
  changes: z
    .object({
      status: z.enum(SENDER_CHANGE_STATUSES),
      details: z.record(z.string(), z.unknown()),
      errorCode: senderErrorCodeSchema.optional(),
      errorReason: z.string().optional(),
    })
    .nullable(),
  region: senderRegionSchema,
  metaLocalStorage: z.string(),
  businessManager: z.enum(BUSINESS_MANAGERS),
  compatibleRegions: z.array(conversationRegionSchema),
  cloudApi: z.boolean(),
  /** Meta's review of the display name (contracts D.5 `metadata`), when one is under way. */
  metadata: z
    .object({
      displayName: z.object({
        value: z.string(),
        status: z.enum(['PENDING', 'APPROVED', 'REJECTED']),
        rejectionReason: z.string().optional(),
      }),
    })
    .optional(),
  /** Meta's quality rating of the number, once one was played (contracts D.5). */
  qualityRating: z.enum(['GREEN', 'YELLOW', 'RED', 'UNKNOWN']).optional(),
  /** Issued when the sender first becomes ACTIVE. */
  bearerToken: z.string().nullable(),
  countryCode: z.string(),
  phoneNumber: z.string(),
  created: z.string(),
  modified: z.string(),
});
export type SenderRecord = z.infer<typeof senderRecordSchema>;
