// The customer's part of SendZen onboarding: the iframe buttons and the control API both end here,
// so a scripted signup and a clicked one are indistinguishable to the gateway.
import { z } from 'zod';
import { type SignupResult, signupResultSchema } from '../../src/upstreams/sendzen/contract.ts';
import { conform } from '../handlers/conform.ts';
import type { SandboxState } from './sandbox.ts';

export const CANCELLED_MESSAGE = 'User cancelled the authentication process.';

export const signupOutcomeSchema = z
  .object({
    clientIdentifier: z.string().min(1),
    status: z.enum(['completed', 'failed']),
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

/** undefined when SendZen never onboarded that customer. */
export async function completeSignup(
  sandbox: SandboxState,
  outcome: SignupOutcome,
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
