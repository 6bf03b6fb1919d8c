// Credentials handed out about an onboarding: the browser's session token, and the customer's
// SendZen API key as its one privileged, audited reveal returns it.
import type { OnboardingSnapshot } from '../db/store.ts';
import { builder } from './builder.ts';
import { OnboardingRef } from './onboarding.ts';

export const OnboardingSessionRef = builder
  .objectRef<{ token: string; expiresAt: number; onboarding: OnboardingSnapshot }>(
    'OnboardingSession',
  )
  .implement({
    description:
      'A credential for a browser: it may read this one onboarding, subscribe to it and relay its signup result, for an hour. Send it as `Authorization: Bearer <token>` (over WebSocket: connection param `authorization`).',
    fields: (t) => ({
      token: t.exposeString('token'),
      expiresAt: t.field({ type: 'DateTime', resolve: (s) => s.expiresAt }),
      onboarding: t.field({ type: OnboardingRef, resolve: (s) => s.onboarding }),
    }),
  });

export const CustomerApiKeyRef = builder
  .objectRef<{ apiKey: string; onboarding: OnboardingSnapshot }>('CustomerApiKey')
  .implement({
    fields: (t) => ({
      apiKey: t.exposeString('apiKey', {
        description: 'The customer’s own SendZen API key, in clear.',
      }),
      onboarding: t.field({ type: OnboardingRef, resolve: (k) => k.onboarding }),
    }),
  });
