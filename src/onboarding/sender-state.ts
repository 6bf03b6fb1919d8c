// What the gateway does when it learns a sender's state, whichever way it learned it: the create
// response, a signed provisioning callback, or a poll. One function, so all three agree, apply a
// state once, and never move the sender step backwards.
import { primarySender } from '../db/drafts.ts';
import type { SenderRow } from '../db/schema.ts';
import type { OnboardingDraft } from '../db/store.ts';
import { last4, type Sealer } from '../secrets/seal.ts';
import type { Sender, SenderErrorCode } from '../upstreams/sinch/contract.ts';
import { type EventDraft, errorColumns, type StepKey, stepOf, updateStep } from './draft.ts';
import { sealSenderToken } from './secrets.ts';

/** How far along a state is: an equal-time report may move a sender forward, never back. */
const RANK: Record<string, number> = { IN_PROGRESS: 0, PENDING_VERIFICATION: 1 };
const rank = (state: string) => RANK[state] ?? 2;

const compareStrings = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Orders two upstream times by the instant they name. ISO 8601 lets Sinch write a time with or
 * without fractional seconds (or with an offset), so strings of different shapes do not sort;
 * strings of the same shape still order what milliseconds cannot (micro- and nanoseconds).
 */
function compareTimes(a: string, b: string): number {
  const at = Date.parse(a);
  const bt = Date.parse(b);
  if (Number.isNaN(at) || Number.isNaN(bt)) return compareStrings(a, b);
  return at - bt || (a.length === b.length ? compareStrings(a, b) : 0);
}

/**
 * The sender's state as the onboarding sees it. `state` has no REJECTED: Sinch reports a rejected
 * sender through its pending change (`changes.status: REJECTED`, contracts D.4 and D.7's
 * WHATSAPP_SENDER_REJECTED), so a sender not yet live whose change was rejected or failed is that.
 */
export function senderState(sender: Sender): string {
  const change = sender.changes?.status;
  const live = sender.state !== undefined && !NOT_YET_LIVE.has(sender.state);
  if (!live && (change === 'REJECTED' || change === 'ERROR')) return change;
  return sender.state ?? change ?? 'IN_PROGRESS';
}

const NOT_YET_LIVE = new Set(['IN_PROGRESS', 'PENDING_VERIFICATION']);

/** Stores the sender unless what we hold is newer. Returns the row as stored, and whether it changed. */
export function recordSender(
  draft: OnboardingDraft,
  sealer: Sealer,
  sender: Sender,
  signup: { wabaId: string; phoneNumberId: string },
  now: number,
): { row: SenderRow; changed: boolean } {
  const existing = draft.senders.find((s) => s.id === sender.id);
  const state = senderState(sender);
  const displayName = sender.metadata?.displayName;
  if (existing) {
    const age =
      sender.modified !== undefined && existing.upstreamModifiedAt !== null
        ? compareTimes(sender.modified, existing.upstreamModifiedAt)
        : undefined;
    const older =
      age !== undefined && (age < 0 || (age === 0 && rank(state) < rank(existing.state)));
    const same =
      existing.state === state &&
      (!sender.bearerToken || existing.bearerTokenSealed) &&
      (sender.qualityRating ?? existing.qualityRating) === existing.qualityRating &&
      (displayName?.status ?? existing.displayNameStatus) === existing.displayNameStatus;
    if (older || same) {
      return { row: existing, changed: false };
    }
  }
  const token = sender.bearerToken;
  const values = {
    state,
    // Kept when a report leaves them out: a state change does not say the rating was lost.
    qualityRating: sender.qualityRating ?? existing?.qualityRating ?? null,
    displayNameStatus: displayName?.status ?? existing?.displayNameStatus ?? null,
    displayNameReason: displayName
      ? (displayName.rejectionReason ?? null)
      : (existing?.displayNameReason ?? null),
    region: sender.region,
    compatibleRegions: sender.compatibleRegions,
    errorCode: sender.changes?.errorCode ?? null,
    errorReason: sender.changes?.errorReason ?? null,
    upstreamModifiedAt: sender.modified ?? existing?.upstreamModifiedAt ?? null,
    updatedAt: now,
    ...(token
      ? {
          bearerTokenSealed: sealSenderToken(sealer, sender.id, token),
          bearerTokenLast4: last4(token),
        }
      : {}),
  };
  if (existing) {
    Object.assign(existing, values);
    return { row: existing, changed: true };
  }
  const row: SenderRow = {
    id: sender.id,
    onboardingId: draft.onboarding.id,
    projectId: draft.onboarding.subprojectId ?? '',
    wabaId: signup.wabaId,
    phoneNumberId: signup.phoneNumberId,
    bearerTokenSealed: null,
    bearerTokenLast4: null,
    createdAt: now,
    ...values,
  };
  // The newest sender of a number is its current one.
  draft.senders.unshift(row);
  draft.sender = primarySender(draft);
  return { row, changed: true };
}

