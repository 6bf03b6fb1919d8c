// The durable step runner. Every step's state lives in the store, so the runner itself holds nothing
// that a crash could lose: it claims a due step in one change, calls the upstream outside any
// transaction, and records the outcome in another. A step found RUNNING at start was interrupted
// mid-call: it is rescheduled with `outcomeUnknown`, so it looks up what it may have created
// before creating anything again. Stopping for a shutdown does the same, ahead of time, for the
// steps this process still has running when its deadline passes.
//
// It asks the store only for steps that are due, and sleeps until the next one falls due or a
// change schedules one sooner (`wakeAt`), rather than polling.
//
// Every line it logs about a step carries `{ onboardingId, step }` (a child logger, which the step
// itself is handed too), and what an attempt came to is counted once it is committed.
//
// On a store several instances share, a claim names the instance and holds until a lease runs
// out; the instance renews the leases of what it runs, so only a dead instance's claims run out,
// and any instance then recovers those steps the way a restart does.
import type { DueStep, OnboardingSnapshot } from '../db/store.ts';
import type { GatewayLogger } from '../logger.ts';
import type { AttemptOutcome } from '../metrics.ts';
import { change } from './changes.ts';
import type { OnboardingDeps } from './deps.ts';
import {
  type EventDraft,
  errorColumns,
  findStep,
  keyOf,
  type StepKey,
  type StepRef,
  stepOf,
  updateStep,
} from './draft.ts';
import { labelOf, STEPS } from './plan.ts';
import { failureOf, nextAttempt, type StepError } from './retry.ts';
import { applySenderReport, numberSender } from './sender-state.ts';
import { signupConfirmationOverdue } from './signup.ts';
import type { StepResult } from './steps/types.ts';

/** Longest sleep between looks at the store, so a wake-up lost to a crash heals itself. */
const MAX_IDLE_MS = 30_000;

/** How long an onboarding is left alone after the runner itself failed on it. */
const COOL_DOWN_MS = 5_000;

export class StepRunner {
  readonly #deps: OnboardingDeps;
  readonly #concurrency: number;
  /** What is running, per onboarding: one step of an onboarding at a time. */
  readonly #inFlight = new Map<string, Promise<void>>();
  /** The step each in-flight run holds RUNNING in the store (polls and reconciliations hold none). */
  readonly #running = new Map<string, StepKey>();
  /** Set once a shutdown gave up waiting: what the abandoned runs learn afterwards is not recorded. */
  #abandoned = false;
  /** Onboardings whose last run threw (not a step failure: the runner's own): left alone a while. */
  readonly #coolingDown = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #ticking = false;
  #tickAgain = false;
  #stopped = true;
  #claims: Claims = { instanceId: 'gateway', shared: false };
  #renewal: NodeJS.Timeout | undefined;

  constructor(deps: OnboardingDeps) {
    this.#deps = deps;
    this.#concurrency = deps.pipeline.stepConcurrency;
  }

  async start(claims: Claims): Promise<void> {
    this.#claims = claims;
    this.#stopped = false;
    // Alone on the store, whatever runs was left by this instance's previous process; shared,
    // only what this instance's name claims is (the rest is recovered when its lease runs out).
    await this.#recoverInterrupted(claims.shared ? claims.instanceId : undefined);
    if (claims.shared) {
      const leaseMs = this.#deps.pipeline.stepLeaseMs;
      this.#renewal = setInterval(() => void this.#renewClaims(), Math.floor(leaseMs / 3));
      this.#renewal.unref();
    }
    this.wakeAt(0);
  }

