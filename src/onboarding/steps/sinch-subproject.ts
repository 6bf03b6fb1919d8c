// SINCH_SUBPROJECT: the customer's own subproject under the partner's Sinch project.
import { eq } from 'drizzle-orm';
import { onboardings } from '../../db/schema.ts';
import type { Subproject } from '../../upstreams/sinch/contract.ts';
import type { OnboardingDeps } from '../deps.ts';
import type { StepResult, StepRun } from './types.ts';

/** The label that lets a create with an unknown outcome find the subproject it made. */
export const ONBOARDING_LABEL = 'gateway-onboarding-id';

async function findByLabel(
  deps: OnboardingDeps,
  onboardingId: string,
): Promise<Subproject | undefined> {
  for await (const subproject of deps.subprojects.listAll({ pageSize: 1000 })) {
    if (subproject.labels?.[ONBOARDING_LABEL] === onboardingId && !subproject.deleted)
      return subproject;
  }
  return undefined;
}

export const runSinchSubproject: StepRun = async (deps, snapshot, step) => {
  const { onboarding } = snapshot;
  const adopted = step.outcomeUnknown ? await findByLabel(deps, onboarding.id) : undefined;
  const subproject =
    adopted ??
    (await deps.subprojects.create({
      displayName: onboarding.displayName.slice(0, 255),
      labels: { ...onboarding.labels, [ONBOARDING_LABEL]: onboarding.id },
    }));
  const created = Date.parse(subproject.createTime);
  return {
    status: 'SUCCEEDED',
    upstreamId: subproject.subprojectId,
    message: `${adopted ? 'Adopted the existing' : 'Created'} Sinch subproject ${subproject.subprojectId}`,
    data: { subprojectId: subproject.subprojectId, adopted: Boolean(adopted) },
    record: (tx, now) => {
      tx.update(onboardings)
        .set({
          subprojectId: subproject.subprojectId,
          subprojectCreatedAt: Number.isNaN(created) ? now : created,
        })
        .where(eq(onboardings.id, onboarding.id))
        .run();
    },
  } satisfies StepResult;
};
