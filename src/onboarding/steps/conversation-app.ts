// CONVERSATION_APP: the Conversation API app that carries the active sender's WhatsApp credential,
// on the regional host the onboarding asked for.
import { conversationApps } from '../../db/schema.ts';
import type { App, ConversationRegion } from '../../upstreams/sinch/contract.ts';
import { openSenderToken } from '../secrets.ts';
import type { StepRun } from './types.ts';
import { StepFailure } from './types.ts';

export const runConversationApp: StepRun = async (deps, snapshot, step) => {
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

  const usesSender = (app: App) =>
    app.channel_credentials.some((c) => c.static_bearer?.claimed_identity === sender.id);
  let app = step.outcomeUnknown
    ? (await deps.conversation.listApps(region, projectId)).find(usesSender)
    : undefined;
  const adopted = Boolean(app);
  app ??= await deps.conversation.createApp(region, projectId, {
    display_name: `${onboarding.displayName} WhatsApp`,
    channel_credentials: [
      {
        channel: 'WHATSAPP',
        static_bearer: {
          claimed_identity: sender.id,
          token: openSenderToken(deps.sealer, sender.id, sender.bearerTokenSealed),
        },
      },
    ],
  });

  const made = app;
  const credentialStatus = made.channel_credentials.find((c) => c.channel === 'WHATSAPP')?.state
    ?.status;
  return {
    status: 'SUCCEEDED',
    upstreamId: made.id,
    message: `${adopted ? 'Adopted' : 'Created'} Conversation API app ${made.id} in ${region}`,
    data: { appId: made.id, region, credentialStatus, adopted },
    record: (tx, now) => {
      tx.insert(conversationApps)
        .values({
          id: made.id,
          onboardingId: onboarding.id,
          projectId,
          region,
          displayName: made.display_name ?? `${onboarding.displayName} WhatsApp`,
          senderId: sender.id,
          credentialStatus: credentialStatus ?? null,
          createdAt: now,
        })
        .onConflictDoNothing()
        .run();
    },
  };
};
