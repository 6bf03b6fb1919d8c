// The durable step runner. Every step's state lives in SQLite, so the runner itself holds nothing
// that a crash could lose: it claims a due step in one transaction, calls the upstream outside any
// transaction, and records the outcome in another. A step found RUNNING at start was interrupted
// mid-call: it is rescheduled with `outcomeUnknown`, so it looks up what it may have created
// before creating anything again.
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import { onboardings, type StepName, steps } from '../db/schema.ts';
import { UpstreamError } from '../upstreams/errors.ts';
import { change, type EventDraft, errorColumns, type Tx, updateStep } from './changes.ts';
import type { OnboardingDeps } from './deps.ts';
import { applySenderReport } from './sender-state.ts';
import { type OnboardingSnapshot, stepOf } from './snapshot.ts';
import { runAppWebhook } from './steps/app-webhook.ts';
import { runConversationApp } from './steps/conversation-app.ts';
import { runProvisioningWebhook } from './steps/provisioning-webhook.ts';
import { runSendzenProject } from './steps/sendzen-project.ts';
import { runSinchSubproject } from './steps/sinch-subproject.ts';
import { StepFailure, type StepResult, type StepRun } from './steps/types.ts';
import { runWhatsappSender } from './steps/whatsapp-sender.ts';

const RUNS: Partial<Record<StepName, StepRun>> = {
  SENDZEN_PROJECT: runSendzenProject,
  SINCH_SUBPROJECT: runSinchSubproject,
  PROVISIONING_WEBHOOK: runProvisioningWebhook,
  WHATSAPP_SENDER: runWhatsappSender,
  CONVERSATION_APP: runConversationApp,
  APP_WEBHOOK: runAppWebhook,
};

export const STEP_LABELS: Record<StepName, string> = {
  SENDZEN_PROJECT: 'SendZen project',
  SINCH_SUBPROJECT: 'Sinch subproject',
  PROVISIONING_WEBHOOK: 'Provisioning webhook',
  CUSTOMER_SIGNUP: 'Customer signup',
  WHATSAPP_SENDER: 'WhatsApp sender',
  CONVERSATION_APP: 'Conversation API app',
  APP_WEBHOOK: 'App webhook',
};

/** Steps that act inside the customer's subproject, which Sinch may not serve for ~30 s. */
const IN_SUBPROJECT: ReadonlySet<StepName> = new Set([
  'PROVISIONING_WEBHOOK',
  'WHATSAPP_SENDER',
  'CONVERSATION_APP',
  'APP_WEBHOOK',
]);

interface StepError {
  upstream?: string;
  code: string;
  message: string;
  retryable: boolean;
  outcomeUnknown: boolean;
  retryAfterMs?: number;
}

/** Longest sleep between looks at the table, so a missed wake-up heals itself. */
const MAX_IDLE_MS = 5_000;

export class StepRunner {
  readonly #deps: OnboardingDeps;
  readonly #concurrency: number;
  readonly #inFlight = new Map<string, Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;

  constructor(deps: OnboardingDeps, options: { concurrency?: number } = {}) {
    this.#deps = deps;
    this.#concurrency = options.concurrency ?? 4;
  }

  start(): void {
    this.#stopped = false;
    this.#recoverInterrupted();
    this.wake();
  }

