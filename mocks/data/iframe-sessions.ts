// One onboarding link: every onboard call issues a fresh one, each with its own expiry.
import { z } from 'zod';

export const iframeSessionSchema = z.object({
  token: z.string(),
  clientIdentifier: z.string(),
  expiresAt: z.number(),
});
export type IframeSession = z.infer<typeof iframeSessionSchema>;
