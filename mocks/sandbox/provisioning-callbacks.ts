// Sinch tells every provisioning webhook of the sender's project that subscribed to the event
// (or to ALL), signing each delivery with that webhook's own secret (contracts D.7).
import { provisioningCallbackSchema } from '../../src/upstreams/sinch/contract.ts';
import type { SenderRecord } from '../data/senders.ts';
import { conform } from '../handlers/conform.ts';
import { senderView } from '../handlers/sender-view.ts';
import type { SandboxState } from './sandbox.ts';

export function notifyProvisioningWebhooks(
  sandbox: SandboxState,
  type: string,
  sender: SenderRecord,
): void {
  const body = JSON.stringify(
    conform(provisioningCallbackSchema, { type, payload: senderView(sender) }),
  );
  // A whole-record predicate: @msw/data applies a field predicate to each item of an array field.
  const webhooks = sandbox.db.provisioningWebhooks.findMany((q) =>
    q.where(
      (w) =>
        w.projectId === sender.projectId &&
        (w.triggers.includes(type) || w.triggers.includes('ALL')),
    ),
  );
  for (const webhook of webhooks) {
    sandbox.deliveries.send({
      kind: 'provisioning_callback',
      upstream: 'provisioning',
      target: webhook.target,
      body,
      signingSecret: webhook.secret,
    });
  }
}
