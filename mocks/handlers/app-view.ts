// A Conversation API app as the API shows it (contracts E.2). Each WhatsApp credential's state is
// worked out when read, from the sender it claims: ACTIVE only for an ACTIVE sender whose bearer
// token matches (contracts gap 15).
import { z } from 'zod';
import { appSchema, type whatsappCredentialSchema } from '../../src/upstreams/sinch/contract.ts';
import type { ConversationApp } from '../data/conversation-apps.ts';
import type { SenderRecord } from '../data/senders.ts';
import type { SandboxState } from '../sandbox/sandbox.ts';
import { conform } from './conform.ts';

type WhatsappCredential = z.infer<typeof whatsappCredentialSchema>;
type Credential = ConversationApp['channel_credentials'][number];

const credentialState = z.object({ status: z.string(), description: z.string().optional() });
type CredentialState = z.infer<typeof credentialState>;

export function isWhatsappCredential(credential: Credential): credential is WhatsappCredential {
  return credential.channel === 'WHATSAPP';
}

/** A sender the app's project may claim: its own, or one of the parent project's. */
export function findClaimedSender(
  sandbox: SandboxState,
  projectId: string,
  senderId: string,
): SenderRecord | undefined {
  const parent = sandbox.credentials.sinchProjectId;
  return sandbox.db.senders.findFirst((q) =>
    q.where({ id: senderId, projectId: (p) => p === projectId || p === parent }),
  );
}

function whatsappState(sandbox: SandboxState, projectId: string, c: WhatsappCredential) {
  const sender = findClaimedSender(sandbox, projectId, c.static_bearer.claimed_identity);
  if (!sender) {
    return {
      status: 'FAILING',
      description: `Unknown WhatsApp sender ${c.static_bearer.claimed_identity}.`,
    };
  }
  if (sender.state !== 'ACTIVE') {
    return {
      status: 'FAILING',
      description: `The WhatsApp sender is ${sender.state}, not ACTIVE.`,
    };
  }
  if (sender.bearerToken !== c.static_bearer.token) {
    return { status: 'FAILING', description: 'The token does not match the WhatsApp sender.' };
  }
  return { status: 'ACTIVE' };
}

export function appView(sandbox: SandboxState, app: ConversationApp) {
  return conform(appSchema, {
    id: app.id,
    display_name: app.display_name,
    channel_credentials: app.channel_credentials.map((credential, index) => {
      // Other channels are stored as sent and never checked, so they stay PENDING.
      const state: CredentialState = isWhatsappCredential(credential)
        ? whatsappState(sandbox, app.projectId, credential)
        : { status: 'PENDING' };
      return {
        ...credential,
        credential_ordinal_number: credential.credential_ordinal_number ?? index,
        state,
      };
    }),
    conversation_metadata_report_view: app.conversation_metadata_report_view,
    rate_limits: { inbound: 25, outbound: 25, webhooks: 25 },
    retention_policy: app.retention_policy,
    processing_mode: app.processing_mode,
    smart_conversation: app.smart_conversation,
    queue_stats: { outbound_size: 0, outbound_limit: 500_000 },
    persist_message_status: { enabled: false },
    message_search: { enabled: false },
    ...(app.callback_settings ? { callback_settings: app.callback_settings } : {}),
  });
}
