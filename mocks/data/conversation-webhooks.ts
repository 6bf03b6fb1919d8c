import { z } from 'zod';
import { conversationRegionSchema } from '../../src/upstreams/sinch/contract.ts';

export const conversationWebhookRecordSchema = z.object({
  id: z.string(),
  projectId: z.string(),
  region: conversationRegionSchema,
  app_id: z.string(),
  target: z.string(),
  target_type: z.string(),
  triggers: z.array(z.string()),
  secret: z.string().optional(),
  client_credentials: z.record(z.string(), z.unknown()).optional(),
});
export type ConversationWebhookRecord = z.infer<typeof conversationWebhookRecordSchema>;
