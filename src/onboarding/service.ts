// The onboarding domain's front door: what GraphQL resolvers and webhook routes call. Each
// operation reads, checks its precondition, changes state through `change()`, and lets the step
// runner do the upstream work (running the step inline when the caller wants its result).
import type { OnboardingEventRow, SignupPath } from '../db/schema.ts';
import type { ListOnboardingsQuery, OnboardingSnapshot, Page } from '../db/store.ts';
import { ulid } from '../ids.ts';
import { newSecret } from '../secrets/seal.ts';
import type { ConversationRegion, Sender, SenderRegion } from '../upstreams/sinch/contract.ts';
import { change, create } from './changes.ts';
import type { OnboardingDeps } from './deps.ts';
import { errorColumns, findStep, keyOf, type StepRef, stepOf, updateStep } from './draft.ts';
import {
  InvalidInputError,
  OnboardingNotFoundError,
  PhoneNumberUnavailableError,
  PreconditionError,
} from './errors.ts';
import { isMetaPath, parseMetaMessage, recordMetaSignup } from './meta-signup.ts';
import { blockingRequirement, labelOf, newSteps, numberSteps, STEPS } from './plan.ts';
import type { StepRunner } from './runner.ts';
import {
  type OnboardingSecretKind,
  openOnboardingSecret,
  sealOnboardingSecret,
} from './secrets.ts';
import { applySenderReport } from './sender-state.ts';
import { recordSignupResult, reopenSignup, type SignupReport } from './signup.ts';
import type { StepName } from './step-names.ts';
import { fetchOnboardingLink } from './steps/sendzen-project.ts';
import { recordConversationCallback, sendTestMessage } from './test-messages.ts';

export interface OnboardCustomerInput {
  clientIdentifier: string;
  displayName?: string;
  region?: SenderRegion;
  metaLocalStorage?: string;
  labels?: Record<string, string>;
  autoProvision?: boolean;
  /** SENDZEN (the default): SendZen's iframe. META_EMBEDDED_SIGNUP: Meta's flow on the vendor's page. */
  signupPath?: SignupPath;
  /**
   * Whether a customer whose latest onboarding failed (ACTION_REQUIRED) starts a new attempt, the
   * failed one being cancelled. A cancelled customer starts again without it; a customer whose
   * onboarding is in progress or READY keeps that one either way.
   */
  startAgain?: boolean;
}

/** A signup result as the vendor's page relayed it from the iframe's message (null: not given). */
export interface RelayedSignup {
  status: 'COMPLETED' | 'FAILED';
  wabaId?: string | null;
  phoneNumberId?: string | null;
  projectId?: string | null;
  clientIdentifier?: string | null;
  code?: string | null;
  message?: string | null;
}

/** Who the webhook routes verify a callback as, by where it came from. */
export type CallbackSecret = Extract<
  OnboardingSecretKind,
  'sendzen_webhook_token' | 'provisioning_webhook_secret' | 'app_webhook_secret'
>;

export class Onboardings {
  readonly #deps: OnboardingDeps;
  readonly #runner: StepRunner;
  readonly #autoProvisionDefault: boolean;
  readonly #metaSignupConfigured: boolean;
  /** Test messages being sent, by onboarding: what a callback waits for (see below). */
  readonly #sendsInFlight = new Map<string, Set<Promise<OnboardingSnapshot>>>();

  constructor(
    deps: OnboardingDeps,
    runner: StepRunner,
    options: { autoProvision: boolean; metaSignupConfigured: boolean },
  ) {
    this.#deps = deps;
    this.#runner = runner;
    this.#autoProvisionDefault = options.autoProvision;
    this.#metaSignupConfigured = options.metaSignupConfigured;
  }

  get(id: string): Promise<OnboardingSnapshot | null> {
    return this.#deps.onboardingStore.get(id);
  }

