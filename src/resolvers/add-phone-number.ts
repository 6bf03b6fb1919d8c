import { z } from 'zod';
import { PhoneNumberUnavailableError } from '../onboarding/errors.ts';
import { builder } from '../schema/builder.ts';
import { onboardingResult } from '../schema/errors.ts';
import { rawOnboardingId } from '../schema/ids.ts';
import { OnboardingRef } from '../schema/onboarding.ts';

builder.mutationField('addPhoneNumber', (t) =>
  t.field({
    type: OnboardingRef,
    description:
      'Adds a phone number of the customer’s WABA: a sender of its own (Sinch’s sender create with the existing WABA id), then its credential joins the customer’s Conversation API app. Answers once Sinch took or refused the sender; the number’s progress is in `phoneNumbers` and on the subscription. After Meta’s FINISH_ONLY_WABA the first number added is the onboarding’s own. Adding a number again returns the onboarding as it is. A number Sinch refuses answers PhoneNumberUnavailable with Sinch’s code, and nothing is added.',
    errors: onboardingResult('AddPhoneNumber', [PhoneNumberUnavailableError]),
    args: {
      onboardingId: t.arg.id({ required: true }),
      phoneNumberId: t.arg.string({
        required: true,
        description:
          'Meta’s id of the number on the customer’s WABA (not the phone number itself).',
        validate: z.string().regex(/^\d{1,32}$/, 'must be a numeric phone number id'),
      }),
    },
    authScopes: { write: true },
    resolve: async (_root, args, ctx) =>
      await ctx.onboardings.addPhoneNumber(rawOnboardingId(args.onboardingId), args.phoneNumberId),
  }),
);
