// APP_WEBHOOK: the app's webhook for delivery reports and inbound messages, signed with a secret
// chosen (and sealed) when the onboarding was created. Sinch refuses a second webhook with the same
// target, so no late commit can leave two.
import { APP_WEBHOOK_TRIGGERS, type ConversationRegion } from '../../upstreams/sinch/contract.ts';
import type { OnboardingDeps } from '../deps.ts';
import { openOnboardingSecret } from '../secrets.ts';
import { createOrAdopt } from './create-or-adopt.ts';
import type { StepRun } from './types.ts';
import { StepFailure } from './types.ts';

export function conversationCallbackUrl(deps: OnboardingDeps, onboardingId: string): string {
  return `${deps.publicUrl}/webhooks/sinch/conversation/${onboardingId}`;
}

const run: StepRun = async (deps, snapshot, step) => {
  const { onboarding, app } = snapshot;
  const projectId = onboarding.subprojectId;
  if (!projectId || !app) {
    throw new StepFailure('NO_APP', 'The Conversation API app is missing', false);
  }
  const region = app.region as ConversationRegion;
  const target = conversationCallbackUrl(deps, onboarding.id);

  const { resource: made, adopted } = await createOrAdopt(deps, step, {
    find: async () =>
      (await deps.conversation.listAppWebhooks(region, projectId, app.id)).find(
        (w) => w.target === target,
      ),
    create: () =>
      deps.conversation.createWebhook(region, projectId, {
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
      }),
    // Sinch refuses a duplicate target with INVALID_ARGUMENT: ours, from a lost answer.
    existsAlready: (error) => error.code === 'INVALID_ARGUMENT',
  });
  return {
    status: 'SUCCEEDED',
    upstreamId: made.id,
    message: `${adopted ? 'Adopted' : 'Registered'} the app webhook ${made.id} for ${made.triggers.join(', ')}`,
    record: (draft, now) => {
      if (draft.webhooks.some((w) => w.id === made.id)) return;
      draft.webhooks.push({
        id: made.id,
        onboardingId: onboarding.id,
        appId: app.id,
        target: made.target,
        triggers: made.triggers,
        createdAt: now,
      });
    },
  };
};

export const appWebhook = { run };
