// Named scenarios: one onboarding's whole story, chosen per customer. Each expands into what the
// fake already scripts (signup behaviour, a sender's sequence of states, faults scoped to the
// customer's subproject, a SendZen failure for its client identifier), so a scenario and the same
// steps scripted by hand are indistinguishable to the gateway.
//
// A scenario is bound to a customer two ways:
// - `POST /_sandbox/scenarios {clientIdentifier, scenario}` (before or after onboardCustomer);
// - the label `sandbox-scenario` on onboardCustomer, which the gateway passes to the Sinch
//   subproject it creates: the fake reads it there, so live-mode code knows nothing of scenarios.
// The customer's subproject is found by that label, or by a displayName equal to the client
// identifier (the gateway's default displayName); the customer's senders by the WABA the customer's
// signup produced.
import { z } from 'zod';
import { SENDER_ERROR_CODES, senderErrorCodeSchema } from '../../src/upstreams/sinch/contract.ts';
import type { FaultInput } from './faults.ts';
import type { SenderOutcome } from './sender-outcomes.ts';

export const SCENARIO_LABEL = 'sandbox-scenario';

/** What the customer does in the iframe: the iframe's buttons and the signup control share these. */
export const SIGNUP_ACTIONS = ['complete', 'cancel', 'error', 'slow', 'close'] as const;
export type SignupAction = (typeof SIGNUP_ACTIONS)[number];

export const SIGNUP_ERROR_MESSAGE =
  'Meta Embedded Signup failed: the WhatsApp Business Account could not be created.';

export interface ScenarioParams {
  /** sender-error: which documented `changes.errorCode`. */
  errorCode?: (typeof SENDER_ERROR_CODES)[number];
  /** The base wait of every timed step (slow signup, sender steps, slow upstream). */
  delayMs?: number;
  /** How many times a storm or a rate limit strikes. */
  times?: number;
}

export const scenarioParamsSchema = z
  .object({
    errorCode: senderErrorCodeSchema.optional(),
    delayMs: z.number().int().nonnegative().max(600_000).optional(),
    times: z.number().int().positive().max(100).optional(),
  })
  .strict();

/** A SendZen onboard failure for the customer's client identifier. */
export interface SendzenScript {
  status?: number;
  delayMs?: number;
  times: number | null;
}

export interface ScenarioPlan {
  signup: SignupAction;
  /** The customer's senders: each created sender plays this outcome. */
  sender: SenderOutcome;
  /** Faults on the customer's subproject's Provisioning and Conversation paths. */
  faults: (subprojectId: string) => FaultInput[];
  sendzen?: SendzenScript;
  /** How long the customer's new subproject is refused (404) by Provisioning and Conversation. */
  subprojectWarmupMs?: number;
}

interface ScenarioDefinition {
  plays: string;
  endsIn: string;
  plan(params: ScenarioParams): ScenarioPlan;
}

/** Bound with `delayMs` always set: the fake's senderActivationMs unless the choice says. */
const delay = (p: ScenarioParams) => p.delayMs ?? 0;
const base = (p: ScenarioParams): ScenarioPlan => ({
  signup: 'complete',
  sender: { state: 'ACTIVE', afterMs: delay(p) },
  faults: () => [],
});

/** Every Provisioning and Conversation path under the customer's subproject. */
const scoped = (subprojectId: string) => [
  { upstream: 'provisioning' as const, path: `/v1/projects/${subprojectId}/**` },
  { upstream: 'conversation' as const, path: `/v1/projects/${subprojectId}/**` },
];

