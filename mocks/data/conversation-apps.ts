// A Conversation API app lives on the one regional host it was created on.
import { z } from 'zod';
import {
  channelCredentialSchema,
  conversationRegionSchema,
} from '../../src/upstreams/sinch/contract.ts';

export const conversationAppSchema = z.object({
  id: z.string(),
  projectId: z.string(),
  region: conversationRegionSchema,
  display_name: z.string(),
  channel_credentials: z.array(channelCredentialSchema),
  processing_mode: z.enum(['CONVERSATION', 'DISPATCH']),
  conversation_metadata_report_view: z.enum(['NONE', 'FULL']),
  retention_policy: z.object({ retention_type: z.string(), ttl_days: z.number() }),
  smart_conversation: z.object({ enabled: z.boolean() }),
  callback_settings: z
    .object({ secret_for_overridden_callback_urls: z.string().optional() })
    .optional(),
});
export type ConversationApp = z.infer<typeof conversationAppSchema>;
