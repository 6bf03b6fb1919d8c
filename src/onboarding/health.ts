// What becomes of a customer's WhatsApp channel after READY. Sinch keeps reporting the sender
// (signed provisioning callbacks: INACTIVE, a quality rating change, the display name's review;
// SUSPENDED has no callback of its own and shows up when the gateway reads the sender), and the
// Conversation API app says whether the sender's credential still works (a revoked token leaves it
// FAILING). The onboarding's status then says which it is, with Sinch's reason and what to do.
//
// Only what Sinch answered counts: a health check that timed out or got a 500 changes nothing, so
// a flaky network never marks a credential revoked. "In review" is not a failure: the number
// works meanwhile.
import type { ConversationAppRow, OnboardingStatus, SenderRow } from '../db/schema.ts';

export const HEALTH_STATES = [
  'HEALTHY',
  'DISPLAY_NAME_IN_REVIEW',
  'DISPLAY_NAME_REJECTED',
  'QUALITY_LOW',
  'CREDENTIAL_REVOKED',
  'SENDER_INACTIVE',
  'SENDER_SUSPENDED',
] as const;
export type HealthState = (typeof HEALTH_STATES)[number];

export interface Health {
  state: HealthState;
  /** Whether the channel can still send: false for the states that stop it. */
  canSend: boolean;
  /** Sinch's (or Meta's) reason, when it gave one. */
  reason: string | null;
  /** What to do about it, in a person's words. */
  whatToDo: string | null;
  qualityRating: string | null;
  displayNameStatus: string | null;
}

/** Display name reviews that are still under way. */
const IN_REVIEW = new Set(['PENDING', 'DEFERRED', 'RESERVED']);

/**
 * The channel's health from the first number's sender and the app's credential, worst first.
 * Null before there is an active sender to speak of.
 */
export function channelHealth(
  sender: SenderRow | null,
  app: Pick<ConversationAppRow, 'credentialStatus' | 'credentialReason'> | null,
): Health | null {
  if (!sender) return null;
  const base = {
    qualityRating: sender.qualityRating,
    displayNameStatus: sender.displayNameStatus,
  };
  const said = (state: HealthState, canSend: boolean, reason: string | null, whatToDo: string) => ({
    ...base,
    state,
    canSend,
    reason,
    whatToDo,
  });
  if (sender.state === 'SUSPENDED') {
    return said(
      'SENDER_SUSPENDED',
      false,
      sender.errorReason,
      'Meta suspended the number. Check the WhatsApp Manager of the customer’s business for the policy notice and appeal there; messages cannot be sent until Meta lifts it.',
    );
  }
  if (sender.state === 'INACTIVE') {
    return said(
      'SENDER_INACTIVE',
      false,
      sender.errorReason,
      'The sender was deactivated or deleted in Sinch. If nobody meant to, ask Sinch why; to make a new sender for the number, cancel the onboarding and start the customer again.',
    );
  }
  if (app?.credentialStatus === 'FAILING') {
    return said(
      'CREDENTIAL_REVOKED',
      false,
      app.credentialReason,
      'The Conversation API app can no longer use the sender’s credential (it was revoked or replaced), so nothing can be sent. Ask Sinch whether the sender’s token was rotated; cancelling and starting the customer again makes a new sender and app.',
    );
  }
  if (sender.displayNameStatus === 'REJECTED') {
    return said(
      'DISPLAY_NAME_REJECTED',
      true,
      sender.displayNameReason,
      'Meta rejected the display name. The customer chooses a name that follows Meta’s display name guidelines and submits it again; messages go out under the number meanwhile.',
    );
  }
  if (sender.qualityRating === 'RED') {
    return said(
      'QUALITY_LOW',
      true,
      'Meta rates the number’s quality low (RED): recipients blocked or reported its messages.',
      'Send only what recipients asked for, and fewer messages; Meta may limit or suspend the number if the rating stays low.',
    );
  }
  if (sender.displayNameStatus && IN_REVIEW.has(sender.displayNameStatus)) {
    return said(
      'DISPLAY_NAME_IN_REVIEW',
      true,
      null,
      'Nothing: Meta is reviewing the display name, which usually takes a day or two. Messages can be sent meanwhile.',
    );
  }
  return { ...base, state: 'HEALTHY', canSend: true, reason: null, whatToDo: null };
}

/** The onboarding's status once every step succeeded: READY, or the health state that says why not. */
export function statusAfterReady(health: Health | null): OnboardingStatus {
  return !health || health.state === 'HEALTHY' ? 'READY' : health.state;
}
