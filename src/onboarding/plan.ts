// The shape of an onboarding: the one list of step definitions. Everything else about a step is
// derived from here: the stored names, the order, the runner's work, the preconditions of the
// mutations and their messages, the GraphQL enum and its descriptions, and the demo's step order.
import type { OnboardingRow, OnboardingStatus, SignupPath, StepRow } from '../db/schema.ts';
import type { OnboardingSnapshot } from '../db/store.ts';
import { channelHealth, statusAfterReady } from './health.ts';
import { STEP_NAMES, type StepName } from './step-names.ts';
import { appChannel } from './steps/app-channel.ts';
import { appWebhook } from './steps/app-webhook.ts';
import { conversationApp } from './steps/conversation-app.ts';
import { provisioningWebhook } from './steps/provisioning-webhook.ts';
import { sendzenProject } from './steps/sendzen-project.ts';
import { sinchSubproject } from './steps/sinch-subproject.ts';
import type { StepReconcile, StepRun } from './steps/types.ts';
import { whatsappSender } from './steps/whatsapp-sender.ts';

export interface StepDefinition {
  name: StepName;
  /** What a person reads in the demo and the event log. */
  label: string;
  /** The GraphQL enum value's description. */
  description: string;
  requires: readonly StepName[];
  /**
   * `always`: started as soon as its requirements succeed. `provisioning`: started by itself only
   * with automatic provisioning, otherwise by its mutation. `external`: never run by the gateway;
   * something outside (the customer's signup) completes it.
   */
  start: 'always' | 'provisioning' | 'external';
  /** What PreconditionFailed says when an operation needs this step and it has not succeeded. */
  unmet: string;
  /** What the step waits for while it is WAITING (read it through `waitingFor`). */
  waitingFor: string | ((step: StepRow, onboarding: WaitingContext) => string);
  /** The one signup path the step belongs to; absent: both. */
  onlyOn?: SignupPath;
  /**
   * `also`: the onboarding has one, and so does every phone number added after the first.
   * `only`: only added numbers have one. Absent: the onboarding's alone.
   */
  perNumber?: 'also' | 'only';
  /** The upstream work (absent for a step something outside completes). */
  run?: StepRun;
  /**
   * After a create whose outcome was unknown, a late commit of the earlier attempt can leave a
   * second resource upstream: this looks for such duplicates and removes them.
   */
  reconcile?: StepReconcile;
}

type Definitions = { readonly [N in StepName]: StepDefinition & { name: N } };

