// Sinch Subprojects API (contracts C): Google-RPC errors, `v1` and the deprecated `v1alpha1`
// prefix alike, soft delete, and no idempotency: every create makes a new subproject.
import { type HttpHandler, HttpResponse, http, type PathParams } from 'msw';
import {
  createSubprojectRequestSchema,
  emptyBodySchema,
  subprojectListSchema,
  subprojectSchema,
} from '../../src/upstreams/sinch/contract.ts';
import type { SubprojectRecord } from '../data/subprojects.ts';
import type { SandboxState } from '../sandbox/sandbox.ts';
import { scenarioForNewSubproject } from '../sandbox/scenario-wiring.ts';
import { conform } from './conform.ts';
import { badRequestDetail, rpcError, rpcUnauthenticated } from './error-bodies.ts';
import { decodePageToken, encodePageToken, paginate, parsePageSize } from './pagination.ts';
import { type Problem, parseJsonBody, problemText } from './request-body.ts';
import { isAuthorizedForSinch } from './sinch-credentials.ts';

const BASE = '/sinch/subprojects/:version';
const VERSIONS = new Set(['v1', 'v1alpha1']);
const updateSubprojectRequestSchema = createSubprojectRequestSchema.partial();

function subprojectView(record: SubprojectRecord) {
  return conform(subprojectSchema, {
    subprojectId: record.subprojectId,
    displayName: record.displayName,
    ...(record.labels ? { labels: record.labels } : {}),
    parentProjectId: record.parentProjectId,
    createTime: record.createTime,
    updateTime: record.updateTime,
    deleted: record.deleted,
  });
}

const invalidArgument = (problems: Problem[]) =>
  rpcError(400, 'INVALID_ARGUMENT', problemText(problems), [badRequestDetail(problems)]);
const notFound = (id: string) => rpcError(404, 'NOT_FOUND', `Subproject ${id} was not found.`);

export function createSubprojectsHandlers(sandbox: SandboxState): HttpHandler[] {
  const { db } = sandbox;

  /** An unknown API version is an unknown path: fall through to the upstream's 404. */
  const known = (params: PathParams) => VERSIONS.has(String(params.version));
  const find = (id: string) => db.subprojects.findFirst((q) => q.where({ subprojectId: id }));

  return [
    http.post(`${BASE}/projects/:parentProjectId/subprojects`, async ({ request, params }) => {
      if (!known(params)) return;
      if (!isAuthorizedForSinch(sandbox, request)) return rpcUnauthenticated();
      const parentProjectId = String(params.parentProjectId);
      if (parentProjectId !== sandbox.credentials.sinchProjectId) {
        return rpcError(
          400,
          'FAILED_PRECONDITION',
          `Parent project ${parentProjectId} is invalid or missing.`,
        );
      }
      const body = await parseJsonBody(request, createSubprojectRequestSchema);
      if (!body.ok) return invalidArgument(body.problems);

      const now = new Date();
      const record = await db.subprojects.create({
        subprojectId: sandbox.ids.ulid(),
        displayName: body.data.displayName,
        labels: body.data.labels,
        parentProjectId,
        createTime: now.toISOString(),
        updateTime: now.toISOString(),
        deleted: false,
        usableAt: now.getTime() + sandbox.config.subprojectWarmupMs,
      });
      await scenarioForNewSubproject(sandbox, record);
      return HttpResponse.json(subprojectView(record));
    }),

    http.get(`${BASE}/projects/:parentProjectId/subprojects`, ({ request, params }) => {
      if (!known(params)) return;
      if (!isAuthorizedForSinch(sandbox, request)) return rpcUnauthenticated();
      const parentProjectId = String(params.parentProjectId);
      if (parentProjectId !== sandbox.credentials.sinchProjectId) {
        return rpcError(
          403,
          'PERMISSION_DENIED',
          `The caller does not have permission on project ${parentProjectId}.`,
        );
      }
      const query = new URL(request.url).searchParams;
      const pageSize = parsePageSize(query.get('pageSize'), { min: 1, max: 1000, fallback: 100 });
      if (pageSize === undefined) {
        return invalidArgument([{ field: 'pageSize', description: 'must be between 1 and 1000' }]);
      }
      const showDeleted = query.get('showDeleted') === 'true';
      const scope = `subprojects:${parentProjectId}:${showDeleted}`;
      const token = query.get('pageToken');
      const offset = token ? decodePageToken(token, scope) : 0;
      if (offset === undefined) {
        return invalidArgument([{ field: 'pageToken', description: 'is not a valid page token' }]);
      }

      const all = db.subprojects.findMany((q) =>
        q.where({ parentProjectId, deleted: (deleted) => showDeleted || !deleted }),
      );
      const page = paginate(all, offset, pageSize);
      return HttpResponse.json(
        conform(subprojectListSchema, {
          subprojects: page.items.map(subprojectView),
          // Sinch marks the last page with an empty token.
          nextPageToken:
            page.nextOffset === undefined ? '' : encodePageToken(page.nextOffset, scope),
        }),
      );
    }),

    http.get(`${BASE}/subprojects/:subprojectId`, ({ request, params }) => {
      if (!known(params)) return;
      if (!isAuthorizedForSinch(sandbox, request)) return rpcUnauthenticated();
      const record = find(String(params.subprojectId));
      return record
        ? HttpResponse.json(subprojectView(record))
        : notFound(String(params.subprojectId));
    }),

    http.patch(`${BASE}/subprojects/:subprojectId`, async ({ request, params }) => {
      if (!known(params)) return;
      if (!isAuthorizedForSinch(sandbox, request)) return rpcUnauthenticated();
      const record = find(String(params.subprojectId));
      if (!record || record.deleted) return notFound(String(params.subprojectId));
      const body = await parseJsonBody(request, updateSubprojectRequestSchema);
      if (!body.ok) return invalidArgument(body.problems);
      const updated = await db.subprojects.update(record, {
        data(s) {
          if (body.data.displayName !== undefined) s.displayName = body.data.displayName;
          if (body.data.labels !== undefined) s.labels = body.data.labels;
          s.updateTime = new Date().toISOString();
        },
      });
      return HttpResponse.json(subprojectView(updated ?? record));
    }),

    http.delete(`${BASE}/subprojects/:subprojectId`, async ({ request, params }) => {
      if (!known(params)) return;
      if (!isAuthorizedForSinch(sandbox, request)) return rpcUnauthenticated();
      const record = find(String(params.subprojectId));
      if (!record || record.deleted) return notFound(String(params.subprojectId));
      await db.subprojects.update(record, {
        data(s) {
          s.deleted = true;
          s.updateTime = new Date().toISOString();
        },
      });
      return HttpResponse.json(conform(emptyBodySchema, {}));
    }),
  ];
}