export type SenderVerdict =
  | { status: 'SUCCEEDED' }
  | { status: 'WAITING' }
  | {
      status: 'FAILED';
      error: { upstream: string; code: string; message: string; retryable: boolean };
    };

/**
 * Sender errors a retry only repeats (a new sender fails the same way) until someone outside the
 * gateway acts: billing or the Sinch account's set-up, a number or WABA held elsewhere, an
 * unverified number or business, Meta's rejection. The rest are worth a retry.
 */
const RETRY_CANNOT_HELP: ReadonlySet<string> = new Set<SenderErrorCode | 'REJECTED'>([
  'NO_PRICING_PLAN',
  'CANNOT_ASSIGN_CREDIT_LINE',
  'CANNOT_ASSIGN_SYSTEM_USER',
  'NO_NOVA_ACCOUNT_ID',
  'NOVA_ACCOUNT_ID_CONFLICT',
  'NO_PROJECT_ID',
  'PROJECT_ID_CONFLICT',
  'DUPLICATES_ON_SENDER_PHONE_NUMBER',
  'REQUESTED_PHONE_NUMBER_OR_COUNTRY_CODE_CONFLICT',
  'WABA_CONNECTED_TO_ANOTHER_PROJECT',
  'MULTIPLE_WABA_FOR_PROJECT_ID',
  'NO_VERIFIED_PHONE_NUMBER',
  'NOT_VERIFIED_REQUESTED_PHONE_NUMBER',
  'NOT_VERIFY_BUSINESS_VIA_WHATSAPP',
  'REJECTED',
]);

/** What a sender's state means for the WHATSAPP_SENDER step. */
export function senderVerdict(row: SenderRow): SenderVerdict {
  if (row.state === 'ACTIVE' && row.bearerTokenSealed) return { status: 'SUCCEEDED' };
  if (row.state === 'ERROR' || row.state === 'REJECTED') {
    const code = row.errorCode ?? row.state;
    return {
      status: 'FAILED',
      error: {
        upstream: 'sinch-provisioning',
        code,
        message: row.errorReason ?? 'Sinch could not activate the WhatsApp sender.',
        retryable: !RETRY_CANNOT_HELP.has(code),
      },
    };
  }
  if (row.state === 'INACTIVE' || row.state === 'SUSPENDED') {
    return {
      status: 'FAILED',
      error: {
        upstream: 'sinch-provisioning',
        code: `SENDER_${row.state}`,
        message: `The WhatsApp sender is ${row.state.toLowerCase()}.`,
        // A deleted sender is made again; a suspended one stays suspended until Meta lifts it.
        retryable: row.state === 'INACTIVE',
      },
    };
  }
  return { status: 'WAITING' };
}

/**
 * Applies a reported sender state to the onboarding. Returns the events it caused (none when it
 * changed nothing: a duplicate, an older report, or a sender that is no longer the current one).
 */
