// PROVISIONING_WEBHOOK: Sinch pushes the sender's state changes to the gateway, signed with a
// secret chosen (and sealed) when the onboarding was created, so a repeat uses the same secret.
import { eq } from 'drizzle-orm';
import { onboardings } from '../../db/schema.ts';
import { UpstreamError } from '../../upstreams/errors.ts';
import { SENDER_STATE_TRIGGERS } from '../../upstreams/sinch/contract.ts';
import type { OnboardingDeps } from '../deps.ts';
import { openOnboardingSecret } from '../secrets.ts';
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

export const runProvisioningWebhook: StepRun = async (deps, snapshot, step) => {
  const { onboarding } = snapshot;
  const projectId = onboarding.subprojectId;
  if (!projectId) throw new StepFailure('NO_SUBPROJECT', 'The Sinch subproject is missing', false);
  const target = provisioningCallbackUrl(deps, onboarding.id);

  let webhook = step.outcomeUnknown ? await findByTarget(deps, projectId, target) : undefined;
  let adopted = Boolean(webhook);
  if (!webhook) {
    try {
      webhook = await deps.provisioning.createWebhook(projectId, {
        target,
        secret: openOnboardingSecret(
          deps.sealer,
          onboarding.id,
          'provisioning_webhook_secret',
          onboarding.provisioningWebhookSecretSealed,
        ),
        triggers: [...SENDER_STATE_TRIGGERS],
      });
    } catch (error) {
      // Registered by an earlier attempt whose answer we lost: it carries our secret, adopt it.
      const existing =
        error instanceof UpstreamError && error.code === 'webhook_exists'
          ? await findByTarget(deps, projectId, target)
          : undefined;
      if (!existing) throw error;
      webhook = existing;
      adopted = true;
    }
  }
  const { id } = webhook;
  return {
    status: 'SUCCEEDED',
    upstreamId: id,
    message: `${adopted ? 'Adopted' : 'Registered'} the provisioning webhook ${id}`,
    record: (tx) => {
      tx.update(onboardings)
        .set({ provisioningWebhookId: id })
        .where(eq(onboardings.id, onboarding.id))
        .run();
    },
  };
};
