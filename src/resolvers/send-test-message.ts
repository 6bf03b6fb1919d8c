import { z } from 'zod';
import { builder } from '../schema/builder.ts';
import { onboardingResult } from '../schema/errors.ts';
import { rawOnboardingId } from '../schema/ids.ts';
import { OnboardingRef } from '../schema/onboarding.ts';
import { plainText } from '../schema/plain-text.ts';

builder.mutationField('sendTestMessage', (t) =>
  t.field({
    type: OnboardingRef,
    description:
      'Sends a WhatsApp text message through the customer’s Conversation API app, to prove the onboarding works. Refused (PreconditionFailed) unless the onboarding is READY with an ACTIVE sender; nothing is sent then. The message appears in `testMessages` as SENT; Sinch’s delivery reports (QUEUED, DELIVERED, READ or FAILED) and the contact’s reply follow on the subscription and in the event log. WhatsApp accepts free text only within 24 hours of the contact’s last message.',
    errors: onboardingResult('SendTestMessage'),
    args: {
      onboardingId: t.arg.id({ required: true }),
      to: t.arg.string({
        required: true,
        description: 'The recipient’s phone number in E.164: 7 to 15 digits, optional leading +.',
        validate: z
          .string()
          .regex(/^\+?\d{7,15}$/, 'must be a phone number in E.164 (+ and 7 to 15 digits)'),
      }),
      text: t.arg.string({
        required: true,
        description: 'Plain text, 1 to 1024 characters.',
        validate: plainText().min(1).max(1024),
      }),
    },
    authScopes: { write: true },
    resolve: async (_root, args, ctx) =>
      await ctx.onboardings.sendTestMessage(rawOnboardingId(args.onboardingId), args.to, args.text),
  }),
);
