// WHATSAPP_SENDER: the Sinch WhatsApp sender made from the customer's Embedded Signup result. It is
// created IN_PROGRESS; its activation arrives by signed callback (or, failing that, by polling).
// A number added later has its own (`step.number`): the same call on the customer's WABA, as
// Sinch's guide for adding a number to an onboarded WABA says, without Meta's code.
import { UpstreamError } from '../../upstreams/errors.ts';
import type { Sender, SenderRegion } from '../../upstreams/sinch/contract.ts';
import type { OnboardingDeps } from '../deps.ts';
import { openOnboardingSecret } from '../secrets.ts';
import { recordSender, senderVerdict } from '../sender-state.ts';
import { createOrAdopt } from './create-or-adopt.ts';
import type { StepRun } from './types.ts';
import { StepFailure } from './types.ts';

// A phone number id belongs to one sender at a time (Sinch answers 409 `used_phone_number_id`), so
// no late commit can leave two senders: the step needs no reconciliation.

/**
 * The live (not deleted) sender in the customer's subproject that none of its other numbers holds.
 * The subproject holds this one customer's senders only, and Sinch's sender carries no phone
 * number id to match on.
 */
async function findLiveSender(
  deps: OnboardingDeps,
  projectId: string,
  heldByOthers: ReadonlySet<string>,
): Promise<Sender | undefined> {
  const { senders } = await deps.provisioning.listSenders(projectId, { pageSize: 100 });
  return senders
    .filter((s) => s.state !== 'INACTIVE' && !heldByOthers.has(s.id))
    .sort((a, b) => (b.created ?? '').localeCompare(a.created ?? ''))[0];
}

async function deleteReplacedSender(deps: OnboardingDeps, projectId: string, senderId: string) {
  try {
    await deps.provisioning.deleteSender(projectId, senderId);
  } catch (error) {
    const gone =
      error instanceof UpstreamError &&
      (error.code === 'sender_already_deleted' || error.kind === 'not_found');
    if (!gone) throw error;
  }
}

const run: StepRun = async (deps, snapshot, step) => {
  const { onboarding } = snapshot;
  const projectId = onboarding.subprojectId;
  const { wabaId } = onboarding;
  const first = step.number === '';
  const phoneNumberId = first ? onboarding.phoneNumberId : step.number;
  if (!projectId) throw new StepFailure('NO_SUBPROJECT', 'The Sinch subproject is missing', false);
  if (!wabaId) {
    throw new StepFailure(
      'SIGNUP_NOT_COMPLETED',
      'The customer has not completed the signup',
      false,
    );
  }
  if (!phoneNumberId) {
    // Meta's FINISH_ONLY_WABA: the WABA came without a number; addPhoneNumber gives it one and
    // runs this step again.
    return {
      status: 'WAITING',
      message: 'The customer shared a WABA without a phone number; waiting for one',
    };
  }

  let current = first
    ? snapshot.sender
    : (snapshot.senders.find((s) => s.phoneNumberId === phoneNumberId) ?? null);
  const heldByOthers = new Set(
    snapshot.senders.filter((s) => s.phoneNumberId !== phoneNumberId).map((s) => s.id),
  );
  // A failed sender, or one made from an earlier signup result, still holds its phone number:
  // delete it before making the new one.
  if (
    current &&
    (senderVerdict(current).status === 'FAILED' || current.phoneNumberId !== phoneNumberId)
  ) {
    if (current.state !== 'INACTIVE') await deleteReplacedSender(deps, projectId, current.id);
    current = null;
  }

  let sender: Sender;
  let adopted = true;
  if (current) {
    sender = await deps.provisioning.getSender(projectId, current.id);
  } else {
    ({ resource: sender, adopted } = await createOrAdopt(deps, step, {
      find: () => findLiveSender(deps, projectId, heldByOthers),
      create: () =>
        deps.provisioning.createSender(projectId, {
          wabaId,
          phoneNumberId,
          region: onboarding.region as SenderRegion,
          ...(onboarding.metaLocalStorage
            ? { metaLocalStorage: onboarding.metaLocalStorage as 'DE' }
            : {}),
          // Meta's code proves the signup of the first number; a number added later has none.
          ...(first && onboarding.signupCodeSealed
            ? {
                authenticationCode: openOnboardingSecret(
                  deps.sealer,
                  onboarding.id,
                  'signup_code',
                  onboarding.signupCodeSealed,
                ),
              }
            : {}),
        }),
      // The phone number is taken: by our own earlier attempt (adopt it), or by someone else
      // (then nothing is found, and the upstream's refusal stands).
      existsAlready: (error) =>
        error.code === 'used_phone_number_id' || error.code === 'provisioned_phone_number_id',
    }));
  }

  const found = sender;
  return {
    status: 'WAITING',
    upstreamId: found.id,
    pollAt: Date.now() + deps.pipeline.senderPollAfterMs,
    message: `${adopted ? 'Adopted' : 'Created'} WhatsApp sender ${found.id}`,
    data: { senderId: found.id, adopted },
    // What the step comes to depends on what is stored: a callback may already have delivered a
    // newer state than the one this call returned.
    record: (draft, now) => {
      const { row } = recordSender(draft, deps.sealer, found, { wabaId, phoneNumberId }, now);
      const verdict = senderVerdict(row);
      return verdict.status === 'FAILED'
        ? { status: 'FAILED', failure: verdict.error }
        : { status: verdict.status };
    },
  };
};

export const whatsappSender = { run };
