// SINCH_SUBPROJECT: the customer's own subproject under the partner's Sinch project. Labelled with
// the onboarding's id, which is how an attempt finds what an earlier one made.
import type { Subproject } from '../../upstreams/sinch/contract.ts';
import type { OnboardingDeps } from '../deps.ts';
import { createOrAdopt, removeDuplicates } from './create-or-adopt.ts';
import type { StepReconcile, StepResult, StepRun } from './types.ts';

/** The label that lets a create with an unknown outcome find the subproject it made. */
export const ONBOARDING_LABEL = 'gateway-onboarding-id';

async function ours(deps: OnboardingDeps, onboardingId: string): Promise<Subproject[]> {
  const found: Subproject[] = [];
  for await (const subproject of deps.subprojects.listAll({ pageSize: 1000 })) {
    if (subproject.labels?.[ONBOARDING_LABEL] === onboardingId && !subproject.deleted)
      found.push(subproject);
  }
  return found;
}

const run: StepRun = async (deps, snapshot, step) => {
  const { onboarding } = snapshot;
  const { resource: subproject, adopted } = await createOrAdopt(deps, step, {
    find: async () => (await ours(deps, onboarding.id))[0],
    create: () =>
      deps.subprojects.create({
        displayName: onboarding.displayName.slice(0, 255),
        labels: { ...onboarding.labels, [ONBOARDING_LABEL]: onboarding.id },
      }),
  });
  const created = Date.parse(subproject.createTime);
  return {
    status: 'SUCCEEDED',
    upstreamId: subproject.subprojectId,
    message: `${adopted ? 'Adopted the existing' : 'Created'} Sinch subproject ${subproject.subprojectId}`,
    data: { subprojectId: subproject.subprojectId, adopted },
    record: (draft, now) => {
      draft.onboarding.subprojectId = subproject.subprojectId;
      draft.onboarding.subprojectCreatedAt = Number.isNaN(created) ? now : created;
    },
  } satisfies StepResult;
};

const reconcile: StepReconcile = async (deps, snapshot) =>
  removeDuplicates(
    await ours(deps, snapshot.onboarding.id),
    (s) => s.subprojectId,
    snapshot.onboarding.subprojectId,
    (id) => deps.subprojects.delete(id),
  );

export const sinchSubproject = { run, reconcile };
