// CONVERSATION_APP: the Conversation API app that carries the active sender's WhatsApp credential,
// on the regional host the onboarding asked for. Found again by the sender it carries.
import type { App, ConversationRegion } from '../../upstreams/sinch/contract.ts';
import { openSenderToken } from '../secrets.ts';
import { createOrAdopt, removeDuplicates } from './create-or-adopt.ts';
import type { StepReconcile, StepRun } from './types.ts';
import { StepFailure } from './types.ts';

const carries = (senderId: string) => (app: App) =>
  app.channel_credentials.some((c) => c.static_bearer?.claimed_identity === senderId);

const run: StepRun = async (deps, snapshot, step) => {
  const { onboarding, sender } = snapshot;
  const projectId = onboarding.subprojectId;
  if (!projectId) throw new StepFailure('NO_SUBPROJECT', 'The Sinch subproject is missing', false);
  if (sender?.state !== 'ACTIVE' || !sender.bearerTokenSealed) {
    throw new StepFailure('SENDER_NOT_ACTIVE', 'The WhatsApp sender is not active yet', false);
  }
  const region = onboarding.region.toLowerCase() as ConversationRegion;
  if (!sender.compatibleRegions.includes(region)) {
    throw new StepFailure(
      'REGION_NOT_COMPATIBLE',
      `The sender can be used in ${sender.compatibleRegions.join(', ') || 'no region'}, not in ${region}. Start a new onboarding in one of those regions.`,
      false,
    );
  }

  const { resource: made, adopted } = await createOrAdopt(deps, step, {
    find: async () =>
      (await deps.conversation.listApps(region, projectId)).find(carries(sender.id)),
    create: () =>
      deps.conversation.createApp(region, projectId, {
        display_name: `${onboarding.displayName} WhatsApp`,
        channel_credentials: [
          {
            channel: 'WHATSAPP',
            static_bearer: {
              claimed_identity: sender.id,
              token: openSenderToken(deps.sealer, sender.id, sender.bearerTokenSealed!),
            },
          },
        ],
      }),
  });
  const credentialStatus = made.channel_credentials.find((c) => c.channel === 'WHATSAPP')?.state
    ?.status;
  return {
    status: 'SUCCEEDED',
    upstreamId: made.id,
    message: `${adopted ? 'Adopted' : 'Created'} Conversation API app ${made.id} in ${region}`,
    data: { appId: made.id, region, credentialStatus, adopted },
    record: (draft, now) => {
      if (draft.app?.id === made.id) return;
      draft.app = {
        id: made.id,
        onboardingId: onboarding.id,
        projectId,
        region,
        displayName: made.display_name ?? `${onboarding.displayName} WhatsApp`,
        senderId: sender.id,
        credentialStatus: credentialStatus ?? null,
        credentialReason: null,
        credentialCheckedAt: null,
        createdAt: now,
      };
    },
  };
};

/** Apps in the subproject carrying this onboarding's sender, but the one the step kept. */
const reconcile: StepReconcile = async (deps, snapshot, step) => {
  const { onboarding, app } = snapshot;
  if (!onboarding.subprojectId || !app) return [];
  const region = app.region as ConversationRegion;
  const projectId = onboarding.subprojectId;
  const all = (await deps.conversation.listApps(region, projectId)).filter(carries(app.senderId));
  return removeDuplicates(
    all,
    (a) => a.id,
    step.upstreamId ?? app.id,
    (id) => deps.conversation.deleteApp(region, projectId, id),
  );
};

export const conversationApp = { run, reconcile };
