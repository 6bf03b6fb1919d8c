import { z } from 'zod';

export const provisioningWebhookRecordSchema = z.object({
  id: z.string(),
  projectId: z.string(),
  target: z.string(),
  /** Signs the callbacks; write-only in the API. */
  secret: z.string(),
  triggers: z.array(z.string()),
});
export type ProvisioningWebhookRecord = z.infer<typeof provisioningWebhookRecordSchema>;
