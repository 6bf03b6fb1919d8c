// APP_WEBHOOK: the app's webhook for delivery reports and inbound messages, signed with a secret
// chosen (and sealed) when the onboarding was created.
import { appWebhooks } from '../../db/schema.ts';
import { UpstreamError } from '../../upstreams/errors.ts';
import { APP_WEBHOOK_TRIGGERS, type ConversationRegion } from '../../upstreams/sinch/contract.ts';
import type { OnboardingDeps } from '../deps.ts';
import { openOnboardingSecret } from '../secrets.ts';
import type { StepRun } from './types.ts';
import { StepFailure } from './types.ts';

export function conversationCallbackUrl(deps: OnboardingDeps, onboardingId: string): string {
  return `${deps.publicUrl}/webhooks/sinch/conversation/${onboardingId}`;
}

export const runAppWebhook: StepRun = async (deps, snapshot, step) => {
  const { onboarding, app } = snapshot;
  const projectId = onboarding.subprojectId;
  if (!projectId || !app) {
    throw new StepFailure('NO_APP', 'The Conversation API app is missing', false);
  }
  const region = app.region as ConversationRegion;
  const target = conversationCallbackUrl(deps, onboarding.id);
  const find = async () =>
    (await deps.conversation.listAppWebhooks(region, projectId, app.id)).find(
      (w) => w.target === target,
    );

  let webhook = step.outcomeUnknown ? await find() : undefined;
  let adopted = Boolean(webhook);
  if (!webhook) {
    try {
      webhook = await deps.conversation.createWebhook(region, projectId, {
        app_id: app.id,
        target,
        target_type: 'HTTP',
        triggers: [...APP_WEBHOOK_TRIGGERS],
        secret: openOnboardingSecret(
          deps.sealer,
          onboarding.id,
          'app_webhook_secret',
          onboarding.appWebhookSecretSealed,
        ),
      });
    } catch (error) {
      // Sinch refuses a duplicate target with INVALID_ARGUMENT: ours from a lost answer, adopt it.
      const existing =
        error instanceof UpstreamError && error.code === 'INVALID_ARGUMENT'
          ? await find()
          : undefined;
      if (!existing) throw error;
      webhook = existing;
      adopted = true;
    }
  }
  const made = webhook;
  return {
    status: 'SUCCEEDED',
    upstreamId: made.id,
    message: `${adopted ? 'Adopted' : 'Registered'} the app webhook ${made.id} for ${made.triggers.join(', ')}`,
    record: (tx, now) => {
      tx.insert(appWebhooks)
        .values({
          id: made.id,
          onboardingId: onboarding.id,
          appId: app.id,
          target: made.target,
          triggers: made.triggers,
          createdAt: now,
        })
        .onConflictDoNothing()
        .run();
    },
  };
};
