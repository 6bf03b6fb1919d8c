import { requireAccess } from '../auth/onboarding-access.ts';
import { builder } from '../schema/builder.ts';
import { onboardingResult } from '../schema/errors.ts';
import { rawOnboardingId } from '../schema/ids.ts';
import { OnboardingRef } from '../schema/onboarding.ts';
import { plainText } from '../schema/plain-text.ts';

const RelayMetaSignupInput = builder.inputType('RelayMetaSignupInput', {
  description:
    'What Meta’s Embedded Signup posted to your page, relayed as received, with FB.login’s authorization code.',
  fields: (t) => ({
    onboardingId: t.id({ required: true }),
    message: t.string({
      required: true,
      description:
        'The `message` event’s data as received from Meta’s origin: the JSON text of {"type":"WA_EMBEDDED_SIGNUP","event":…,"data":{…},"version":3}.',
      validate: plainText().min(1).max(8192),
    }),
    code: t.string({
      required: false,
      description:
        'FB.login’s `authResponse.code`. Required with the FINISH events: it is the proof of the signup, handed to Sinch as the sender’s authenticationCode. It lives about 30 seconds and is good once.',
      validate: plainText().min(1).max(4096),
    }),
  }),
});

builder.mutationField('relayMetaSignup', (t) =>
  t.field({
    type: OnboardingRef,
    description:
      'Meta’s path (signupPath META_EMBEDDED_SIGNUP): relays the WA_EMBEDDED_SIGNUP message and code with the onboarding’s session token or an API key. FINISH starts provisioning at once with the code; FINISH_ONLY_WABA waits for addPhoneNumber; FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING records coexistence; CANCEL and ERROR stop the signup (ACTION_REQUIRED) until a new FINISH arrives. An unknown event is refused (InvalidInput) and changes nothing.',
    errors: onboardingResult('RelayMetaSignup'),
    args: { input: t.arg({ type: RelayMetaSignupInput, required: true }) },
    authScopes: { write: true, session: true },
    resolve: async (_root, { input }, ctx) => {
      const id = requireAccess(ctx.caller, rawOnboardingId(input.onboardingId));
      return await ctx.onboardings.relayMetaSignup(id, input.message, input.code ?? undefined);
    },
  }),
);
