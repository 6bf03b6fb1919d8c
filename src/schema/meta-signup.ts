// What the vendor's page needs to launch Meta's Embedded Signup for an onboarding on that path. It
// comes from the gateway's configuration, never from the browser: the page cannot pick another
// Meta app or configuration for the customer.
import type { MetaSignupConfig } from '../config.ts';
import { builder } from './builder.ts';
import { OnboardingRef } from './onboarding.ts';

const MetaSignupLaunchRef = builder.objectRef<MetaSignupConfig>('MetaSignupLaunch').implement({
  description:
    'Load `sdkUrl`, call FB.init({ appId, version: graphApiVersion }) and, from a click, FB.login(callback, { config_id: configId, response_type: "code", override_default_response_type: true, extras: { setup: { solutionID: solutionId }, sessionInfoVersion: "3" } }). Accept `message` events only from `messageOrigins`, and relay the WA_EMBEDDED_SIGNUP message with the callback’s authResponse.code to relayMetaSignup.',
  fields: (t) => ({
    sdkUrl: t.exposeString('sdkUrl', {
      description: 'Meta’s JavaScript SDK (in the sandbox, the fake’s stand-in for it).',
    }),
    appId: t.exposeString('appId'),
    configId: t.exposeString('configId', {
      description: 'The Embedded Signup configuration id (FB.login’s config_id).',
    }),
    solutionId: t.exposeString('solutionId', { nullable: true }),
    graphApiVersion: t.exposeString('graphApiVersion'),
    messageOrigins: t.exposeStringList('messageOrigins', {
      description: 'The only origins whose WA_EMBEDDED_SIGNUP messages your page should accept.',
    }),
  }),
});

builder.objectField(OnboardingRef, 'metaSignupLaunch', (t) =>
  t.field({
    type: MetaSignupLaunchRef,
    nullable: true,
    description:
      'On the META_EMBEDDED_SIGNUP path, until the signup succeeded: what your page needs to launch Embedded Signup. Null otherwise.',
    resolve: (s, _args, ctx) =>
      s.onboarding.signupPath === 'META_EMBEDDED_SIGNUP' &&
      s.onboarding.cancelledAt === null &&
      s.steps.some((step) => step.name === 'CUSTOMER_SIGNUP' && step.status !== 'SUCCEEDED')
        ? (ctx.metaSignup ?? null)
        : null,
  }),
);
