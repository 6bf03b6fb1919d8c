// The onboarding domain's front door: what GraphQL resolvers and webhook routes call. Each
// operation reads, checks its precondition, changes state through `change()`, and lets the step
// runner do the upstream work (running the step inline when the caller wants its result).
import { and, asc, desc, eq, gt, inArray, lt, type SQL, sql } from 'drizzle-orm';
import {
  type OnboardingEventRow,
  type OnboardingRow,
  type OnboardingStatus,
  onboardingEvents,
  onboardings,
  STEP_NAMES,
  type StepName,
  steps,
} from '../db/schema.ts';
import { ulid } from '../ids.ts';
import { newSecret } from '../secrets/seal.ts';
import type { Sender, SenderRegion } from '../upstreams/sinch/contract.ts';
import { change, errorColumns, updateStep } from './changes.ts';
import type { OnboardingDeps } from './deps.ts';
import { OnboardingNotFoundError, PreconditionError } from './errors.ts';
import { type RelayedSignup, relayedSignupReport } from './relayed-signup.ts';
import type { StepRunner } from './runner.ts';
import { STEP_LABELS } from './runner.ts';
import { openOnboardingSecret, sealOnboardingSecret } from './secrets.ts';
import { applySenderReport } from './sender-state.ts';
import { recordSignupResult, type SignupReport } from './signup.ts';
import { loadSnapshot, type OnboardingSnapshot, stepOf } from './snapshot.ts';
import { fetchOnboardingLink } from './steps/sendzen-project.ts';

export interface OnboardCustomerInput {
  clientIdentifier: string;
  displayName?: string;
  region?: SenderRegion;
  metaLocalStorage?: string;
  labels?: Record<string, string>;
  autoProvision?: boolean;
}

export interface ListOnboardingsOptions {
  first: number;
  /** The id of the last onboarding of the previous page. */
  after?: string;
  statuses?: readonly OnboardingStatus[];
  /** Matches anywhere in the client identifier, case-insensitively. */
  search?: string;
}

export class Onboardings {
  readonly #deps: OnboardingDeps;
  readonly #runner: StepRunner;
  readonly #autoProvisionDefault: boolean;

  constructor(deps: OnboardingDeps, runner: StepRunner, options: { autoProvision: boolean }) {
    this.#deps = deps;
    this.#runner = runner;
    this.#autoProvisionDefault = options.autoProvision;
  }

  get(id: string): OnboardingSnapshot | null {
    return loadSnapshot(this.#deps.db, id);
  }

  #require(id: string): OnboardingSnapshot {
    const snapshot = this.get(id);
    if (!snapshot) throw new OnboardingNotFoundError(id);
    return snapshot;
  }

  list(options: ListOnboardingsOptions): { rows: OnboardingRow[]; hasNextPage: boolean } {
    const where: SQL[] = [];
    if (options.statuses?.length) where.push(inArray(onboardings.status, [...options.statuses]));
    if (options.search) {
      const escaped = options.search.replace(/[\\%_]/g, (c) => `\\${c}`);
      where.push(sqlLike(onboardings.clientIdentifier, `%${escaped}%`));
    }
    if (options.after) where.push(lt(onboardings.id, options.after));
    const rows = this.#deps.db
      .select()
      .from(onboardings)
      .where(and(...where))
      .orderBy(desc(onboardings.id))
      .limit(options.first + 1)
      .all();
    return { rows: rows.slice(0, options.first), hasNextPage: rows.length > options.first };
  }

  events(
    onboardingId: string,
    options: { first: number; after?: number },
  ): { rows: OnboardingEventRow[]; hasNextPage: boolean } {
    const rows = this.#deps.db
      .select()
      .from(onboardingEvents)
      .where(
        and(
          eq(onboardingEvents.onboardingId, onboardingId),
          options.after === undefined ? undefined : gt(onboardingEvents.id, options.after),
        ),
      )
      .orderBy(asc(onboardingEvents.id))
      .limit(options.first + 1)
      .all();
    return { rows: rows.slice(0, options.first), hasNextPage: rows.length > options.first };
  }

