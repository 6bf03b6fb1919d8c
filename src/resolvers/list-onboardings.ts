import type { OnboardingStatus } from '../db/schema.ts';
import type { GraphQLContext } from '../schema/builder.ts';

interface Args {
  first?: number | null;
  after?: string | null;
  status?: OnboardingStatus[] | null;
  search?: string | null;
}

export async function listOnboardings(_root: unknown, args: Args, ctx: GraphQLContext) {
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
}
