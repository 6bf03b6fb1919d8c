// Credentials handed out about an onboarding: the browser's session token, and the one privileged,
// audited way to read the customer's SendZen API key.

import type { OnboardingSnapshot } from '../db/store.ts';
import { OnboardingNotFoundError, PreconditionError } from '../onboarding/errors.ts';
import { issueOnboardingSession } from '../resolvers/issue-onboarding-session.ts';
import { revealSendzenApiKey } from '../resolvers/reveal-sendzen-api-key.ts';
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

builder.mutationField('issueOnboardingSession', (t) =>
  t.field({
    type: OnboardingSessionRef,
    description: 'A fresh session token for a browser working on this onboarding.',
    authScopes: { write: true },
    errors: {
      types: [OnboardingNotFoundError, PreconditionError],
      union: { name: 'IssueOnboardingSessionResult' },
      result: { name: 'IssueOnboardingSessionSuccess' },
      dataField: { name: 'session' },
    },
    args: { onboardingId: t.arg.id({ required: true }) },
    resolve: issueOnboardingSession,
  }),
);

const CustomerApiKeyRef = builder
  .objectRef<{ apiKey: string; onboarding: OnboardingSnapshot }>('CustomerApiKey')
  .implement({
    fields: (t) => ({
      apiKey: t.exposeString('apiKey', {
        description: 'The customer’s own SendZen API key, in clear.',
      }),
      onboarding: t.field({ type: OnboardingRef, resolve: (k) => k.onboarding }),
    }),
  });

builder.mutationField('revealSendzenApiKey', (t) =>
  t.field({
    type: CustomerApiKeyRef,
    description:
      'Reveals the customer’s SendZen API key, which the vendor needs to send messages for that customer. Admin keys only; every call is written to the onboarding’s event log with the caller’s name.',
    authScopes: { admin: true },
    errors: {
      types: [OnboardingNotFoundError, PreconditionError],
      union: { name: 'RevealSendzenApiKeyResult' },
      result: { name: 'RevealSendzenApiKeySuccess' },
      dataField: { name: 'customerApiKey' },
    },
    args: { onboardingId: t.arg.id({ required: true }) },
    resolve: revealSendzenApiKey,
  }),
);
