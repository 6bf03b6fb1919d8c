// The fake upstreams' own database: one @msw/data collection per kind of record. @msw/data has no
// primary-key or uniqueness checks, so the handlers return the upstream's 409s themselves.
import { Collection } from '@msw/data';
import { accessTokenSchema } from './access-tokens.ts';
import { conversationAppSchema } from './conversation-apps.ts';
import { conversationWebhookRecordSchema } from './conversation-webhooks.ts';
import { iframeSessionSchema } from './iframe-sessions.ts';
import { metaCodeSchema } from './meta-codes.ts';
import { provisioningWebhookRecordSchema } from './provisioning-webhooks.ts';
import { senderRecordSchema } from './senders.ts';
import { sendzenProjectSchema } from './sendzen-projects.ts';
import { subprojectRecordSchema } from './subprojects.ts';

export function createDatabase() {
  return {
    sendzenProjects: new Collection({ schema: sendzenProjectSchema }),
    iframeSessions: new Collection({ schema: iframeSessionSchema }),
    accessTokens: new Collection({ schema: accessTokenSchema }),
    metaCodes: new Collection({ schema: metaCodeSchema }),
    subprojects: new Collection({ schema: subprojectRecordSchema }),
    senders: new Collection({ schema: senderRecordSchema }),
    provisioningWebhooks: new Collection({ schema: provisioningWebhookRecordSchema }),
    conversationApps: new Collection({ schema: conversationAppSchema }),
    conversationWebhooks: new Collection({ schema: conversationWebhookRecordSchema }),
  };
}
export type Database = ReturnType<typeof createDatabase>;

export function clearDatabase(db: Database): void {
  for (const collection of Object.values(db)) collection.clear();
}
