// Where a chosen scenario meets the fake's records: the customer's subproject gets its faults and
// warm-up, and a subproject created with the `sandbox-scenario` label chooses one itself.
import type { SubprojectRecord } from '../data/subprojects.ts';
import type { SandboxState } from './sandbox.ts';
import { SCENARIO_LABEL, type ScenarioBinding } from './scenarios.ts';

/** Binds the scenario to the customer's subproject: its faults, and its warm-up. */
export async function applyScenarioToSubproject(
  sandbox: SandboxState,
  binding: ScenarioBinding,
  subprojectId: string,
): Promise<void> {
  sandbox.scenarios.link(binding, { subprojectId });
  for (const fault of binding.plan.faults(subprojectId)) sandbox.faults.add(fault);
  const warmup = binding.plan.subprojectWarmupMs;
  if (warmup === undefined) return;
  const record = sandbox.db.subprojects.findFirst((q) => q.where({ subprojectId }));
  if (!record) return;
  await sandbox.db.subprojects.update(record, {
    data(s) {
      s.usableAt = Date.parse(s.createTime) + warmup;
    },
  });
}

/**
 * A new subproject: the label chooses a scenario for it (and for the customer its displayName
 * names, the gateway's default); else a scenario chosen for the customer whose client identifier
 * is its displayName applies to it.
 */
export async function scenarioForNewSubproject(
  sandbox: SandboxState,
  record: SubprojectRecord,
): Promise<void> {
  const label = record.labels?.[SCENARIO_LABEL];
  const { scenarios } = sandbox;
  let binding: ScenarioBinding | undefined;
  if (label) {
    binding = scenarios.bind(label, { subprojectId: record.subprojectId });
    if (binding && !scenarios.forCustomer(record.displayName)) {
      scenarios.link(binding, { clientIdentifier: record.displayName });
    }
  } else {
    const chosen = scenarios.forCustomer(record.displayName);
    if (chosen && !chosen.subprojectId) binding = chosen;
  }
  if (binding) await applyScenarioToSubproject(sandbox, binding, record.subprojectId);
}