  async #require(id: string): Promise<OnboardingSnapshot> {
    const snapshot = await this.get(id);
    if (!snapshot) throw new OnboardingNotFoundError(id);
    return snapshot;
  }

  /** The onboarding, unless it was cancelled: what a new browser session may be issued for. */
  async requireOpen(id: string): Promise<OnboardingSnapshot> {
    const snapshot = await this.#require(id);
    refuseIfCancelled(snapshot, 'CUSTOMER_SIGNUP');
    return snapshot;
  }

  /**
   * Ends every browser session issued for the onboarding so far (a newer one is issued in their
   * place): the next request with one is refused, and its subscriptions end.
   */
  async revokeSessions(id: string, by: string): Promise<OnboardingSnapshot> {
    await this.requireOpen(id);
    return change(this.#deps, id, (draft) => {
      draft.onboarding.sessionGeneration += 1;
      return [
        {
          type: 'sessions.revoked',
          message: `Every earlier browser session was ended by ${by}`,
          data: { by },
        },
      ];
    });
  }

  list(query: ListOnboardingsQuery): Promise<Page<OnboardingSnapshot>> {
    return this.#deps.onboardingStore.list(query);
  }

  events(
    onboardingId: string,
    page: { first: number; after?: number },
  ): Promise<Page<OnboardingEventRow>> {
    return this.#deps.onboardingStore.events(onboardingId, page);
  }

  /** The customer's earlier attempts, newest first: its history. */
  async previousAttempts(snapshot: OnboardingSnapshot): Promise<OnboardingSnapshot[]> {
    const { clientIdentifier, attempt } = snapshot.onboarding;
    const ids = await this.#deps.onboardingStore.earlierAttemptIds(clientIdentifier, attempt);
    const found = await Promise.all(ids.map((id) => this.get(id)));
    return found.filter((s): s is OnboardingSnapshot => s !== null);
  }

  /**
   * Starts a customer's onboarding, or returns the one that customer already has: the client
   * identifier is the idempotency key, so a repeat never makes a second upstream project. A
   * customer whose latest attempt is over starts a new one (see `startsAgain`); concurrent starts
   * make one, as the attempt number is unique per customer.
   */
  async onboardCustomer(
    input: OnboardCustomerInput,
  ): Promise<{ snapshot: OnboardingSnapshot; created: boolean }> {
    const store = this.#deps.onboardingStore;
    const path = input.signupPath ?? 'SENDZEN';
    if (path === 'META_EMBEDDED_SIGNUP' && !this.#metaSignupConfigured) {
      throw new InvalidInputError(
        'signupPath',
        'The gateway has no Meta app configured for Embedded Signup: set META_APP_ID and META_CONFIG_ID (the sandbox has its own)',
      );
    }
    const latestId = await store.idByClientIdentifier(input.clientIdentifier);
    const latest = latestId ? await this.#require(latestId) : null;
    if (latest && !startsAgain(latest, input.startAgain ?? false)) {
      return { snapshot: latest, created: false };
    }

    const id = ulid();
    const attempt = (latest?.onboarding.attempt ?? 0) + 1;
    if (latest?.onboarding.status === 'ACTION_REQUIRED') {
      // First, so the failed attempt's steps stop before the new one's start; and only while it
      // is still failed: a retry that got it going again since it was read keeps it.
      const ended = await this.#cancel(
        latest.onboarding.id,
        'The onboarding was cancelled for the customer to start again; no further steps will run',
        { reason: 'start_again' },
        (draft) => draft.onboarding.status === 'ACTION_REQUIRED',
      );
      if (ended.onboarding.status !== 'CANCELLED') return { snapshot: ended, created: false };
    }
    const now = this.#deps.now();
    const seal = (kind: OnboardingSecretKind) =>
      sealOnboardingSecret(this.#deps.sealer, id, kind, newSecret());
    const draft: OnboardingSnapshot = {
      onboarding: {
        id,
        clientIdentifier: input.clientIdentifier,
        attempt,
        signupPath: path,
        displayName: input.displayName ?? input.clientIdentifier,
        region: input.region ?? 'US',
        metaLocalStorage: input.metaLocalStorage ?? null,
        labels: input.labels ?? {},
        autoProvision: input.autoProvision ?? this.#autoProvisionDefault,
        status: 'AWAITING_SIGNUP',
        version: 0,
        sessionGeneration: 0,
        sendzenProjectId: null,
        sendzenProjectName: null,
        sendzenApiKeySealed: null,
        sendzenApiKeyLast4: null,
        sendzenWebhookTokenSealed: seal('sendzen_webhook_token'),
        iframeUrl: null,
        iframeUrlExpiresAt: null,
        subprojectId: null,
        subprojectCreatedAt: null,
        provisioningWebhookId: null,
        provisioningWebhookSecretSealed: seal('provisioning_webhook_secret'),
        appWebhookSecretSealed: seal('app_webhook_secret'),
        signupStatus: null,
        signupSource: null,
        wabaId: null,
        phoneNumberId: null,
        signupCodeSealed: null,
        signupMessage: null,
        metaSignup: null,
        coexistence: false,
        cancelledAt: null,
        createdAt: now,
        updatedAt: now,
      },
      steps: newSteps(id, now, path),
      senders: [],
      sender: null,
      app: null,
      webhooks: [],
      testMessages: [],
    };
    const made = await create(this.#deps, draft, [
      latest
        ? {
            type: 'onboarding.created',
            message: `Onboarding started again for ${input.clientIdentifier}: attempt ${attempt}, after attempt ${latest.onboarding.attempt} was ${latest.onboarding.status}`,
            data: {
              region: draft.onboarding.region,
              attempt,
              previousAttempt: latest.onboarding.id,
            },
          }
        : {
            type: 'onboarding.created',
            message: `Onboarding started for ${input.clientIdentifier}${path === 'META_EMBEDDED_SIGNUP' ? " (Meta's Embedded Signup on the vendor's page)" : ''}`,
            data: { region: draft.onboarding.region, signupPath: path },
          },
    ]);
    if (!made) {
      // Two requests for the same new attempt raced: the other one made it; answer with it.
      const raced = await store.idByClientIdentifier(input.clientIdentifier);
      return { snapshot: await this.#require(raced!), created: false };
    }
    if (latest) {
      await change(this.#deps, latest.onboarding.id, () => [
        {
          type: 'onboarding.started_again',
          message: `The customer started again: attempt ${attempt} replaces this one`,
          data: { attempt, onboardingId: id },
        },
      ]);
    }
    // The caller needs the iframe URL, so the SendZen step runs before answering. On Meta's path,
    // what the page needs to launch the flow is the gateway's configuration: nothing to wait for.
    if (path === 'SENDZEN') await this.#runner.runNow(id, 'SENDZEN_PROJECT');
    return { snapshot: await this.#require(id), created: true };
  }

  /** A fresh iframe URL (the old one lives an hour); after a failed signup, the customer may try again. */
  async refreshLink(id: string): Promise<OnboardingSnapshot> {
    const snapshot = await this.#require(id);
    refuseIfCancelled(snapshot, 'CUSTOMER_SIGNUP');
    if (isMetaPath(snapshot)) {
      throw new PreconditionError(
        'CUSTOMER_SIGNUP',
        "The customer signs up through Meta's Embedded Signup on your page, which has no link: launch it again there",
      );
    }
    if (stepOf(snapshot, 'CUSTOMER_SIGNUP').status === 'SUCCEEDED') {
      throw new PreconditionError(
        'CUSTOMER_SIGNUP',
        'The customer already completed the signup; there is no link to refresh',
      );
    }
    if (stepOf(snapshot, 'SENDZEN_PROJECT').status !== 'SUCCEEDED') {
      // No link was ever made: making it is the same as retrying that step.
      await this.#reschedule(id, ['SENDZEN_PROJECT'], 'link refresh');
      await this.#runner.runNow(id, 'SENDZEN_PROJECT');
      return this.#require(id);
    }
    const link = await fetchOnboardingLink(this.#deps, snapshot);
    return change(this.#deps, id, (draft) => {
      const now = this.#deps.now();
      link.record?.(draft, now);
      reopenSignup(draft, now);
      return [{ type: 'link.refreshed', step: 'CUSTOMER_SIGNUP', message: link.message }];
    });
  }

  /** Applies a signup result from SendZen's webhook or the sandbox. */
  async recordSignup(id: string, report: SignupReport): Promise<OnboardingSnapshot> {
    await this.#require(id);
    return recordSignupResult(this.#deps, id, report);
  }

  /**
   * Applies the signup result the vendor's page relayed from the iframe. It names its onboarding;
   * project and customer default to that onboarding's and must match it when given.
   */
  async relaySignup(id: string, relayed: RelayedSignup): Promise<OnboardingSnapshot> {
    const snapshot = await this.#require(id);
    const { onboarding } = snapshot;
    if (onboarding.cancelledAt !== null) {
      throw new PreconditionError('CUSTOMER_SIGNUP', 'The onboarding was cancelled');
    }
    if (isMetaPath(snapshot)) {
      throw new InvalidInputError(
        'onboardingId',
        "The customer signs up through Meta's Embedded Signup: relay Meta's message with relayMetaSignup",
      );
    }
    if (!onboarding.sendzenProjectId) {
      throw new PreconditionError('SENDZEN_PROJECT', STEPS.SENDZEN_PROJECT.unmet);
    }
    const base = {
      projectId: relayed.projectId ?? onboarding.sendzenProjectId,
      clientIdentifier: relayed.clientIdentifier ?? onboarding.clientIdentifier,
    };
    return recordSignupResult(this.#deps, id, {
      result:
        relayed.status === 'COMPLETED'
          ? {
              ...base,
              status: 'completed',
              wabaId: relayed.wabaId ?? '',
              phoneNumberId: relayed.phoneNumberId ?? '',
            }
          : {
              ...base,
              status: 'failed',
              message: relayed.message ?? 'The customer did not complete the signup.',
            },
      code: relayed.code ?? undefined,
      source: 'relay',
    });
  }

  /**
   * Applies what the vendor's page relayed from Meta's Embedded Signup: the message as Meta posted
   * it, and FB.login's authorization code (src/onboarding/meta-signup.ts).
   */
  async relayMetaSignup(
    id: string,
    message: string,
    code: string | undefined,
  ): Promise<OnboardingSnapshot> {
    const snapshot = await this.#require(id);
    refuseIfCancelled(snapshot, 'CUSTOMER_SIGNUP');
    if (!isMetaPath(snapshot)) {
      throw new InvalidInputError(
        'onboardingId',
        "The customer signs up in SendZen's iframe: relay its result with relaySignupResult",
      );
    }
    // Refused before anything is read further: an unknown or malformed message changes nothing.
    const signup = parseMetaMessage(message);
    const after = await recordMetaSignup(this.#deps, id, signup, code);
    // Meta's code lives about 30 seconds: the sender is made now, not at the runner's next look.
    await this.#runner.runNow(id, 'WHATSAPP_SENDER');
    return (await this.get(id)) ?? after;
  }

  /**
   * Gives the customer's WABA another phone number: a sender of its own (Sinch's sender call with
   * the existing WABA), attached to the customer's Conversation API app. After a WABA shared
   * without a number (Meta's FINISH_ONLY_WABA), the first number added is the onboarding's own.
   * Answers once Sinch took or refused the sender: a refusal (the number is in use, or not on the
   * WABA) removes the number again and answers with Sinch's code.
   */
  async addPhoneNumber(id: string, phoneNumberId: string): Promise<OnboardingSnapshot> {
    const snapshot = await this.#require(id);
    refuseIfCancelled(snapshot, 'WHATSAPP_SENDER');
    const { onboarding } = snapshot;
    if (stepOf(snapshot, 'CUSTOMER_SIGNUP').status !== 'SUCCEEDED' || !onboarding.wabaId) {
      throw new PreconditionError(
        'CUSTOMER_SIGNUP',
        'The customer has no WABA yet: a number is added to the WABA their signup shared',
      );
    }
    const first = onboarding.phoneNumberId === null;
    const known =
      onboarding.phoneNumberId === phoneNumberId ||
      findStep(snapshot, { name: 'WHATSAPP_SENDER', number: phoneNumberId }) !== undefined;
    if (known) return snapshot;

    const ref: StepRef = first
      ? 'WHATSAPP_SENDER'
      : { name: 'WHATSAPP_SENDER', number: phoneNumberId };
    await change(this.#deps, id, (draft) => {
      const now = this.#deps.now();
      const taken =
        draft.onboarding.phoneNumberId === phoneNumberId ||
        findStep(draft, { name: 'WHATSAPP_SENDER', number: phoneNumberId }) !== undefined;
      if (taken || draft.onboarding.cancelledAt !== null) return [];
      if (first) {
        if (draft.onboarding.phoneNumberId !== null) return [];
        draft.onboarding.phoneNumberId = phoneNumberId;
        const step = stepOf(draft, 'WHATSAPP_SENDER');
        // Waiting for this number (or not started, in manual mode): it goes now.
        if (step.status === 'WAITING' || step.status === 'PENDING') {
          updateStep(draft, 'WHATSAPP_SENDER', now, {
            status: 'PENDING',
            nextAttemptAt: now,
            requestedAt: now,
          });
        }
      } else {
        draft.steps.push(...numberSteps(id, phoneNumberId, now));
      }
      return [
        {
          type: 'number.added',
          step: 'WHATSAPP_SENDER',
          message: `Phone number ${phoneNumberId} added to WABA ${draft.onboarding.wabaId}${first ? ' as the customer’s first number' : ''}`,
          data: { number: phoneNumberId, first },
        },
      ];
    });
    await this.#runner.runNow(id, ref);
    const after = await this.#require(id);
    const step = findStep(after, ref);
    const code = step?.errorCode ?? '';
    if (step?.status !== 'FAILED' || !NUMBER_REFUSED.has(code)) return after;
    // Sinch made nothing: the number is taken back, so it can be added again once it is free.
    await change(this.#deps, id, (draft) => {
      const now = this.#deps.now();
      if (first) {
        draft.onboarding.phoneNumberId = null;
        updateStep(draft, 'WHATSAPP_SENDER', now, {
          status: 'WAITING',
          nextAttemptAt: null,
          finishedAt: null,
          ...errorColumns(null),
        });
      } else {
        draft.steps = draft.steps.filter((s) => s.number !== phoneNumberId);
      }
      return [
        {
          type: 'number.refused',
          step: 'WHATSAPP_SENDER',
          message: `Sinch refused phone number ${phoneNumberId} (${code}): ${step.errorMessage ?? ''}; it was removed`,
          data: { number: phoneNumberId, code },
        },
      ];
    });
    throw new PhoneNumberUnavailableError(
      phoneNumberId,
      code,
      `Sinch refused phone number ${phoneNumberId}: ${step.errorMessage ?? code}`,
    );
  }

  /** A sender's state as a signed provisioning callback reported it. */
  async recordSenderReport(id: string, sender: Sender): Promise<OnboardingSnapshot> {
    await this.#require(id);
    return change(this.#deps, id, (draft) =>
      applySenderReport(
        draft,
        this.#deps.sealer,
        sender,
        'callback',
        this.#deps.now(),
        this.#deps.pipeline.senderPollAfterMs,
      ),
    );
  }

  /**
   * Reads the customer's sender and app from Sinch and records what they say now: what no callback
   * announces (a suspension, a revoked credential) shows up here. An upstream that fails or times
   * out changes nothing: the caller gets its error, and the onboarding keeps its status.
   */
  async checkHealth(id: string): Promise<OnboardingSnapshot> {
    const snapshot = await this.#require(id);
    refuseIfCancelled(snapshot, 'WHATSAPP_SENDER');
    const { onboarding, sender, app } = snapshot;
    if (!sender || !onboarding.subprojectId) {
      throw new PreconditionError('WHATSAPP_SENDER', STEPS.WHATSAPP_SENDER.unmet);
    }
    const projectId = onboarding.subprojectId;
    const [fresh, current] = await Promise.all([
      this.#deps.provisioning.getSender(projectId, sender.id),
      app
        ? this.#deps.conversation.getApp(app.region as ConversationRegion, projectId, app.id)
        : Promise.resolve(undefined),
    ]);
    const credential = current?.channel_credentials.find(
      (c) => c.channel === 'WHATSAPP' && c.static_bearer?.claimed_identity === sender.id,
    )?.state;
    return change(this.#deps, id, (draft) => {
      const now = this.#deps.now();
      const events = applySenderReport(
        draft,
        this.#deps.sealer,
        fresh,
        'poll',
        now,
        this.#deps.pipeline.senderPollAfterMs,
      );
      if (draft.app && credential) {
        const changed = draft.app.credentialStatus !== credential.status;
        Object.assign(draft.app, {
          credentialStatus: credential.status,
          credentialReason: credential.description ?? null,
          credentialCheckedAt: now,
        });
        if (changed) {
          events.push({
            type: 'credential.state',
            message: `The app's WhatsApp credential is ${credential.status}${credential.description ? `: ${credential.description}` : ''}`,
            data: { appId: draft.app.id, status: credential.status },
          });
        }
      }
      return [
        ...events,
        { type: 'health.checked', message: 'Read the sender and the app from Sinch' },
      ];
    });
  }

  /**
   * The secret a callback for this onboarding must prove it knows; undefined when there is no
   * such onboarding.
   */
  async callbackSecret(id: string, kind: CallbackSecret): Promise<string | undefined> {
    const snapshot = await this.get(id);
    if (!snapshot) return undefined;
    const sealed = {
      sendzen_webhook_token: snapshot.onboarding.sendzenWebhookTokenSealed,
      provisioning_webhook_secret: snapshot.onboarding.provisioningWebhookSecretSealed,
      app_webhook_secret: snapshot.onboarding.appWebhookSecretSealed,
    }[kind];
    return openOnboardingSecret(this.#deps.sealer, id, kind, sealed);
  }

  /**
   * Sends a WhatsApp text through the customer's app; refused unless READY with an ACTIVE sender.
   * Its delivery reports and the contact's reply arrive later, on the app's webhook.
   */
  async sendTestMessage(id: string, to: string, text: string): Promise<OnboardingSnapshot> {
    const sending = sendTestMessage(this.#deps, await this.#require(id), to, text);
    const inFlight = this.#sendsInFlight.get(id) ?? new Set();
    this.#sendsInFlight.set(id, inFlight);
    inFlight.add(sending);
    try {
      return await sending;
    } finally {
      inFlight.delete(sending);
      if (inFlight.size === 0) this.#sendsInFlight.delete(id);
    }
  }

  /**
   * A verified Conversation API callback for the onboarding; returns what it did. Sinch may report
   * on a message before its send's answer is recorded here: callbacks wait for the onboarding's
   * sends in flight in this process first, so such a report finds its message.
   */
  async recordConversationCallback(id: string, body: unknown): Promise<string> {
    const inFlight = this.#sendsInFlight.get(id);
    if (inFlight) await Promise.allSettled([...inFlight]);
    const snapshot = await this.get(id);
    if (!snapshot) return 'ignored: no such onboarding';
    return recordConversationCallback(this.#deps, snapshot, body);
  }

  createSender(id: string): Promise<OnboardingSnapshot> {
    return this.#request(id, 'WHATSAPP_SENDER');
  }

  async createConversationApp(id: string): Promise<OnboardingSnapshot> {
    await this.#request(id, 'CONVERSATION_APP');
    await this.#runner.runNow(id, 'APP_WEBHOOK');
    return this.#require(id);
  }

  /** Retries every failed step (every number's too); steps that succeeded are never repeated. */
  async retry(id: string): Promise<OnboardingSnapshot> {
    const snapshot = await this.#require(id);
    refuseIfCancelled(snapshot, 'CUSTOMER_SIGNUP');
    const failed = snapshot.steps.filter((s) => s.status === 'FAILED').map(keyOf);
    const signup = failed.some((k) => k.name === 'CUSTOMER_SIGNUP');
    if (signup && isMetaPath(snapshot)) await this.#awaitSignupAgain(id);
    else if (signup) await this.refreshLink(id);
    const others = failed.filter((k) => k.name !== 'CUSTOMER_SIGNUP');
    if (others.length > 0) {
      await this.#reschedule(id, others, 'retry');
      await this.#runner.runNow(id, others[0]!);
    }
    return this.#require(id);
  }

  /** Meta's path: the customer launches Embedded Signup again from the vendor's page. */
  async #awaitSignupAgain(id: string): Promise<void> {
    await change(this.#deps, id, (draft) => {
      if (!reopenSignup(draft, this.#deps.now())) return [];
      return [
        {
          type: 'step.retry_requested',
          step: 'CUSTOMER_SIGNUP',
          message:
            "Customer signup: retry requested; the customer can launch Meta's Embedded Signup again",
        },
      ];
    });
  }

  /**
   * The customer's SendZen API key in clear, for the vendor to send messages as that customer. The
   * only way a secret leaves the gateway: every use is written to the event log, naming who.
   */
  async revealSendzenApiKey(
    id: string,
    revealedTo: string,
  ): Promise<{ apiKey: string; snapshot: OnboardingSnapshot }> {
    const before = await this.#require(id);
    const sealed = before.onboarding.sendzenApiKeySealed;
    if (!sealed) {
      throw new PreconditionError('SENDZEN_PROJECT', 'The customer has no SendZen API key yet');
    }
    const apiKey = openOnboardingSecret(this.#deps.sealer, id, 'sendzen_api_key', sealed);
    const snapshot = await change(this.#deps, id, () => [
      {
        type: 'secret.revealed',
        message: `The customer's SendZen API key was revealed to ${revealedTo}`,
        data: { secret: 'sendzen_api_key', revealedTo },
      },
    ]);
    return { apiKey, snapshot };
  }

  async cancel(id: string): Promise<OnboardingSnapshot> {
    await this.#require(id);
    return this.#cancel(id, 'The onboarding was cancelled; no further steps will run');
  }

  #cancel(
    id: string,
    message: string,
    data?: Record<string, unknown>,
    onlyIf: (draft: OnboardingSnapshot) => boolean = () => true,
  ): Promise<OnboardingSnapshot> {
    return change(this.#deps, id, (draft) => {
      if (draft.onboarding.cancelledAt !== null || !onlyIf(draft)) return [];
      draft.onboarding.cancelledAt = this.#deps.now();
      // Nothing of a cancelled onboarding is due any more.
      for (const step of draft.steps) step.nextAttemptAt = null;
      return [{ type: 'onboarding.cancelled', message, data }];
    });
  }

  /**
   * A person asks for a step that waits for them in manual mode: refused while a requirement the
   * gateway cannot reach by itself is unmet; otherwise recorded, and run when its requirements
   * allow (now, when they already do).
   */
  async #request(id: string, name: StepName): Promise<OnboardingSnapshot> {
    const snapshot = await this.#require(id);
    refuseIfCancelled(snapshot, name);
    const blocking = blockingRequirement(snapshot, name);
    if (blocking) throw new PreconditionError(blocking.name, blocking.unmet);
    const step = stepOf(snapshot, name);
    if (step.status === 'FAILED') {
      await this.#reschedule(id, [name], 'request');
    } else if (step.status === 'PENDING' && step.requestedAt === null) {
      await change(this.#deps, id, (draft) => {
        updateStep(draft, name, this.#deps.now(), { requestedAt: this.#deps.now() });
        return [{ type: 'step.requested', step: name, message: `${STEPS[name].label} requested` }];
      });
    }
    await this.#runner.runNow(id, name);
    return this.#require(id);
  }

  async #reschedule(id: string, refs: readonly StepRef[], why: string): Promise<void> {
    await change(this.#deps, id, (draft) => {
      const now = this.#deps.now();
      for (const ref of refs) {
        updateStep(draft, ref, now, {
          status: 'PENDING',
          attempts: 0,
          nextAttemptAt: now,
          requestedAt: now,
          finishedAt: null,
        });
      }
      return refs.map(keyOf).map((key) => ({
        type: 'step.retry_requested',
        step: key.name,
        message: `${labelOf(key)}: ${why} requested; it will run again`,
        ...(key.number ? { data: { number: key.number } } : {}),
      }));
    });
  }
}

