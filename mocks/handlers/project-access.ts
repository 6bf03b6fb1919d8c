// Which project ids Provisioning and Conversation accept: the parent project, and each live
// subproject once it has warmed up (Sinch documents up to 30 s before a new one is usable).
import type { SandboxState } from '../sandbox/sandbox.ts';

export function isUsableProject(sandbox: SandboxState, projectId: string): boolean {
  if (projectId === sandbox.credentials.sinchProjectId) return true;
  const subproject = sandbox.db.subprojects.findFirst((q) =>
    q.where({ subprojectId: projectId, deleted: false }),
  );
  return subproject !== undefined && subproject.usableAt <= Date.now();
}