export function applySenderReport(
  draft: OnboardingDraft,
  sealer: Sealer,
  sender: Sender,
  via: 'callback' | 'poll' | 'create',
  now: number,
  pollAfterMs: number,
): EventDraft[] {
  const { onboarding } = draft;
  const key = senderStepOf(draft, sender.id);
  const number = key.number;
  const current = number === '' ? draft.sender : numberSender(draft, number);
  // A report about a sender we replaced (a retry deleted it) updates its row and nothing else.
  const isCurrent = current === null || current.id === sender.id;
  // A report before the gateway ever asked for a sender is about someone else's sender in the
  // subproject: it must not stand in for the one the signup will create. After a crash mid-create
  // (outcomeUnknown) it may well be ours: keep it, and let the step's next run adopt it.
  const senderStep = stepOf(draft, key);
  if (current === null && senderStep.status === 'PENDING' && !senderStep.outcomeUnknown) return [];
  const { row, changed } = recordSender(
    draft,
    sealer,
    sender,
    { wabaId: onboarding.wabaId ?? '', phoneNumberId: number || (onboarding.phoneNumberId ?? '') },
    now,
  );
  if (!changed || !isCurrent) return [];

  const step = senderStep;
  const events: EventDraft[] = [
    {
      type: 'sender.state',
      step: 'WHATSAPP_SENDER',
      message: `Sender ${row.id}${number ? ` (number ${number})` : ''} is ${row.state} (reported by ${via})`,
      data: {
        senderId: row.id,
        state: row.state,
        via,
        errorCode: row.errorCode,
        ...(number ? { number } : {}),
      },
    },
  ];
  // A succeeded step stays succeeded: a later suspension is recorded on the sender, not undone here.
  if (step.status === 'SUCCEEDED') return events;

  const verdict = senderVerdict(row);
  if (verdict.status === 'SUCCEEDED') {
    updateStep(draft, key, now, {
      status: 'SUCCEEDED',
      upstreamId: row.id,
      finishedAt: now,
      nextAttemptAt: null,
      outcomeUnknown: false,
      ...errorColumns(null),
    });
  } else if (verdict.status === 'FAILED' && step.status !== 'RUNNING') {
    // While the runner holds the step (a retry deleting a failed sender and creating a new one),
    // the old sender's failure reports must not fail the new attempt.
    updateStep(draft, key, now, {
      status: 'FAILED',
      upstreamId: row.id,
      finishedAt: now,
      nextAttemptAt: null,
      ...errorColumns(verdict.error),
    });
  } else if (step.status !== 'RUNNING') {
    // Still in progress: look again later unless a callback tells us first.
    updateStep(draft, key, now, {
      status: 'WAITING',
      upstreamId: row.id,
      nextAttemptAt: now + pollAfterMs,
    });
  }
  return events;
}

/** The current sender of a number added after the first. */
export function numberSender(draft: OnboardingDraft, number: string): SenderRow | null {
  return draft.senders.find((s) => s.phoneNumberId === number) ?? null;
}

/**
 * Which number's sender step a report is for: the number of the sender we hold, or, for a sender
 * we do not know yet (its create's answer is still on its way), the one added number whose sender
 * is being made while the first number's is not. Otherwise the first number's, as ever.
 */
function senderStepOf(draft: OnboardingDraft, senderId: string): StepKey {
  const added = new Set(draft.steps.map((s) => s.number).filter((n) => n !== ''));
  const known = draft.senders.find((s) => s.id === senderId);
  if (known) {
    return {
      name: 'WHATSAPP_SENDER',
      number: added.has(known.phoneNumberId) ? known.phoneNumberId : '',
    };
  }
  const making = (s: { status: string; outcomeUnknown: boolean }) =>
    s.status === 'RUNNING' || s.outcomeUnknown;
  const first = stepOf(draft, 'WHATSAPP_SENDER');
  const numbers = draft.steps.filter(
    (s) =>
      s.name === 'WHATSAPP_SENDER' &&
      s.number !== '' &&
      making(s) &&
      numberSender(draft, s.number) === null,
  );
  return numbers.length === 1 && !making(first)
    ? { name: 'WHATSAPP_SENDER', number: numbers[0]!.number }
    : { name: 'WHATSAPP_SENDER', number: '' };
}