export const SCENARIOS = {
  happy: {
    plays: 'The customer completes the signup; the sender becomes ACTIVE.',
    endsIn: 'READY',
    plan: base,
  },
  'customer-cancels': {
    plays: 'The customer cancels in the iframe (SendZen posts a failed result).',
    endsIn: 'ACTION_REQUIRED at CUSTOMER_SIGNUP (SIGNUP_FAILED); refreshOnboardingLink retries',
    plan: (p) => ({ ...base(p), signup: 'cancel' }),
  },
  'signup-error': {
    plays: 'Meta’s signup fails midway: SendZen posts a failed result with an error message.',
    endsIn: 'ACTION_REQUIRED at CUSTOMER_SIGNUP with that message',
    plan: (p) => ({ ...base(p), signup: 'error' }),
  },
  'slow-signup': {
    plays:
      'The customer takes a while: the result comes after delayMs (default: the fake’s senderActivationMs).',
    endsIn: 'READY',
    plan: (p) => ({ ...base(p), signup: 'slow' }),
  },
  'sender-error': {
    plays: 'The sender goes IN_PROGRESS then ERROR with errorCode (default NO_PRICING_PLAN).',
    endsIn: 'ACTION_REQUIRED at WHATSAPP_SENDER with Sinch’s errorCode and errorReason',
    plan: (p) => ({
      ...base(p),
      sender: {
        state: 'ERROR',
        afterMs: delay(p),
        errorCode: p.errorCode ?? 'NO_PRICING_PLAN',
      },
    }),
  },
  'pending-verification': {
    plays: 'The sender goes IN_PROGRESS, PENDING_VERIFICATION, then ACTIVE (a callback each).',
    endsIn: 'READY (WAITING while PENDING_VERIFICATION)',
    plan: (p) => ({ ...base(p), sender: { state: 'PENDING_VERIFICATION', afterMs: delay(p) } }),
  },
  rejected: {
    plays: 'Sinch rejects the sender: changes.status REJECTED with the reason in errorReason.',
    endsIn: 'ACTION_REQUIRED at WHATSAPP_SENDER (code REJECTED, the upstream reason)',
    plan: (p) => ({ ...base(p), sender: { state: 'REJECTED', afterMs: delay(p) } }),
  },
  'display-name-review': {
    plays:
      'The sender becomes ACTIVE with its display name PENDING review; later APPROVED (WHATSAPP_SENDER_DISPLAY_NAME_UPDATED).',
    endsIn:
      'DISPLAY_NAME_IN_REVIEW while Meta reviews the name (the sender works meanwhile), then READY once it is APPROVED',
    plan: (p) => ({ ...base(p), sender: { state: 'DISPLAY_NAME_REVIEW', afterMs: delay(p) } }),
  },
  'subproject-warmup': {
    plays:
      'The new subproject is refused (404) by Provisioning and Conversation for delayMs (contracts gap 11).',
    endsIn: 'READY after the gateway’s retries (step.retrying events on PROVISIONING_WEBHOOK)',
    plan: (p) => ({ ...base(p), subprojectWarmupMs: delay(p) }),
  },
  'sendzen-503-storm': {
    plays: 'SendZen answers the onboard call 503 `times` times (default 6) before it recovers.',
    endsIn: 'AWAITING_SIGNUP then READY (step.retrying events on SENDZEN_PROJECT)',
    plan: (p) => ({ ...base(p), sendzen: { status: 503, times: p.times ?? 6 } }),
  },
  'sinch-429': {
    plays:
      'Provisioning and Conversation answer 429 with Retry-After: 1 `times` times (default 2 each) on the customer’s subproject.',
    endsIn: 'READY after honouring Retry-After (429s in the journal)',
    plan: (p) => ({
      ...base(p),
      faults: (subprojectId) =>
        scoped(subprojectId).map((where) => ({
          ...where,
          kind: 'status' as const,
          status: 429,
          retryAfter: 1,
          times: p.times ?? 2,
        })),
    }),
  },
  'slow-upstream': {
    plays:
      'Every SendZen, Provisioning and Conversation call for the customer answers delayMs late.',
    endsIn: 'READY, slowly',
    plan: (p) => ({
      ...base(p),
      sendzen: { delayMs: delay(p), times: null },
      faults: (subprojectId) =>
        scoped(subprojectId).map((where) => ({
          ...where,
          kind: 'delay' as const,
          delayMs: delay(p),
          probability: 1,
        })),
    }),
  },
} satisfies Record<string, ScenarioDefinition>;

export type ScenarioName = keyof typeof SCENARIOS;
export const SCENARIO_NAMES = Object.keys(SCENARIOS) as ScenarioName[];

