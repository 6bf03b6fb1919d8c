// How every creating step makes its upstream resource without ever making two. Upstream creates
// carry no idempotency key, so after an attempt whose outcome is unknown (a timeout, a reset, a
// malformed answer, a crash mid-call) the resource is looked up and adopted before anything is
// created again; and an upstream that says the resource exists already is taken at its word.
// What this cannot see, a create that commits upstream only after the look-up, the runner's
// reconciliation finds later (`removeDuplicates`).
import type { StepRow } from '../../db/schema.ts';
import { UpstreamError } from '../../upstreams/errors.ts';
import type { OnboardingDeps } from '../deps.ts';

export interface CreateOrAdopt<T> {
  /** The resource an earlier attempt of this onboarding made, if any. */
  find: () => Promise<T | undefined>;
  create: () => Promise<T>;
  /** The upstream refused the create because the resource exists: an earlier attempt's. */
  existsAlready?: (error: UpstreamError) => boolean;
}

/**
 * `deps.logger` is the step's own (the runner binds it to the onboarding and step), so the line
 * saying a resource was adopted names both; an operator reading it after a crash learns that
 * nothing was created twice.
 */
export async function createOrAdopt<T>(
  deps: Pick<OnboardingDeps, 'logger' | 'metrics'>,
  step: Pick<StepRow, 'name' | 'outcomeUnknown'>,
  how: CreateOrAdopt<T>,
): Promise<{ resource: T; adopted: boolean }> {
  const adopt = (resource: T, why: Record<string, string | undefined>) => {
    deps.metrics.stepOutcome(step.name, 'adopted');
    deps.logger.info(why, 'adopted the upstream resource an earlier attempt made');
    return { resource, adopted: true };
  };
  if (step.outcomeUnknown) {
    const found = await how.find();
    if (found) return adopt(found, { reason: 'outcome_unknown' });
    deps.logger.info(
      { reason: 'outcome_unknown' },
      'nothing found that an earlier attempt made; creating',
    );
  }
  try {
    return { resource: await how.create(), adopted: false };
  } catch (error) {
    if (error instanceof UpstreamError && how.existsAlready?.(error)) {
      const found = await how.find();
      if (found) return adopt(found, { reason: 'exists_already', code: error.code });
    }
    throw error;
  }
}

/**
 * Deletes every resource in `all` but the one kept. A resource already gone counts as removed.
 */
export async function removeDuplicates<T>(
  all: readonly T[],
  idOf: (resource: T) => string,
  keptId: string | null,
  remove: (id: string) => Promise<void>,
): Promise<string[]> {
  if (keptId === null) return [];
  const removed: string[] = [];
  for (const resource of all) {
    const id = idOf(resource);
    if (id === keptId) continue;
    try {
      await remove(id);
    } catch (error) {
      if (!(error instanceof UpstreamError && error.kind === 'not_found')) throw error;
    }
    removed.push(id);
  }
  return removed;
}
