// The customer's part of SendZen onboarding: the iframe buttons and the control API both end here,
// so a scripted signup and a clicked one are indistinguishable to the gateway.
import { z } from 'zod';
import { type SignupResult, signupResultSchema } from '../../src/upstreams/sendzen/contract.ts';
import { conform } from '../handlers/conform.ts';
import type { SandboxState } from './sandbox.ts';
import { SIGNUP_ACTIONS, SIGNUP_ERROR_MESSAGE, type SignupAction } from './scenarios.ts';

export const CANCELLED_MESSAGE = 'User cancelled the authentication process.';

export const signupOutcomeSchema = z
  .object({
    clientIdentifier: z.string().min(1),
    /** Left out: what the customer's scenario does (`action`), else completed. */
    status: z.enum(['completed', 'failed']).optional(),
    /** What the customer does in the iframe; the same actions as the iframe's buttons. */
    action: z.enum(SIGNUP_ACTIONS).optional(),
    wabaId: z
      .string()
      .regex(/^\d{1,20}$/, 'must be a numeric id')
      .optional(),
    phoneNumberId: z
      .string()
      .regex(/^\d{1,20}$/, 'must be a numeric id')
      .optional(),
    message: z.string().min(1).max(1000).optional(),
  })
  .strict();
export type SignupOutcome = z.infer<typeof signupOutcomeSchema>;

export type SignupPlay =
  | { kind: 'result'; result: SignupResult; delayMs: number }
  | { kind: 'closed' }
  | undefined;

/** The signup outcome an action stands for: the iframe's buttons and the control share these. */
function outcomeOf(
  action: SignupAction,
  clientIdentifier: string,
): { outcome: SignupOutcome & { status: 'completed' | 'failed' }; slow: boolean } | undefined {
  switch (action) {
    case 'complete':
      return { outcome: { clientIdentifier, status: 'completed' }, slow: false };
    case 'slow':
      return { outcome: { clientIdentifier, status: 'completed' }, slow: true };
    case 'cancel':
      return { outcome: { clientIdentifier, status: 'failed' }, slow: false };
    case 'error':
      return {
        outcome: { clientIdentifier, status: 'failed', message: SIGNUP_ERROR_MESSAGE },
        slow: false,
      };
    default:
      return undefined;
  }
}

/**
 * What the customer does, by action (or, without one, by the customer's scenario): `close` posts
 * nothing and sends no webhook; `slow` completes after the scenario's delay. undefined when
 * SendZen never onboarded that customer.
 */
export async function playSignup(sandbox: SandboxState, input: SignupOutcome): Promise<SignupPlay> {
  const { clientIdentifier } = input;
  const project = sandbox.db.sendzenProjects.findFirst((q) => q.where({ clientIdentifier }));
  if (!project) return undefined;
  const scenario = sandbox.scenarios.forCustomer(clientIdentifier);
  const action: SignupAction =
    input.action ??
    (input.status === 'completed'
      ? 'complete'
      : input.status === 'failed'
        ? input.message
          ? 'error'
          : 'cancel'
        : (scenario?.plan.signup ?? 'complete'));
  const chosen = outcomeOf(action, clientIdentifier);
  if (!chosen) return { kind: 'closed' };
  const outcome = { ...chosen.outcome, ...withoutUndefined(input), status: chosen.outcome.status };
  const delayMs = chosen.slow ? (scenario?.params.delayMs ?? sandbox.config.senderActivationMs) : 0;
  if (delayMs > 0 && !(await sandbox.timers.sleep(delayMs))) return { kind: 'closed' };
  const result = await completeSignup(sandbox, outcome);
  return result ? { kind: 'result', result, delayMs } : undefined;
}

function withoutUndefined(input: SignupOutcome): Partial<SignupOutcome> {
  const { action: _action, status: _status, ...rest } = input;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
}

/** undefined when SendZen never onboarded that customer. */
export async function completeSignup(
  sandbox: SandboxState,
  outcome: SignupOutcome & { status: 'completed' | 'failed' },
): Promise<SignupResult | undefined> {
  const { db, ids } = sandbox;
  const project = db.sendzenProjects.findFirst((q) =>
    q.where({ clientIdentifier: outcome.clientIdentifier }),
  );
  if (!project) return undefined;

  const base = { project_id: project.projectId, client_identifier: project.clientIdentifier };
  const result: SignupResult = conform(
    signupResultSchema,
    outcome.status === 'completed'
      ? {
          status: 'completed' as const,
          ...base,
          waba_id: outcome.wabaId ?? ids.digits(15),
          phone_number_id: outcome.phoneNumberId ?? ids.digits(15),
        }
      : { status: 'failed' as const, ...base, message: outcome.message ?? CANCELLED_MESSAGE },
  );
  await db.sendzenProjects.update(project, {
    data(p) {
      p.lastSignup = result;
    },
  });

  if (project.webhookUrl) {
    sandbox.deliveries.send({
      kind: 'sendzen_signup_webhook',
      upstream: 'sendzen',
      target: project.webhookUrl,
      body: JSON.stringify(result),
    });
  }
  return result;
}
