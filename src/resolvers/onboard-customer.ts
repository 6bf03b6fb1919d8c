import type { GraphQLContext } from '../schema/builder.ts';
import type { SenderRegion } from '../upstreams/sinch/contract.ts';

interface Args {
  input: {
    clientIdentifier: string;
    displayName?: string | null;
    region?: SenderRegion | null;
    metaLocalStorage?: string | null;
    labels?: { key: string; value: string }[] | null;
    autoProvision?: boolean | null;
  };
}

export async function onboardCustomer(_root: unknown, { input }: Args, ctx: GraphQLContext) {
  const { snapshot, created } = await ctx.onboardings.onboardCustomer({
    clientIdentifier: input.clientIdentifier,
    displayName: input.displayName ?? undefined,
    region: input.region ?? undefined,
    metaLocalStorage: input.metaLocalStorage ?? undefined,
    labels: input.labels
      ? Object.fromEntries(input.labels.map((l) => [l.key, l.value]))
      : undefined,
    autoProvision: input.autoProvision ?? undefined,
  });
  return { created, onboarding: snapshot, session: ctx.sessions.issue(snapshot.onboarding.id) };
}