  /**
   * Starts a customer's onboarding, or returns the one that customer already has: the client
   * identifier is the idempotency key, so a repeat never makes a second upstream project.
   */
  async onboardCustomer(
    input: OnboardCustomerInput,
  ): Promise<{ snapshot: OnboardingSnapshot; created: boolean }> {
    const existing = this.#byClientIdentifier(input.clientIdentifier);
    if (existing) return { snapshot: this.#require(existing.id), created: false };

    const id = ulid();
    const now = this.#deps.now();
    const seal = (kind: Parameters<typeof sealOnboardingSecret>[2]) =>
      sealOnboardingSecret(this.#deps.sealer, id, kind, newSecret());
    try {
      change(
        this.#deps,
        id,
        () => [
          {
            type: 'onboarding.created',
            message: `Onboarding started for ${input.clientIdentifier}`,
            data: { region: input.region ?? 'US' },
          },
        ],
        {
          before: (tx) => {
            tx.insert(onboardings)
              .values({
                id,
                clientIdentifier: input.clientIdentifier,
                displayName: input.displayName ?? input.clientIdentifier,
                region: input.region ?? 'US',
                metaLocalStorage: input.metaLocalStorage ?? null,
                labels: input.labels ?? {},
                autoProvision: input.autoProvision ?? this.#autoProvisionDefault,
                status: 'AWAITING_SIGNUP',
                sendzenWebhookTokenSealed: seal('sendzen_webhook_token'),
                provisioningWebhookSecretSealed: seal('provisioning_webhook_secret'),
                appWebhookSecretSealed: seal('app_webhook_secret'),
                createdAt: now,
                updatedAt: now,
              })
              .run();
            tx.insert(steps)
              .values(
                STEP_NAMES.map((name) => ({
                  onboardingId: id,
                  name,
                  status: 'PENDING' as const,
                  updatedAt: now,
                })),
              )
              .run();
          },
        },
      );
    } catch (error) {
      // Two requests for the same new customer raced: the other one made it; answer with it.
      const raced = this.#byClientIdentifier(input.clientIdentifier);
      if (raced && isUniqueViolation(error))
        return { snapshot: this.#require(raced.id), created: false };
      throw error;
    }
    // The caller needs the iframe URL, so the SendZen step runs before answering.
    await this.#runner.runNow(id, 'SENDZEN_PROJECT');
    this.#runner.wake();
    return { snapshot: this.#require(id), created: true };
  }

  /** A fresh iframe URL (the old one lives an hour); after a failed signup, the customer may try again. */
  async refreshLink(id: string): Promise<OnboardingSnapshot> {
    const snapshot = this.#require(id);
    this.#refuseIfCancelled(snapshot, 'CUSTOMER_SIGNUP');
    if (stepOf(snapshot, 'CUSTOMER_SIGNUP').status === 'SUCCEEDED') {
      throw new PreconditionError(
        'CUSTOMER_SIGNUP',
        'The customer already completed the signup; there is no link to refresh',
      );
    }
    if (stepOf(snapshot, 'SENDZEN_PROJECT').status !== 'SUCCEEDED') {
      // No link was ever made: making it is the same as retrying that step.
      this.#reschedule(snapshot, ['SENDZEN_PROJECT'], 'link refresh');
      await this.#runner.runNow(id, 'SENDZEN_PROJECT');
      return this.#require(id);
    }
    const link = await fetchOnboardingLink(this.#deps, snapshot);
    return change(this.#deps, id, (tx, current) => {
      const now = this.#deps.now();
      link.record?.(tx, now);
      if (stepOf(current, 'CUSTOMER_SIGNUP').status === 'FAILED') {
        tx.update(onboardings)
          .set({ signupStatus: null, signupSource: null, signupMessage: null })
          .where(eq(onboardings.id, id))
          .run();
        updateStep(tx, id, 'CUSTOMER_SIGNUP', now, {
          status: 'WAITING',
          finishedAt: null,
          ...errorColumns(null),
        });
      }
      return [{ type: 'link.refreshed', step: 'CUSTOMER_SIGNUP', message: link.message }];
    });
  }

  /** Applies a signup result from the frontend relay, SendZen's webhook or the sandbox. */
  recordSignup(id: string, report: SignupReport): OnboardingSnapshot {
    this.#require(id);
    const snapshot = recordSignupResult(this.#deps, id, report);
    this.#runner.wake();
    return snapshot;
  }

  /** A sender's state as a signed provisioning callback reported it. */
  recordSenderReport(id: string, sender: Sender): OnboardingSnapshot {
    this.#require(id);
    const snapshot = change(this.#deps, id, (tx, current) =>
      applySenderReport(
        tx,
        this.#deps.sealer,
        current,
        sender,
        'callback',
        this.#deps.now(),
        this.#deps.pipeline.senderPollAfterMs,
      ),
    );
    this.#runner.wake();
    return snapshot;
  }

  async createSender(id: string): Promise<OnboardingSnapshot> {
    const snapshot = this.#require(id);
    this.#refuseIfCancelled(snapshot, 'WHATSAPP_SENDER');
    if (stepOf(snapshot, 'CUSTOMER_SIGNUP').status !== 'SUCCEEDED') {
      throw new PreconditionError(
        'CUSTOMER_SIGNUP',
        'The customer has not completed the signup yet; a sender needs its WABA id and phone number id',
      );
    }
    await this.#request(snapshot, 'WHATSAPP_SENDER');
    return this.#require(id);
  }

  async createConversationApp(id: string): Promise<OnboardingSnapshot> {
    const snapshot = this.#require(id);
    this.#refuseIfCancelled(snapshot, 'CONVERSATION_APP');
    if (stepOf(snapshot, 'WHATSAPP_SENDER').status !== 'SUCCEEDED') {
      throw new PreconditionError(
        'WHATSAPP_SENDER',
        'The WhatsApp sender is not active yet; the app needs its credentials',
      );
    }
    await this.#request(snapshot, 'CONVERSATION_APP');
    await this.#runner.runNow(id, 'APP_WEBHOOK');
    return this.#require(id);
  }

  /** Retries every failed step; steps that succeeded are never repeated. */
  async retry(id: string): Promise<OnboardingSnapshot> {
    const snapshot = this.#require(id);
    this.#refuseIfCancelled(snapshot, 'CUSTOMER_SIGNUP');
    const failed = snapshot.steps.filter((s) => s.status === 'FAILED').map((s) => s.name);
    if (failed.includes('CUSTOMER_SIGNUP')) await this.refreshLink(id);
    const others = failed.filter((name) => name !== 'CUSTOMER_SIGNUP');
    if (others.length > 0) {
      this.#reschedule(this.#require(id), others, 'retry');
      this.#runner.wake();
      await this.#runner.runNow(id, others[0]!);
    }
    return this.#require(id);
  }

  /**
   * The customer's SendZen API key in clear, for the vendor to send messages as that customer. The
   * only way a secret leaves the gateway: every use is written to the event log, naming who.
   */
  revealSendzenApiKey(id: string, revealedTo: string): string {
    const snapshot = this.#require(id);
    const sealed = snapshot.onboarding.sendzenApiKeySealed;
    if (!sealed) {
      throw new PreconditionError('SENDZEN_PROJECT', 'The customer has no SendZen API key yet');
    }
    const apiKey = openOnboardingSecret(this.#deps.sealer, id, 'sendzen_api_key', sealed);
    change(this.#deps, id, () => [
      {
        type: 'secret.revealed',
        message: `The customer's SendZen API key was revealed to ${revealedTo}`,
        data: { secret: 'sendzen_api_key', revealedTo },
      },
    ]);
    return apiKey;
  }

  cancel(id: string): OnboardingSnapshot {
    this.#require(id);
    return change(this.#deps, id, (tx, current) => {
      if (current.onboarding.cancelledAt !== null) return [];
      tx.update(onboardings)
        .set({ cancelledAt: this.#deps.now() })
        .where(eq(onboardings.id, id))
        .run();
      return [
        {
          type: 'onboarding.cancelled',
          message: 'The onboarding was cancelled; no further steps will run',
        },
      ];
    });
  }

  #byClientIdentifier(clientIdentifier: string) {
    return this.#deps.db
      .select({ id: onboardings.id })
      .from(onboardings)
      .where(eq(onboardings.clientIdentifier, clientIdentifier))
      .get();
  }

  #refuseIfCancelled(snapshot: OnboardingSnapshot, step: StepName) {
    if (snapshot.onboarding.cancelledAt !== null) {
      throw new PreconditionError(step, 'The onboarding was cancelled');
    }
  }

  /** Asks for a step that waits for a person in manual mode; runs it when its requirements allow. */
  async #request(snapshot: OnboardingSnapshot, name: StepName): Promise<void> {
    const step = stepOf(snapshot, name);
    if (step.status === 'FAILED') {
      this.#reschedule(snapshot, [name], 'request');
    } else if (step.status === 'PENDING' && step.requestedAt === null) {
      change(this.#deps, snapshot.onboarding.id, (tx) => {
        updateStep(tx, snapshot.onboarding.id, name, this.#deps.now(), {
          requestedAt: this.#deps.now(),
        });
        return [{ type: 'step.requested', step: name, message: `${STEP_LABELS[name]} requested` }];
      });
    }
    await this.#runner.runNow(snapshot.onboarding.id, name);
  }

  #reschedule(snapshot: OnboardingSnapshot, names: readonly StepName[], why: string) {
    change(this.#deps, snapshot.onboarding.id, (tx) => {
      const now = this.#deps.now();
      for (const name of names) {
        updateStep(tx, snapshot.onboarding.id, name, now, {
          status: 'PENDING',
          attempts: 0,
          nextAttemptAt: now,
          requestedAt: now,
          finishedAt: null,
        });
      }
      return names.map((name) => ({
        type: 'step.retry_requested',
        step: name,
        message: `${STEP_LABELS[name]}: ${why} requested; it will run again`,
      }));
    });
  }

  /** The onboarding, unless it was cancelled: a browser gets a session only for an open one. */
  async requireOpen(id: string): Promise<OnboardingSnapshot> {
    const snapshot = await this.#require(id);
    this.#refuseIfCancelled(snapshot, 'CUSTOMER_SIGNUP');
    return snapshot;
  }

  /**
   * A signup result as the frontend relayed it from the iframe's postMessage: refused once the
   * onboarding is cancelled, and before it has the SendZen project a signup runs in.
   */
  async relaySignup(id: string, relayed: RelayedSignup): Promise<OnboardingSnapshot> {
    const snapshot = await this.requireOpen(id);
    return await this.recordSignup(id, relayedSignupReport(snapshot.onboarding, relayed));
  }
}

/** SQLite's LIKE is case-insensitive for ASCII; the escape clause makes `%` and `_` literal. */
function sqlLike(column: typeof onboardings.clientIdentifier, pattern: string): SQL {
  return sql`${column} like ${pattern} escape '\\'`;
}

function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    (error as { code: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}