/**
 * Sinch's refusals of a number that a retry cannot mend (contracts D.2): in use elsewhere, or not a
 * number of the customer's WABA.
 */
const NUMBER_REFUSED: ReadonlySet<string> = new Set([
  'used_phone_number_id',
  'provisioned_phone_number_id',
  'all_phone_number_id_provisioned',
  'not_found_waba_id',
  'wrong_waba_id',
  'invalid_waba_id_or_phone_number_id_for_region',
]);

function refuseIfCancelled(snapshot: OnboardingSnapshot, step: StepName): void {
  if (snapshot.onboarding.cancelledAt !== null) {
    throw new PreconditionError(step, 'The onboarding was cancelled');
  }
}

/**
 * Whether onboarding a customer again starts a new attempt rather than answering with the latest.
 * A cancelled onboarding is over, so a new one starts. A failed one can often still be retried
 * (retryOnboarding), and starting again signs the customer up again, so that takes the caller's
 * explicit choice. An onboarding in progress or READY is the customer's: never replaced here (to
 * replace it, cancel it first).
 */
function startsAgain(latest: OnboardingSnapshot, startAgain: boolean): boolean {
  const { status } = latest.onboarding;
  return status === 'CANCELLED' || (status === 'ACTION_REQUIRED' && startAgain);
}
