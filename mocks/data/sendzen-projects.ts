// A SendZen customer project: one per client_identifier, since onboarding is idempotent per customer.
import { z } from 'zod';
import { signupResultSchema } from '../../src/upstreams/sendzen/contract.ts';

export const sendzenProjectSchema = z.object({
  clientIdentifier: z.string(),
  projectId: z.string(),
  projectName: z.string(),
  api_key: z.string(),
  webhookUrl: z.string().nullable(),
  createdAt: z.string(),
  lastSignup: signupResultSchema.nullable(),
});
export type SendzenProject = z.infer<typeof sendzenProjectSchema>;