  async #renewClaims(): Promise<void> {
    if (this.#inFlight.size === 0) return;
    const { instanceId } = this.#claims;
    try {
      await this.#deps.onboardingStore.renewClaims(
        instanceId,
        this.#deps.now() + this.#deps.pipeline.stepLeaseMs,
      );
    } catch (error) {
      this.#deps.logger.warn(
        { instanceId, error: error instanceof Error ? error.message : String(error) },
        'could not renew step claims; another instance may take them over',
      );
    }
  }

  /** Something falls due at `at`: look then, unless a look is already planned sooner. */
  wakeAt(at: number): void {
    if (this.#stopped || at >= this.#timerAt) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    // A millisecond late rather than early: a timer may fire a hair before `now()` reaches `at`,
    // and a look that finds the step not yet due would then wait for the idle look (30 s).
    this.#timer = setTimeout(() => void this.#tick(), Math.max(0, at - this.#deps.now()) + 1);
  }

  /**
   * Claims nothing more and waits for the steps in flight, until `deadline` (epoch ms). A step still
   * running then is recorded as having an unknown outcome and due at once, exactly as a crash
   * would leave it found at the next start, so that start adopts what the call may have created
   * rather than creating it again. Returns how many steps finished and how many were interrupted.
   */
  async stop(
    deadline = Number.POSITIVE_INFINITY,
  ): Promise<{ finished: number; interrupted: number }> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const waiting = this.#inFlight.size;
    const settled = Promise.allSettled([...this.#inFlight.values()]);
    let timer: NodeJS.Timeout | undefined;
    const timeUp = new Promise<'time up'>((resolve) => {
      if (deadline === Number.POSITIVE_INFINITY) return;
      timer = setTimeout(() => resolve('time up'), Math.max(0, deadline - this.#deps.now()));
    });
    const outcome = await Promise.race([settled, timeUp]);
    clearTimeout(timer);
    // Renewed while the calls in flight could still finish; past here, nothing runs.
    clearInterval(this.#renewal);
    if (outcome !== 'time up') return { finished: waiting, interrupted: 0 };

    this.#abandoned = true;
    const running = [...this.#running];
    for (const [onboardingId, key] of running) {
      await this.#markOutcomeUnknown(onboardingId, key, 'stopping');
    }
    return { finished: waiting - this.#inFlight.size, interrupted: running.length };
  }

  /**
   * Runs the step now when it is due and waits for its outcome: lets a mutation answer with what
   * happened rather than "scheduled". Waits for whatever is already running for the onboarding.
   */
  async runNow(onboardingId: string, ref: StepRef): Promise<void> {
    const key = keyOf(ref);
    let waitedElsewhere = false;
    for (;;) {
      const running = this.#inFlight.get(onboardingId);
      if (running) {
        // Another step of this onboarding (or this one, launched by a look): wait, then see.
        await running;
        continue;
      }
      const snapshot = await this.#deps.onboardingStore.get(onboardingId);
      const step = snapshot ? findStep(snapshot, key) : undefined;
      if (this.#inFlight.has(onboardingId)) continue;
      // Claimed by another instance (its runner looked first): its outcome is what to wait for.
      // Once: its instance may have died, and the step, recovered, is due here.
      if (step?.status === 'RUNNING') {
        if (waitedElsewhere) return;
        waitedElsewhere = true;
        await this.#settledElsewhere(onboardingId, key);
        continue;
      }
      if (step?.status !== 'PENDING' || step.nextAttemptAt === null) return;
      if (step.nextAttemptAt > this.#deps.now()) return;
      // Then look again: the attempt ran here, or another instance claimed it first.
      await this.#launch({ onboardingId, ...key, status: 'PENDING', kind: 'attempt' });
    }
  }

  /**
   * Waits until a step another instance runs is no longer RUNNING, as that instance's change
   * reaches this one's events, or for one lease at most (the claim of an instance that died).
   */
  async #settledElsewhere(onboardingId: string, key: StepKey): Promise<void> {
    const updates = await this.#deps.events.subscribe(onboardingId);
    const timer = setTimeout(() => void updates.return?.(), this.#deps.pipeline.stepLeaseMs);
    try {
      // Read after listening, so the change that settles it cannot fall between the two.
      const now = await this.#deps.onboardingStore.get(onboardingId);
      if (!now || findStep(now, key)?.status !== 'RUNNING') return;
      for await (const snapshot of updates) {
        if (findStep(snapshot, key)?.status !== 'RUNNING') return;
      }
    } finally {
      clearTimeout(timer);
      await updates.return?.();
    }
  }

  async #tick(): Promise<void> {
    this.#timerAt = Number.POSITIVE_INFINITY;
    if (this.#stopped) return;
    // One look at a time; a wake-up during a look asks for another right after it.
    if (this.#ticking) {
      this.#tickAgain = true;
      return;
    }
    this.#ticking = true;
    try {
      const free = this.#concurrency - this.#inFlight.size;
      if (free > 0) {
        // Ask for more than the free slots: some belong to onboardings already running a step.
        const due = await this.#deps.onboardingStore.dueSteps(
          this.#deps.now(),
          free + 2 * this.#inFlight.size,
        );
        const now = this.#deps.now();
        for (const step of due) {
          if (this.#inFlight.size >= this.#concurrency) break;
          if (this.#inFlight.has(step.onboardingId)) continue;
          const until = this.#coolingDown.get(step.onboardingId);
          if (until !== undefined && until > now) {
            this.wakeAt(until);
            continue;
          }
          this.#coolingDown.delete(step.onboardingId);
          void this.#launch(step);
        }
      }
      const next = await this.#deps.onboardingStore.nextDueAt();
      // Work that is due but did not fit is picked up when a running step finishes (#launch).
      if (next !== null && next > this.#deps.now()) this.wakeAt(next);
      // Due, yet nothing runs whose end would look again (it fell due during this look): soon.
      else if (next !== null && this.#inFlight.size === 0) this.wakeAt(this.#deps.now() + 50);
      this.wakeAt(this.#deps.now() + MAX_IDLE_MS);
    } catch (error) {
      this.#deps.logger.error(
        { error: error instanceof Error ? error.message : String(error) },
        'step runner could not read due steps',
      );
      this.wakeAt(this.#deps.now() + 1_000);
    } finally {
      this.#ticking = false;
      if (this.#tickAgain) {
        this.#tickAgain = false;
        this.wakeAt(0);
      }
    }
  }

  #launch(step: DueStep): Promise<void> {
    const { onboardingId } = step;
    const key: StepKey = { name: step.name, number: step.number };
    const claims = step.kind === 'attempt' && step.status !== 'WAITING';
    const work = (
      step.kind === 'reconcile'
        ? this.#reconcile(onboardingId, key)
        : step.kind === 'recover'
          ? this.#recover(onboardingId, key)
          : step.status === 'WAITING'
            ? this.#poll(onboardingId, key)
            : this.#run(onboardingId, key)
    )
      .catch((error: unknown) => {
        // An abandoned run fails as its connection is cut; its step is already recorded.
        if (this.#abandoned) return;
        // Whatever threw would throw again at once: do not spin on it.
        this.#coolingDown.set(onboardingId, this.#deps.now() + COOL_DOWN_MS);
        this.#deps.logger.error(
          {
            ...stepFields(onboardingId, key),
            error: error instanceof Error ? error.message : String(error),
          },
          'step runner failure',
        );
      })
      .finally(() => {
        this.#inFlight.delete(onboardingId);
        this.#running.delete(onboardingId);
        this.wakeAt(0);
      });
    this.#inFlight.set(onboardingId, work);
    if (claims) this.#running.set(onboardingId, key);
    return work;
  }

  async #run(onboardingId: string, key: StepKey): Promise<void> {
    const { name } = key;
    const deps = this.#deps;
    const run = STEPS[name].run;
    const began = performance.now();
    let attempt = 0;
    let checking = false;
    const snapshot = await change(deps, onboardingId, (draft) => {
      const now = deps.now();
      const step = stepOf(draft, key);
      const due =
        step.status === 'PENDING' && step.nextAttemptAt !== null && step.nextAttemptAt <= now;
      if (!due) return [];
      if (draft.onboarding.cancelledAt !== null || !run) {
        // Never due again: a cancelled onboarding runs nothing.
        step.nextAttemptAt = null;
        return [];
      }
      attempt = step.attempts + 1;
      checking = step.outcomeUnknown;
      updateStep(draft, key, now, {
        status: 'RUNNING',
        attempts: attempt,
        startedAt: step.startedAt ?? now,
        nextAttemptAt: null,
        claimedBy: this.#claims.instanceId,
        leaseUntil: now + deps.pipeline.stepLeaseMs,
      });
      return withNumber(key, [
        {
          type: 'step.started',
          step: name,
          message: `${labelOf(key)}: attempt ${attempt} started${step.outcomeUnknown ? ' (checking what an earlier attempt may have created)' : ''}`,
        },
      ]);
    });
    if (attempt === 0 || !run) return;
    const log = stepLogger(deps.logger, onboardingId, key);
    if (log.isLevelEnabled('debug')) {
      log.debug({ attempt, outcomeUnknown: checking }, 'step attempt started');
    }

    let result: StepResult | undefined;
    let failure: StepError | undefined;
    try {
      // `outcomeUnknown` on the claimed row tells the step to look before it creates.
      result = await run({ ...deps, logger: log }, snapshot, stepOf(snapshot, key));
    } catch (error) {
      failure = failureOf(error, {
        step: name,
        now: deps.now(),
        subprojectCreatedAt: snapshot.onboarding.subprojectCreatedAt,
        warmupGraceMs: deps.pipeline.subprojectWarmupGraceMs,
      });
      if (failure.code === 'INTERNAL') {
        log.error(
          { error: error instanceof Error ? error.stack : String(error) },
          'unexpected error in step',
        );
      }
    }
    // Given up on by a shutdown: the step is already recorded as having an unknown outcome.
    if (this.#abandoned) return;
    let recorded: EventDraft | undefined;
    await change(deps, onboardingId, (draft) => {
      const events = withNumber(key, this.#record(draft, key, attempt, result, failure));
      recorded = events[0];
      return events;
    });
    // Counted and logged once committed: a change that failed to commit recorded nothing.
    const outcome = outcomeOf(recorded);
    const seconds = (performance.now() - began) / 1000;
    deps.metrics.stepDuration(name, seconds);
    // A status the attempt settled (succeeded, failed, waiting) is counted where every change is.
    if (outcome === 'retrying' || outcome === 'superseded') deps.metrics.stepOutcome(name, outcome);
    const fields = {
      attempt,
      outcome,
      ms: Math.round(seconds * 1000),
      ...(failure ? { code: failure.code, upstream: failure.upstream } : {}),
      ...(recorded?.data && 'delayMs' in recorded.data ? { retryInMs: recorded.data.delayMs } : {}),
    };
    // A step failed for good leaves the onboarding ACTION_REQUIRED: worth a warning.
    if (outcome === 'failed') log.warn(fields, 'step attempt finished');
    else log.info(fields, 'step attempt finished');
  }

  #record(
    draft: OnboardingSnapshot,
    key: StepKey,
    attempt: number,
    result: StepResult | undefined,
    failure: StepError | undefined,
  ): EventDraft[] {
    const { name } = key;
    const deps = this.#deps;
    const now = deps.now();
    const label = labelOf(key);
    const step = stepOf(draft, key);
    const settled = result?.record?.(draft, now) ?? undefined;
    const held = step.status === 'RUNNING' && step.attempts === attempt;
    if (!held) {
      // Someone moved the step on meanwhile (a callback, a cancel): keep what was created, no more.
      return result?.record
        ? [{ type: 'step.late_result', step: name, message: `${label}: ${result.message}` }]
        : [];
    }

    if (result) {
      const status = settled?.status ?? result.status;
      const stepFailure = settled?.failure ?? result.failure;
      if (status === 'FAILED' && stepFailure) {
        updateStep(draft, key, now, {
          status: 'FAILED',
          upstreamId: result.upstreamId ?? step.upstreamId,
          finishedAt: now,
          outcomeUnknown: false,
          ...errorColumns(stepFailure),
        });
        return [
          {
            type: 'step.failed',
            step: name,
            message: `${label} failed: ${stepFailure.message}`,
            data: { code: stepFailure.code },
          },
        ];
      }
      // An attempt whose outcome was unknown may still commit upstream after this one: look for
      // what it left, once that had time to happen.
      const reconcileAt =
        status === 'SUCCEEDED' && step.outcomeUnknown && STEPS[name].reconcile
          ? now + deps.pipeline.reconcileAfterMs
          : step.reconcileAt;
      updateStep(draft, key, now, {
        status,
        upstreamId: result.upstreamId ?? step.upstreamId,
        finishedAt: status === 'SUCCEEDED' ? now : null,
        nextAttemptAt: status === 'WAITING' ? (result.pollAt ?? null) : null,
        outcomeUnknown: false,
        reconcileAt,
        ...errorColumns(null),
      });
      return [
        {
          type: status === 'SUCCEEDED' ? 'step.succeeded' : 'step.waiting',
          step: name,
          message: `${label}: ${result.message}`,
          data: result.data,
        },
      ];
    }

    const error = failure!;
    const next = nextAttempt(error, attempt, deps.pipeline);
    const outcomeUnknown = step.outcomeUnknown || error.outcomeUnknown;
    if (next.retry) {
      updateStep(draft, key, now, {
        status: 'PENDING',
        nextAttemptAt: now + next.delayMs,
        outcomeUnknown,
        ...errorColumns(error),
      });
      return [
        {
          type: 'step.retrying',
          step: name,
          message: `${label}: attempt ${attempt} failed (${error.code}: ${error.message}); retrying in ${Math.ceil(next.delayMs / 1000)} s`,
          data: { code: error.code, upstream: error.upstream, delayMs: next.delayMs },
        },
      ];
    }
    updateStep(draft, key, now, {
      status: 'FAILED',
      finishedAt: now,
      outcomeUnknown,
      ...errorColumns(error),
    });
    return [
      {
        type: 'step.failed',
        step: name,
        message: `${label} failed${error.retryable ? ` after ${attempt} attempts` : ''}: ${error.message}`,
        data: { code: error.code, upstream: error.upstream },
      },
    ];
  }

  /**
   * A WAITING step fell due: for the sender, the fallback when no provisioning callback arrives
   * (ask Sinch for its state); for the signup, the end of the wait for SendZen to confirm what the
   * frontend relayed.
   */
  async #poll(onboardingId: string, key: StepKey): Promise<void> {
    const { name } = key;
    const deps = this.#deps;
    if (name === 'CUSTOMER_SIGNUP') {
      await change(deps, onboardingId, (draft) => signupConfirmationOverdue(draft, deps.now()));
      return;
    }
    let claimed = false;
    const snapshot = await change(deps, onboardingId, (draft) => {
      const now = deps.now();
      const step = stepOf(draft, key);
      if (step.status !== 'WAITING' || step.nextAttemptAt === null || step.nextAttemptAt > now)
        return [];
      if (name !== 'WHATSAPP_SENDER' || draft.onboarding.cancelledAt !== null) {
        // Nothing to poll for: never due again.
        step.nextAttemptAt = null;
        return [];
      }
      // Pushing the next poll forward is the claim: no second poll starts meanwhile.
      updateStep(draft, key, now, { nextAttemptAt: now + deps.pipeline.senderPollAfterMs });
      claimed = true;
      return [];
    });
    const sender = key.number === '' ? snapshot.sender : numberSender(snapshot, key.number);
    const projectId = snapshot.onboarding.subprojectId;
    if (!claimed || !sender || !projectId) return;
    try {
      const fresh = await deps.provisioning.getSender(projectId, sender.id);
      await change(deps, onboardingId, (draft) =>
        applySenderReport(
          draft,
          deps.sealer,
          fresh,
          'poll',
          deps.now(),
          deps.pipeline.senderPollAfterMs,
        ),
      );
    } catch (error) {
      stepLogger(deps.logger, onboardingId, key).warn(
        { senderId: sender.id, error: error instanceof Error ? error.message : String(error) },
        'sender poll failed; will poll again',
      );
    }
  }

  /** Removes what a late commit of an attempt with an unknown outcome left beside the kept one. */
  async #reconcile(onboardingId: string, key: StepKey): Promise<void> {
    const { name } = key;
    const deps = this.#deps;
    const reconcile = STEPS[name].reconcile;
    let claimed = false;
    const snapshot = await change(deps, onboardingId, (draft) => {
      const step = stepOf(draft, key);
      if (step.reconcileAt === null || step.reconcileAt > deps.now()) return [];
      // Claimed by moving it to the next look, or clearing it after the last one. A late commit
      // has no deadline, so the looks space out: 1, 2, 4, ... times the first delay.
      step.reconcileAt = nextLook(step, deps.pipeline);
      claimed = true;
      return [];
    });
    if (!claimed || !reconcile) return;
    const step = stepOf(snapshot, key);
    const log = stepLogger(deps.logger, onboardingId, key);
    try {
      const removed = await reconcile({ ...deps, logger: log }, snapshot, step);
      if (removed.length === 0) {
        log.info({ kept: step.upstreamId }, 'reconciliation found no duplicate upstream');
        return;
      }
      await change(deps, onboardingId, () => [
        {
          type: 'step.reconciled',
          step: name,
          message: `${labelOf(key)}: removed ${removed.join(', ')}, left upstream by an earlier attempt whose answer was lost; ${step.upstreamId} is kept`,
          data: { removed, kept: step.upstreamId },
        },
      ]);
      deps.metrics.stepOutcome(name, 'reconciled');
      log.info(
        { removed, kept: step.upstreamId },
        'reconciliation removed duplicates a late commit left upstream',
      );
    } catch (error) {
      log.warn(
        { error: error instanceof Error ? error.message : String(error) },
        'reconciliation failed; duplicates may remain upstream',
      );
    }
  }

  /** Steps left RUNNING by a process that died mid-call (of this instance, when `claimedBy`). */
  async #recoverInterrupted(claimedBy: string | undefined): Promise<void> {
    for (const step of await this.#deps.onboardingStore.runningSteps(claimedBy)) {
      await this.#markOutcomeUnknown(step.onboardingId, keyOf(step), 'crashed');
    }
  }

  /** A step whose claim ran out: the instance running it stopped renewing, so it is gone. */
  async #recover(onboardingId: string, key: StepKey): Promise<void> {
    await this.#markOutcomeUnknown(onboardingId, key, 'expired');
  }

  /**
   * A step whose attempt is RUNNING but whose answer will never be heard (the process that made
   * the call died, the instance that claimed it stopped renewing its claim, or this process is
   * stopping without waiting longer): due again at once, with an unknown outcome, so that the next
   * attempt first looks for what this one may have created.
   */
  async #markOutcomeUnknown(
    onboardingId: string,
    key: StepKey,
    why: 'crashed' | 'expired' | 'stopping',
  ): Promise<void> {
    const { name } = key;
    const deps = this.#deps;
    let attempt = 0;
    let claimant: string | null = null;
    await change(deps, onboardingId, (draft) => {
      const step = stepOf(draft, key);
      if (step.status !== 'RUNNING') return [];
      // Renewed since the look: still its instance's.
      if (why === 'expired' && (step.leaseUntil === null || step.leaseUntil > deps.now()))
        return [];
      // Claimed by another instance after all (this one's claim found it taken).
      if (why === 'stopping' && step.claimedBy !== this.#claims.instanceId) return [];
      attempt = step.attempts;
      claimant = step.claimedBy;
      updateStep(draft, key, deps.now(), {
        status: 'PENDING',
        nextAttemptAt: deps.now(),
        outcomeUnknown: true,
      });
      const label = labelOf(key);
      const next = 'it will check what that attempt created before going on';
      return [
        why === 'stopping'
          ? {
              type: 'step.interrupted',
              step: name,
              message: `${label}: the gateway shut down before attempt ${attempt} was answered; the next start will check what that attempt created before going on`,
            }
          : {
              type: 'step.recovered',
              step: name,
              message:
                why === 'crashed'
                  ? `${label}: the gateway stopped during attempt ${attempt}; ${next}`
                  : `${label}: the instance running it (${claimant}) stopped during attempt ${attempt}; ${next}`,
            },
      ];
    });
    if (attempt === 0) return;
    const log = stepLogger(deps.logger, onboardingId, key);
    if (why === 'stopping') {
      log.info(
        { attempt },
        'shutdown deadline passed with the step running: outcome unknown, due at the next start',
      );
      return;
    }
    deps.metrics.stepOutcome(name, 'recovered');
    log.info(
      { attempt, ...(why === 'expired' ? { claimedBy: claimant } : {}) },
      `recovered a step interrupted by ${why === 'crashed' ? 'a stop' : 'the end of the instance running it'}; its next attempt looks for what this one made`,
    );
  }
}

export interface Claims {
  /** Names this instance in the claims it makes. */
  instanceId: string;
  /** Whether other instances share the store (claims then expire: see the file's head). */
  shared: boolean;
}

function stepFields(onboardingId: string, key: StepKey) {
  return { onboardingId, step: key.name, ...(key.number ? { number: key.number } : {}) };
}

function stepLogger(logger: GatewayLogger, onboardingId: string, key: StepKey): GatewayLogger {
  return logger.child(stepFields(onboardingId, key));
}

/** A number's step says which number in every event it writes. */
function withNumber(key: StepKey, events: EventDraft[]): EventDraft[] {
  if (key.number === '') return events;
  return events.map((e) => ({ ...e, data: { ...e.data, number: key.number } }));
}

/** What the event an attempt's recording produced says of it; none: someone else moved it on. */
function outcomeOf(event: EventDraft | undefined): AttemptOutcome {
  switch (event?.type) {
    case 'step.succeeded':
      return 'succeeded';
    case 'step.waiting':
      return 'waiting';
    case 'step.retrying':
      return 'retrying';
    case 'step.failed':
      return 'failed';
    default:
      return 'superseded';
  }
}

/** When to look for duplicates again after the look due now, or null after the last look. */
export function nextLook(
  step: { reconcileAt: number | null; finishedAt: number | null },
  settings: { reconcileAfterMs: number; reconcileLooks: number },
): number | null {
  if (step.reconcileAt === null || step.finishedAt === null) return null;
  const interval = Math.max(1, step.reconcileAt - step.finishedAt) * 2;
  const last = settings.reconcileAfterMs * 2 ** (settings.reconcileLooks - 1);
  return interval <= last ? step.finishedAt + interval : null;
}
