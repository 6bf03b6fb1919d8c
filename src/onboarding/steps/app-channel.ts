// APP_CHANNEL: a number added after the first joins the customer's Conversation API app, so the
// vendor sends from every number through the one app. Sinch's update replaces the app's whole
// credential list (contracts E.2), so the step sends every number that is on the app or joining it,
// the first number's first: the same request whichever attempt makes it, and a repeat is harmless.
import type { SenderRow } from '../../db/schema.ts';
import type { OnboardingSnapshot } from '../../db/store.ts';
import type { ConversationRegion, CreateAppRequest } from '../../upstreams/sinch/contract.ts';
import type { OnboardingDeps } from '../deps.ts';
import { findStep } from '../draft.ts';
import { openSenderToken } from '../secrets.ts';
import type { StepRun } from './types.ts';
import { StepFailure } from './types.ts';

/** The senders the app carries once `joining` is on it: the first number's, then the others'. */
function appSenders(snapshot: OnboardingSnapshot, joining: string): SenderRow[] {
  const numbers = [...new Set(snapshot.steps.map((s) => s.number).filter((n) => n !== ''))].filter(
    (n) =>
      n === joining ||
      findStep(snapshot, { name: 'APP_CHANNEL', number: n })?.status === 'SUCCEEDED',
  );
  const senders = numbers.map((n) => snapshot.senders.find((s) => s.phoneNumberId === n));
  return [snapshot.sender, ...senders].filter(
    (s): s is SenderRow => s?.state === 'ACTIVE' && s.bearerTokenSealed !== null,
  );
}

type Credential = CreateAppRequest['channel_credentials'][number];

function credential(deps: OnboardingDeps, sender: SenderRow, ordinal: number): Credential {
  return {
    channel: 'WHATSAPP',
    static_bearer: {
      claimed_identity: sender.id,
      token: openSenderToken(deps.sealer, sender.id, sender.bearerTokenSealed!),
    },
    credential_ordinal_number: ordinal,
  };
}

const run: StepRun = async (deps, snapshot, step) => {
  const { onboarding, app } = snapshot;
  const projectId = onboarding.subprojectId;
  if (!projectId || !app) {
    throw new StepFailure('NO_APP', 'The Conversation API app does not exist yet', false);
  }
  const sender = snapshot.senders.find((s) => s.phoneNumberId === step.number);
  if (sender?.state !== 'ACTIVE' || !sender.bearerTokenSealed) {
    throw new StepFailure(
      'SENDER_NOT_ACTIVE',
      'The number’s WhatsApp sender is not active yet',
      false,
    );
  }
  const region = app.region as ConversationRegion;
  if (!sender.compatibleRegions.includes(region)) {
    throw new StepFailure(
      'REGION_NOT_COMPATIBLE',
      `The number’s sender can be used in ${sender.compatibleRegions.join(', ') || 'no region'}, not in the app’s ${region}.`,
      false,
    );
  }
  const senders = appSenders(snapshot, step.number);
  const updated = await deps.conversation.updateApp(region, projectId, app.id, {
    channel_credentials: senders.map((s, i) => credential(deps, s, i)),
  });
  const state = updated.channel_credentials.find(
    (c) => c.static_bearer?.claimed_identity === sender.id,
  )?.state?.status;
  return {
    status: 'SUCCEEDED',
    upstreamId: app.id,
    message: `Sender ${sender.id} of number ${step.number} joined Conversation API app ${app.id}`,
    data: { appId: app.id, senderId: sender.id, credentialStatus: state },
  };
};

export const appChannel = { run };