/** `sender-error:NO_PRICING_PLAN` is `sender-error` with that code. */
export function parseScenario(
  text: string,
): { name: ScenarioName; params: ScenarioParams } | undefined {
  const [name, code] = text.split(':', 2) as [string, string | undefined];
  if (!(name in SCENARIOS)) return undefined;
  if (code === undefined) return { name: name as ScenarioName, params: {} };
  if (name !== 'sender-error') return undefined;
  const errorCode = senderErrorCodeSchema.safeParse(code);
  return errorCode.success
    ? { name: 'sender-error', params: { errorCode: errorCode.data } }
    : undefined;
}

export const chooseScenarioSchema = z
  .object({
    clientIdentifier: z.string().min(1).max(255),
    scenario: z.string().refine((s) => parseScenario(s) !== undefined, {
      message: `must be one of ${SCENARIO_NAMES.join(', ')} (or sender-error:<errorCode>)`,
    }),
    params: scenarioParamsSchema.optional(),
  })
  .strict();

export function scenarioCatalogue() {
  return SCENARIO_NAMES.map((name) => ({
    name,
    plays: SCENARIOS[name].plays,
    endsIn: SCENARIOS[name].endsIn,
    ...(name === 'sender-error' ? { errorCodes: [...SENDER_ERROR_CODES] } : {}),
  }));
}

export interface ScenarioBinding {
  scenario: string;
  name: ScenarioName;
  params: ScenarioParams;
  plan: ScenarioPlan;
  clientIdentifier?: string;
  subprojectId?: string;
  /** How many SendZen onboard calls the storm has still to fail. */
  sendzenLeft: number | null;
}

/** Which customer plays which scenario. */
export class ScenarioBook {
  #byCustomer = new Map<string, ScenarioBinding>();
  #bySubproject = new Map<string, ScenarioBinding>();
  readonly #defaultDelayMs: () => number;

  /** `defaultDelayMs`: every timed step's wait when the choice gives no delayMs. */
  constructor(defaultDelayMs: () => number) {
    this.#defaultDelayMs = defaultDelayMs;
  }

  bind(
    scenario: string,
    where: { clientIdentifier?: string; subprojectId?: string },
    extra: ScenarioParams = {},
  ): ScenarioBinding | undefined {
    const parsed = parseScenario(scenario);
    if (!parsed) return undefined;
    const params = { delayMs: this.#defaultDelayMs(), ...parsed.params, ...extra };
    const plan = SCENARIOS[parsed.name].plan(params);
    const binding: ScenarioBinding = {
      scenario,
      name: parsed.name,
      params,
      plan,
      ...where,
      sendzenLeft: plan.sendzen ? plan.sendzen.times : 0,
    };
    if (where.clientIdentifier) this.#byCustomer.set(where.clientIdentifier, binding);
    if (where.subprojectId) this.#bySubproject.set(where.subprojectId, binding);
    return binding;
  }

  /** Links a binding to the customer's subproject once it is known. */
  link(binding: ScenarioBinding, where: { clientIdentifier?: string; subprojectId?: string }) {
    if (where.clientIdentifier && !binding.clientIdentifier) {
      binding.clientIdentifier = where.clientIdentifier;
      if (!this.#byCustomer.has(where.clientIdentifier)) {
        this.#byCustomer.set(where.clientIdentifier, binding);
      }
    }
    if (where.subprojectId && !binding.subprojectId) {
      binding.subprojectId = where.subprojectId;
      this.#bySubproject.set(where.subprojectId, binding);
    }
  }

  forCustomer(clientIdentifier: string): ScenarioBinding | undefined {
    return this.#byCustomer.get(clientIdentifier);
  }

  forSubproject(subprojectId: string): ScenarioBinding | undefined {
    return this.#bySubproject.get(subprojectId);
  }

  list() {
    const all = new Set([...this.#byCustomer.values(), ...this.#bySubproject.values()]);
    return [...all].map((b) => ({
      scenario: b.scenario,
      params: b.params,
      clientIdentifier: b.clientIdentifier ?? null,
      subprojectId: b.subprojectId ?? null,
    }));
  }

  clear(): void {
    this.#byCustomer.clear();
    this.#bySubproject.clear();
  }
}
