// SENDZEN_PROJECT: the customer's SendZen project, API key and onboarding iframe URL. SendZen
// answers the same project for the same client identifier, so a repeat makes nothing twice.
import type { OnboardingSnapshot } from '../../db/store.ts';
import { last4 } from '../../secrets/seal.ts';
import type { OnboardingDeps } from '../deps.ts';
import { openOnboardingSecret, sealOnboardingSecret } from '../secrets.ts';
import type { StepResult, StepRun } from './types.ts';

/** The URL SendZen posts the signup result to; its last segment is the onboarding's own secret. */
export function sendzenWebhookUrl(deps: OnboardingDeps, snapshot: OnboardingSnapshot): string {
  const { onboarding } = snapshot;
  const token = openOnboardingSecret(
    deps.sealer,
    onboarding.id,
    'sendzen_webhook_token',
    onboarding.sendzenWebhookTokenSealed,
  );
  return `${deps.publicUrl}/webhooks/sendzen/${onboarding.id}/${token}`;
}

/**
 * Asks SendZen for the project and a fresh iframe URL. Also what refreshing the link does: SendZen
 * returns the same project for the same client identifier.
 */
export async function fetchOnboardingLink(
  deps: OnboardingDeps,
  snapshot: OnboardingSnapshot,
): Promise<StepResult> {
  const { onboarding } = snapshot;
  const result = await deps.sendzen.onboard({
    clientIdentifier: onboarding.clientIdentifier,
    clientWebhookUrl: sendzenWebhookUrl(deps, snapshot),
  });
  return {
    status: 'SUCCEEDED',
    upstreamId: result.projectId,
    message: `project ${result.projectId} is ready; the onboarding link expires at ${result.iframeUrlExpiresAt.toISOString()}`,
    data: { projectId: result.projectId, iframeUrlExpiresAt: result.iframeUrlExpiresAt.getTime() },
    record: (draft) => {
      Object.assign(draft.onboarding, {
        sendzenProjectId: result.projectId,
        sendzenProjectName: result.projectName,
        sendzenApiKeySealed: sealOnboardingSecret(
          deps.sealer,
          onboarding.id,
          'sendzen_api_key',
          result.apiKey,
        ),
        sendzenApiKeyLast4: last4(result.apiKey),
        iframeUrl: result.iframeUrl,
        iframeUrlExpiresAt: result.iframeUrlExpiresAt.getTime(),
      });
    },
  };
}

export const sendzenProject = {
  run: ((deps, snapshot) => fetchOnboardingLink(deps, snapshot)) satisfies StepRun,
};
