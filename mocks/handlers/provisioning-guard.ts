// Every Provisioning call first checks the caller's credentials, then that the project exists and
// is usable (a fresh subproject is not, for a while: contracts gap 11).
import type { PathParams } from 'msw';
import type { SandboxState } from '../sandbox/sandbox.ts';
import { isUsableProject } from './project-access.ts';
import { projectNotFound, unauthorized } from './provisioning-errors.ts';
import { isAuthorizedForSinch } from './sinch-credentials.ts';

export type ProjectAccess = { ok: true; projectId: string } | { ok: false; response: Response };

export function guardProject(
  sandbox: SandboxState,
  request: Request,
  params: PathParams,
): ProjectAccess {
  if (!isAuthorizedForSinch(sandbox, request)) return { ok: false, response: unauthorized() };
  const projectId = String(params.projectId);
  if (!isUsableProject(sandbox, projectId)) {
    return { ok: false, response: projectNotFound(projectId) };
  }
  return { ok: true, projectId };
}
