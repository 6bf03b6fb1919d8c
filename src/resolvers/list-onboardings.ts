import { z } from 'zod';
import { builder } from '../schema/builder.ts';
import {
  forwardPage,
  NOT_A_CURSOR,
  OnboardingRef,
  OnboardingStatusEnum,
} from '../schema/onboarding.ts';
import { plainText } from '../schema/plain-text.ts';

builder.queryField('onboardings', (t) =>
  t.connection({
    type: OnboardingRef,
    description: 'Onboardings, newest first.',
    args: {
      status: t.arg({
        type: [OnboardingStatusEnum],
        required: false,
        description: 'Only these statuses.',
      }),
      search: t.arg.string({
        required: false,
        description: 'Part of the client identifier, case-insensitive.',
        validate: plainText().max(255),
      }),
    },
    validate: forwardPage(
      z.number().int().min(1).max(100),
      z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, NOT_A_CURSOR),
    ),
    authScopes: { read: true },
    resolve: async (_root, args, ctx) => {
      const page = await ctx.onboardings.list({
        first: args.first ?? 20,
        after: args.after ?? undefined,
        statuses: args.status ?? undefined,
        search: args.search ?? undefined,
      });
      const edges = page.rows.map((node) => ({ cursor: node.onboarding.id, node }));
      return {
        edges,
        pageInfo: {
          hasNextPage: page.hasNextPage,
          hasPreviousPage: Boolean(args.after),
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
      };
    },
  }),
);