export const STEPS: Definitions = {
  SENDZEN_PROJECT: {
    name: 'SENDZEN_PROJECT',
    label: 'SendZen project',
    description: 'The customer’s SendZen project, API key and iframe URL.',
    requires: [],
    start: 'always',
    unmet: 'The onboarding has no SendZen project yet, so no signup can have happened',
    waitingFor: 'SendZen',
    onlyOn: 'SENDZEN',
    run: sendzenProject.run,
  },
  SINCH_SUBPROJECT: {
    name: 'SINCH_SUBPROJECT',
    label: 'Sinch subproject',
    description: 'The customer’s Sinch subproject.',
    requires: [],
    start: 'always',
    unmet: 'The customer’s Sinch subproject does not exist yet',
    waitingFor: 'Sinch',
    run: sinchSubproject.run,
    reconcile: sinchSubproject.reconcile,
  },
  PROVISIONING_WEBHOOK: {
    name: 'PROVISIONING_WEBHOOK',
    label: 'Provisioning webhook',
    description: 'Sinch pushes the sender’s state changes to the gateway.',
    requires: ['SINCH_SUBPROJECT'],
    start: 'always',
    unmet: 'The provisioning webhook is not registered yet',
    waitingFor: 'Sinch',
    run: provisioningWebhook.run,
  },
  CUSTOMER_SIGNUP: {
    name: 'CUSTOMER_SIGNUP',
    label: 'Customer signup',
    description:
      'The customer completes Meta’s Embedded Signup: in SendZen’s iframe, or on the vendor’s own page.',
    // On Meta's path there is no SendZen project: the signup waits for nothing of the gateway's.
    requires: ['SENDZEN_PROJECT'],
    start: 'external',
    unmet:
      'The customer has not completed the signup yet; a sender needs its WABA id and phone number id',
    // Due while WAITING only when the frontend relayed a completion: the end of its wait for
    // SendZen's confirmation (src/onboarding/signup.ts).
    waitingFor: (step, onboarding) =>
      onboarding.signupPath === 'META_EMBEDDED_SIGNUP'
        ? "the customer to complete Meta's Embedded Signup on the vendor's page, which relays Meta's message and authorization code"
        : step.nextAttemptAt === null
          ? 'the customer to complete the signup in the onboarding iframe'
          : "SendZen's webhook to confirm the signup result the frontend relayed; nothing is created until it does",
  },
  WHATSAPP_SENDER: {
    name: 'WHATSAPP_SENDER',
    label: 'WhatsApp sender',
    description: 'The Sinch WhatsApp sender, until it is ACTIVE.',
    requires: ['CUSTOMER_SIGNUP', 'PROVISIONING_WEBHOOK'],
    start: 'provisioning',
    unmet: 'The WhatsApp sender is not active yet; the app needs its credentials',
    waitingFor: (step, onboarding) =>
      step.number === '' && onboarding.phoneNumberId === null
        ? 'a phone number: the customer shared a WABA without one; add it with addPhoneNumber'
        : 'Sinch to activate the WhatsApp sender',
    perNumber: 'also',
    run: whatsappSender.run,
  },
  CONVERSATION_APP: {
    name: 'CONVERSATION_APP',
    label: 'Conversation API app',
    description: 'The Conversation API app with the sender’s credentials.',
    requires: ['WHATSAPP_SENDER'],
    start: 'provisioning',
    unmet: 'The Conversation API app does not exist yet',
    waitingFor: 'Sinch',
    run: conversationApp.run,
    reconcile: conversationApp.reconcile,
  },
  APP_WEBHOOK: {
    name: 'APP_WEBHOOK',
    label: 'App webhook',
    description: 'The app’s webhook for delivery reports and inbound messages.',
    requires: ['CONVERSATION_APP'],
    start: 'always',
    unmet: 'The app’s webhook is not registered yet',
    waitingFor: 'Sinch',
    run: appWebhook.run,
  },
  APP_CHANNEL: {
    name: 'APP_CHANNEL',
    label: 'Number on the app',
    description: 'A number added later: its sender’s credential joins the Conversation API app.',
    requires: ['WHATSAPP_SENDER', 'CONVERSATION_APP'],
    start: 'always',
    unmet: 'The number is not on the Conversation API app yet',
    waitingFor: 'Sinch',
    perNumber: 'only',
    run: appChannel.run,
  },
};

/** What a step's wait may depend on besides the step. */
export type WaitingContext = Pick<OnboardingRow, 'signupPath' | 'phoneNumberId'>;

/** The definitions in order: what the demo and the GraphQL enum list. */
export const PLAN: readonly StepDefinition[] = STEP_NAMES.map((name) => STEPS[name]);

/** What a person reads for a step: its label, and the number it works for when it has one. */
export function labelOf(key: { name: StepName; number: string }): string {
  return `${STEPS[key.name].label}${key.number ? ` (number ${key.number})` : ''}`;
}

/** What a WAITING step waits for, in a person's words. */
export function waitingFor(step: StepRow, onboarding: WaitingContext): string {
  const says = STEPS[step.name].waitingFor;
  return typeof says === 'string' ? says : says(step, onboarding);
}

/** A new onboarding's steps on its signup path, in plan order, none started. */
export function newSteps(onboardingId: string, now: number, path: SignupPath): StepRow[] {
  return PLAN.filter((step) => (step.onlyOn ?? path) === path && step.perNumber !== 'only').map(
    (step) => blankStep(onboardingId, step.name, '', now, null),
  );
}

/**
 * The steps of a phone number added after the first, in plan order: asked for by the person who
 * added it, so they run without waiting for a request (automatic provisioning or not).
 */
export function numberSteps(onboardingId: string, number: string, now: number): StepRow[] {
  return PLAN.filter((step) => step.perNumber !== undefined).map((step) =>
    blankStep(onboardingId, step.name, number, now, now),
  );
}

function blankStep(
  onboardingId: string,
  name: StepName,
  number: string,
  now: number,
  requestedAt: number | null,
): StepRow {
  return {
    onboardingId,
    name,
    number,
    status: 'PENDING',
    attempts: 0,
    nextAttemptAt: null,
    requestedAt,
    outcomeUnknown: false,
    startedAt: null,
    finishedAt: null,
    updatedAt: now,
    upstreamId: null,
    errorUpstream: null,
    errorCode: null,
    errorMessage: null,
    errorRetryable: null,
    reconcileAt: null,
    claimedBy: null,
    leaseUntil: null,
  };
}

