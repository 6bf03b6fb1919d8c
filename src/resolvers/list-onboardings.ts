import type { OnboardingStatus } from '../db/schema.ts';
import type { GraphQLContext } from '../schema/builder.ts';

interface Args {
  first?: number | null;
  after?: string | null;
  status?: OnboardingStatus[] | null;
  search?: string | null;
}

export function listOnboardings(_root: unknown, args: Args, ctx: GraphQLContext) {
  const page = ctx.onboardings.list({
    first: args.first ?? 20,
    after: args.after ?? undefined,
    statuses: args.status ?? undefined,
    search: args.search ?? undefined,
  });
  const edges = page.rows.flatMap((row) => {
    const node = ctx.onboardings.get(row.id);
    return node ? [{ cursor: row.id, node }] : [];
  });
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
