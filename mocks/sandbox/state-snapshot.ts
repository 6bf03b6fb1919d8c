// Everything the fake upstreams hold, for QA to assert on ("exactly one subproject"), with every
// secret scrubbed by field name and by value.
import { redactFields } from '../../src/upstreams/redact.ts';
import type { SandboxState } from './sandbox.ts';
import { scrubSecrets } from './scrub.ts';

export function stateSnapshot(sandbox: SandboxState) {
  const collections = Object.entries(sandbox.db).map(
    ([name, collection]) => [name, collection.all()] as const,
  );
  const snapshot = {
    counts: Object.fromEntries(collections.map(([name, records]) => [name, records.length])),
    records: redactFields(Object.fromEntries(collections)),
    scriptedSenderOutcomes: sandbox.senderOutcomes.list().length,
    faults: sandbox.faults.list().length,
  };
  return scrubSecrets(snapshot, sandbox.secrets);
}
