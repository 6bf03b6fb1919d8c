// Every Conversation API call: a region host the API has, valid credentials, and a project the key
// may use (a fresh subproject is refused for a while: contracts gap 11).
import type { PathParams } from 'msw';
import {
  type ConversationRegion,
  conversationRegionSchema,
} from '../../src/upstreams/sinch/contract.ts';
import type { SandboxState } from '../sandbox/sandbox.ts';
import { badRequestDetail, rpcError, rpcUnauthenticated } from './error-bodies.ts';
import { isUsableProject } from './project-access.ts';
import { type Problem, problemText } from './request-body.ts';
import { isAuthorizedForSinch } from './sinch-credentials.ts';

export type ConversationAccess =
  | { ok: true; projectId: string; region: ConversationRegion }
  | { ok: false; response: Response };

/** undefined for a region with no host: the request falls through to the upstream's 404. */
export function guardConversation(
  sandbox: SandboxState,
  request: Request,
  params: PathParams,
): ConversationAccess | undefined {
  const region = conversationRegionSchema.safeParse(params.region);
  if (!region.success) return undefined;
  if (!isAuthorizedForSinch(sandbox, request)) return { ok: false, response: rpcUnauthenticated() };
  const projectId = String(params.projectId);
  if (!isUsableProject(sandbox, projectId)) {
    return {
      ok: false,
      response: rpcError(
        403,
        'PERMISSION_DENIED',
        `The credentials do not give access to project ${projectId}.`,
      ),
    };
  }
  return { ok: true, projectId, region: region.data };
}

export const invalidArgument = (problems: Problem[]) =>
  rpcError(400, 'INVALID_ARGUMENT', problemText(problems), [badRequestDetail(problems)]);
