// What the onboarding domain needs from the outside world, handed in once at start.

import type { OnboardingStore } from '../db/store.ts';
import type { GatewayLogger } from '../logger.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { Sealer } from '../secrets/seal.ts';
import type { SendZenClient } from '../upstreams/sendzen/client.ts';
import type { SinchConversationClient } from '../upstreams/sinch/conversation.ts';
import type { SinchProvisioningClient } from '../upstreams/sinch/provisioning.ts';
import type { SinchSubprojectsClient } from '../upstreams/sinch/subprojects.ts';
import type { OnboardingEvents } from './events.ts';

export interface ChangeContext {
  onboardingStore: OnboardingStore;
  events: OnboardingEvents;
  now: () => number;
  /** Told after commit when a change left a step scheduled (the runner wakes for it). */
  scheduled: (at: number) => void;
  metrics: GatewayMetrics;
}

export interface PipelineSettings {
  senderPollAfterMs: number;
  /**
   * How long a signup result the vendor's page relayed (a hint, unverified) waits for SendZen's
   * webhook to confirm it before the onboarding asks for action.
   */
  signupConfirmationWindowMs: number;
  subprojectWarmupGraceMs: number;
  stepMaxAttempts: number;
  /** First retry delay of a failed step; doubles per attempt up to a minute. */
  stepRetryBaseMs: number;
  /** How many steps the runner works on at once (across onboardings; one per onboarding). */
  stepConcurrency: number;
  /**
   * How long after a step that had an unknown outcome succeeded to look for a duplicate that a
   * late commit of the earlier attempt may have left.
   */
  reconcileAfterMs: number;
  /** How many looks, each twice as long after the step as the one before. */
  reconcileLooks: number;
  /** How long a claim on a RUNNING step holds without renewal (a shared store only). */
  stepLeaseMs: number;
}

export interface OnboardingDeps extends ChangeContext {
  publicUrl: string;
  pipeline: PipelineSettings;
  sealer: Sealer;
  sendzen: SendZenClient;
  subprojects: SinchSubprojectsClient;
  provisioning: SinchProvisioningClient;
  conversation: SinchConversationClient;
  /** While a step runs, the step's own: every line carries its onboarding id and step. */
  logger: GatewayLogger;
}