/**
 * The row a step's requirement is met by: the same number's step when the number has one (an added
 * number's own sender), else the onboarding's. Undefined when the path has no such step (Meta's
 * path has no SendZen project), which counts as met.
 */
function requirementRow(
  steps: readonly StepRow[],
  step: Pick<StepRow, 'number'>,
  requirement: StepName,
): StepRow | undefined {
  const mine = (number: string) => steps.find((s) => s.name === requirement && s.number === number);
  return (step.number !== '' ? mine(step.number) : undefined) ?? mine('');
}

const met = (row: StepRow | undefined) => row === undefined || row.status === 'SUCCEEDED';

/**
 * The overall status a person reads, derived from the steps (every number's included) and never
 * stored independently.
 */
export function deriveStatus(
  onboarding: Pick<OnboardingRow, 'cancelledAt' | 'wabaId' | 'phoneNumberId'>,
  steps: readonly StepRow[],
  channel: Pick<OnboardingSnapshot, 'sender' | 'app'> = { sender: null, app: null },
): OnboardingStatus {
  if (onboarding.cancelledAt !== null) return 'CANCELLED';
  if (steps.some((s) => s.status === 'FAILED')) return 'ACTION_REQUIRED';
  if (steps.every((s) => s.status === 'SUCCEEDED')) {
    // After READY, what Sinch reports of the sender says whether it still is.
    return statusAfterReady(channelHealth(channel.sender, channel.app));
  }
  const signup = steps.find((s) => s.name === 'CUSTOMER_SIGNUP');
  if (signup?.status !== 'SUCCEEDED') return 'AWAITING_SIGNUP';
  // Meta's FINISH_ONLY_WABA: a WABA shared without a number, which the vendor adds.
  return onboarding.wabaId !== null && onboarding.phoneNumberId === null
    ? 'AWAITING_PHONE_NUMBER'
    : 'PROVISIONING';
}

/** A number's status: its own steps summarised as an onboarding's are. */
export function numberStatus(
  steps: readonly StepRow[],
): 'PROVISIONING' | 'READY' | 'ACTION_REQUIRED' {
  if (steps.some((s) => s.status === 'FAILED')) return 'ACTION_REQUIRED';
  return steps.every((s) => s.status === 'SUCCEEDED') ? 'READY' : 'PROVISIONING';
}

export interface StepSchedule {
  name: StepName;
  number: string;
  status: 'PENDING' | 'WAITING';
  nextAttemptAt: number | null;
}

/**
 * The steps that have become startable: requirements all succeeded, not yet started, and allowed to
 * start (by the plan, by automatic provisioning, or because a person asked for it).
 */
export function startable(
  onboarding: { cancelledAt: number | null; autoProvision: boolean },
  steps: readonly StepRow[],
  now: number,
): StepSchedule[] {
  if (onboarding.cancelledAt !== null) return [];
  const out: StepSchedule[] = [];
  for (const step of steps) {
    if (step.status !== 'PENDING' || step.nextAttemptAt !== null) continue;
    const plan = STEPS[step.name];
    if (!plan.requires.every((r) => met(requirementRow(steps, step, r)))) continue;
    const { name, number } = step;
    if (plan.start === 'external') {
      out.push({ name, number, status: 'WAITING', nextAttemptAt: null });
    } else if (plan.start === 'always' || onboarding.autoProvision || step.requestedAt !== null) {
      out.push({ name, number, status: 'PENDING', nextAttemptAt: now });
    }
  }
  return out;
}

/**
 * The requirement that keeps a person from asking for `name` now, if any: one that has not
 * succeeded and that the gateway will not reach by itself (a customer's signup, a sender still
 * activating, or a step that failed). A requirement the gateway is still working through does not
 * block: the request is recorded and the step runs once it is met.
 */
export function blockingRequirement(
  snapshot: Pick<OnboardingSnapshot, 'steps'>,
  name: StepName,
): StepDefinition | undefined {
  const step = { number: '' };
  return STEPS[name].requires
    .map((r) => STEPS[r])
    .find((r) => {
      const row = requirementRow(snapshot.steps, step, r.name);
      if (met(row)) return false;
      return r.start !== 'always' || row?.status === 'FAILED';
    });
}
