// OAuth2 tokens the fake issued; an unknown or expired one is refused like a forged one.
import { z } from 'zod';

export const accessTokenSchema = z.object({
  access_token: z.string(),
  expiresAt: z.number(),
});
export type AccessToken = z.infer<typeof accessTokenSchema>;