  /** Look for due work now (something was just scheduled). */
  wake(): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#tick(), 0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await Promise.allSettled([...this.#inFlight.values()]);
  }

  /**
   * Runs the step now when it is due and waits for its outcome: lets a mutation answer with what
   * happened rather than "scheduled". Waits for whatever is already running for the onboarding.
   */
  async runNow(onboardingId: string, name: StepName): Promise<void> {
    await this.#inFlight.get(onboardingId);
    const step = this.#deps.db
      .select()
      .from(steps)
      .where(and(eq(steps.onboardingId, onboardingId), eq(steps.name, name)))
      .get();
    if (step?.status !== 'PENDING' || step.nextAttemptAt === null) return;
    if (step.nextAttemptAt > this.#deps.now()) return;
    await this.#launch(onboardingId, name, 'PENDING');
  }

  #tick(): void {
    if (this.#stopped) return;
    const now = this.#deps.now();
    const due = this.#deps.db
      .select({
        onboardingId: steps.onboardingId,
        name: steps.name,
        status: steps.status,
        at: steps.nextAttemptAt,
      })
      .from(steps)
      .innerJoin(onboardings, eq(onboardings.id, steps.onboardingId))
      .where(and(inArray(steps.status, ['PENDING', 'WAITING']), isNull(onboardings.cancelledAt)))
      .orderBy(asc(steps.nextAttemptAt))
      .all()
      .filter((s) => s.at !== null);
    let nextAt = now + MAX_IDLE_MS;
    for (const step of due) {
      if (step.at! > now) {
        nextAt = Math.min(nextAt, step.at!);
        continue;
      }
      if (this.#inFlight.size >= this.#concurrency || this.#inFlight.has(step.onboardingId))
        continue;
      void this.#launch(step.onboardingId, step.name, step.status as 'PENDING' | 'WAITING');
    }
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, nextAt - now));
  }

  #launch(onboardingId: string, name: StepName, status: 'PENDING' | 'WAITING'): Promise<void> {
    const work = (
      status === 'WAITING' ? this.#poll(onboardingId, name) : this.#run(onboardingId, name)
    )
      .catch((error: unknown) => {
        this.#deps.logger.error(
          {
            onboardingId,
            step: name,
            error: error instanceof Error ? error.message : String(error),
          },
          'step runner failure',
        );
      })
      .finally(() => {
        this.#inFlight.delete(onboardingId);
        this.wake();
      });
    this.#inFlight.set(onboardingId, work);
    return work;
  }

  async #run(onboardingId: string, name: StepName): Promise<void> {
    const deps = this.#deps;
    const run = RUNS[name];
    if (!run) return;

    let claimedAttempt = 0;
    const snapshot = change(deps, onboardingId, (tx, current) => {
      const now = deps.now();
      const step = stepOf(current, name);
      const due =
        step.status === 'PENDING' && step.nextAttemptAt !== null && step.nextAttemptAt <= now;
      if (current.onboarding.cancelledAt !== null || !due) return [];
      claimedAttempt = step.attempts + 1;
      updateStep(tx, onboardingId, name, now, {
        status: 'RUNNING',
        attempts: claimedAttempt,
        startedAt: step.startedAt ?? now,
        nextAttemptAt: null,
      });
      return [
        {
          type: 'step.started',
          step: name,
          message: `${STEP_LABELS[name]}: attempt ${claimedAttempt} started${step.outcomeUnknown ? ' (checking what an earlier attempt may have created)' : ''}`,
        },
      ];
    });
    if (claimedAttempt === 0) return;

    let result: StepResult | undefined;
    let failure: StepError | undefined;
    try {
      result = await run(deps, snapshot, stepOf(snapshot, name));
    } catch (error) {
      failure = this.#describeFailure(error, snapshot, name);
    }
    change(deps, onboardingId, (tx, current) =>
      this.#record(tx, current, name, claimedAttempt, result, failure),
    );
  }

  #record(
    tx: Tx,
    current: OnboardingSnapshot,
    name: StepName,
    claimedAttempt: number,
    result: StepResult | undefined,
    failure: StepError | undefined,
  ): EventDraft[] {
    const now = this.#deps.now();
    const id = current.onboarding.id;
    const step = stepOf(current, name);
    const settled = result?.record?.(tx, now) ?? undefined;
    const held = step.status === 'RUNNING' && step.attempts === claimedAttempt;
    if (!held) {
      // Someone moved the step on meanwhile (a callback, a cancel): keep what was created, no more.
      return result?.record
        ? [
            {
              type: 'step.late_result',
              step: name,
              message: `${STEP_LABELS[name]}: ${result.message}`,
            },
          ]
        : [];
    }

    if (result) {
      const status = settled?.status ?? result.status;
      const stepFailure = settled?.failure ?? result.failure;
      if (status === 'FAILED' && stepFailure) {
        updateStep(tx, id, name, now, {
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
            message: `${STEP_LABELS[name]} failed: ${stepFailure.message}`,
            data: { code: stepFailure.code },
          },
        ];
      }
      updateStep(tx, id, name, now, {
        status,
        upstreamId: result.upstreamId ?? step.upstreamId,
        finishedAt: status === 'SUCCEEDED' ? now : null,
        nextAttemptAt: status === 'WAITING' ? (result.pollAt ?? null) : null,
        outcomeUnknown: false,
        ...errorColumns(null),
      });
      return [
        {
          type: status === 'SUCCEEDED' ? 'step.succeeded' : 'step.waiting',
          step: name,
          message: `${STEP_LABELS[name]}: ${result.message}`,
          data: result.data,
        },
      ];
    }

    const error = failure!;
    const outcomeUnknown = step.outcomeUnknown || error.outcomeUnknown;
    if (error.retryable && claimedAttempt < this.#deps.pipeline.stepMaxAttempts) {
      const delay = error.retryAfterMs ?? this.#backoff(claimedAttempt);
      updateStep(tx, id, name, now, {
        status: 'PENDING',
        nextAttemptAt: now + delay,
        outcomeUnknown,
        ...errorColumns(error),
      });
      return [
        {
          type: 'step.retrying',
          step: name,
          message: `${STEP_LABELS[name]}: attempt ${claimedAttempt} failed (${error.code}: ${error.message}); retrying in ${Math.ceil(delay / 1000)} s`,
          data: { code: error.code, upstream: error.upstream, delayMs: delay },
        },
      ];
    }
    updateStep(tx, id, name, now, {
      status: 'FAILED',
      finishedAt: now,
      outcomeUnknown,
      ...errorColumns(error),
    });
    return [
      {
        type: 'step.failed',
        step: name,
        message: `${STEP_LABELS[name]} failed${error.retryable ? ` after ${claimedAttempt} attempts` : ''}: ${error.message}`,
        data: { code: error.code, upstream: error.upstream },
      },
    ];
  }

  /** The fallback when no provisioning callback arrives: ask Sinch for the sender's state. */
  async #poll(onboardingId: string, name: StepName): Promise<void> {
    const deps = this.#deps;
    if (name !== 'WHATSAPP_SENDER') return;
    let claimed = false;
    const snapshot = change(deps, onboardingId, (tx, current) => {
      const now = deps.now();
      const step = stepOf(current, name);
      if (step.status !== 'WAITING' || step.nextAttemptAt === null || step.nextAttemptAt > now)
        return [];
      // Pushing the next poll forward is the claim: no second poll starts meanwhile.
      updateStep(tx, onboardingId, name, now, {
        nextAttemptAt: now + deps.pipeline.senderPollAfterMs,
      });
      claimed = true;
      return [];
    });
    const sender = snapshot.sender;
    const projectId = snapshot.onboarding.subprojectId;
    if (!claimed || !sender || !projectId) return;
    try {
      const fresh = await deps.provisioning.getSender(projectId, sender.id);
      change(deps, onboardingId, (tx, current) =>
        applySenderReport(
          tx,
          deps.sealer,
          current,
          fresh,
          'poll',
          deps.now(),
          deps.pipeline.senderPollAfterMs,
        ),
      );
    } catch (error) {
      deps.logger.warn(
        {
          onboardingId,
          senderId: sender.id,
          error: error instanceof Error ? error.message : String(error),
        },
        'sender poll failed; will poll again',
      );
    }
  }

  #describeFailure(error: unknown, snapshot: OnboardingSnapshot, name: StepName): StepError {
    if (error instanceof StepFailure) {
      return {
        upstream: error.upstream,
        code: error.code,
        message: error.message,
        retryable: error.retryable,
        outcomeUnknown: false,
      };
    }
    if (error instanceof UpstreamError) {
      const createdAt = snapshot.onboarding.subprojectCreatedAt;
      const warmingUp =
        IN_SUBPROJECT.has(name) &&
        createdAt !== null &&
        this.#deps.now() - createdAt < this.#deps.pipeline.subprojectWarmupGraceMs &&
        (error.kind === 'not_found' || error.status === 403);
      return {
        upstream: error.upstream,
        code: error.code ?? error.kind.toUpperCase(),
        message: warmingUp
          ? 'The new Sinch subproject is not usable yet (Sinch takes up to about 30 s)'
          : (error.upstreamMessage ?? error.message),
        retryable: error.retryable || warmingUp,
        outcomeUnknown: error.outcomeUnknown,
        retryAfterMs: error.retryAfterMs,
      };
    }
    this.#deps.logger.error(
      {
        onboardingId: snapshot.onboarding.id,
        step: name,
        error: error instanceof Error ? error.stack : String(error),
      },
      'unexpected error in step',
    );
    return {
      code: 'INTERNAL',
      message: 'Unexpected error in the gateway',
      retryable: true,
      outcomeUnknown: true,
    };
  }

  #backoff(attempt: number): number {
    const ceiling = Math.min(60_000, this.#deps.pipeline.stepRetryBaseMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  /** Steps left RUNNING by a process that died mid-call. */
  #recoverInterrupted(): void {
    const interrupted = this.#deps.db.select().from(steps).where(eq(steps.status, 'RUNNING')).all();
    for (const step of interrupted) {
      change(this.#deps, step.onboardingId, (tx) => {
        updateStep(tx, step.onboardingId, step.name, this.#deps.now(), {
          status: 'PENDING',
          nextAttemptAt: this.#deps.now(),
          outcomeUnknown: true,
        });
        return [
          {
            type: 'step.recovered',
            step: step.name,
            message: `${STEP_LABELS[step.name]}: the gateway stopped during attempt ${step.attempts}; it will check what that attempt created before going on`,
          },
        ];
      });
    }
  }
}
