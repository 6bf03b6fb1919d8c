// PROVISIONING_WEBHOOK: Sinch pushes the sender's state changes to the gateway, signed with a
// secret chosen (and sealed) when the onboarding was created, so a repeat uses the same secret.
// Sinch refuses a second webhook with the same target, so no late commit can leave two.
import { SENDER_STATE_TRIGGERS } from '../../upstreams/sinch/contract.ts';
import type { OnboardingDeps } from '../deps.ts';
import { openOnboardingSecret } from '../secrets.ts';
import { createOrAdopt } from './create-or-adopt.ts';
import type { StepRun } from './types.ts';
import { StepFailure } from './types.ts';

export function provisioningCallbackUrl(deps: OnboardingDeps, onboardingId: string): string {
  return `${deps.publicUrl}/webhooks/sinch/provisioning/${onboardingId}`;
}

async function findByTarget(deps: OnboardingDeps, projectId: string, target: string) {
  let pageToken: string | undefined;
  do {
    const page = await deps.provisioning.listWebhooks(projectId, { pageSize: 15, pageToken });
    const found = page.webhooks.find((w) => w.target === target);
    if (found) return found;
    pageToken = page.nextPageToken || undefined;
  } while (pageToken);
  return undefined;
}

const run: StepRun = async (deps, snapshot, step) => {
  const { onboarding } = snapshot;
  const projectId = onboarding.subprojectId;
  if (!projectId) throw new StepFailure('NO_SUBPROJECT', 'The Sinch subproject is missing', false);
  const target = provisioningCallbackUrl(deps, onboarding.id);

  const { resource: webhook, adopted } = await createOrAdopt(deps, step, {
    find: () => findByTarget(deps, projectId, target),
    create: () =>
      deps.provisioning.createWebhook(projectId, {
        target,
        secret: openOnboardingSecret(
          deps.sealer,
          onboarding.id,
          'provisioning_webhook_secret',
          onboarding.provisioningWebhookSecretSealed,
        ),
        triggers: [...SENDER_STATE_TRIGGERS],
      }),
    // Registered by an earlier attempt whose answer we lost: it carries our secret.
    existsAlready: (error) => error.code === 'webhook_exists',
  });
  const { id } = webhook;
  return {
    status: 'SUCCEEDED',
    upstreamId: id,
    message: `${adopted ? 'Adopted' : 'Registered'} the provisioning webhook ${id}`,
    record: (draft) => {
      draft.onboarding.provisioningWebhookId = id;
    },
  };
};

export const provisioningWebhook = { run };
