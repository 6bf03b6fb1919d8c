import { z } from 'zod';
import { builder } from '../schema/builder.ts';
import { EventDeliveryRef, EventDeliveryStatusEnum } from '../schema/event-endpoint.ts';
import { rawOnboardingId } from '../schema/ids.ts';
import { forwardPage, NOT_A_CURSOR } from '../schema/onboarding.ts';

builder.queryField('eventDeliveries', (t) =>
  t.connection({
    type: EventDeliveryRef,
    description: 'Event deliveries with their attempts, newest first. Admin keys only.',
    args: {
      endpointId: t.arg.id({ required: false }),
      onboardingId: t.arg.id({ required: false }),
      status: t.arg({ type: EventDeliveryStatusEnum, required: false }),
    },
    validate: forwardPage(
      z.number().int().min(1).max(100),
      z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, NOT_A_CURSOR),
    ),
    authScopes: { admin: true },
    resolve: async (_root, args, ctx) => {
      const page = await ctx.eventEndpoints.deliveries({
        first: args.first ?? 20,
        after: args.after ?? undefined,
        endpointId: args.endpointId ? String(args.endpointId) : undefined,
        onboardingId: args.onboardingId ? rawOnboardingId(args.onboardingId) : undefined,
        status: args.status ?? undefined,
      });
      const edges = page.rows.map((node) => ({ cursor: node.delivery.id, node }));
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
