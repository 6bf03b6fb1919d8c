// Sinch Provisioning API, WhatsApp senders (contracts D.2 to D.5). A sender is created IN_PROGRESS
// and settles later (see sandbox/sender-lifecycle.ts); its bearerToken exists only once ACTIVE.
import { type HttpHandler, HttpResponse, http } from 'msw';
import {
  BUSINESS_MANAGERS_BY_REGION,
  type ConversationRegion,
  createSenderRequestSchema,
  SENDER_CHANGE_STATUSES,
  SENDER_STATES,
  type SenderRegion,
  senderListSchema,
  senderSchema,
} from '../../src/upstreams/sinch/contract.ts';
import type { SenderRecord } from '../data/senders.ts';
import { redeemMetaCode } from '../sandbox/meta-codes.ts';
import type { Sandbox } from '../sandbox/sandbox.ts';
import { conform } from './conform.ts';
import { papiError } from './error-bodies.ts';
import { decodePageToken, papiPage, parsePageSize } from './pagination.ts';
import { invalidBody, invalidPageSize, invalidPageToken, notJson } from './provisioning-errors.ts';
import { guardProject } from './provisioning-guard.ts';
import { declaresJson, parseJsonBody } from './request-body.ts';
import { senderView } from './sender-view.ts';

const SENDERS = '/sinch/provisioning/v1/projects/:projectId/whatsapp/senders';

const META_LOCAL_STORAGE_BY_REGION: Record<SenderRegion, string> = { US: 'US', EU: 'DE', BR: 'BR' };
const COMPATIBLE_REGIONS: Record<SenderRegion, ConversationRegion[]> = {
  US: ['us', 'eu'],
  EU: ['eu', 'us'],
  BR: ['br', 'us'],
};
const PHONE_NUMBER_BY_REGION: Record<SenderRegion, { countryCode: string; digits: number }> = {
  US: { countryCode: '1', digits: 10 },
  EU: { countryCode: '44', digits: 10 },
  BR: { countryCode: '55', digits: 11 },
};

const senderNotFound = () =>
  papiError(404, 'sender_not_found', 'Sender not found.', 'Verify that senderId is correct.');

/** Repeated query parameters or one comma-separated value; both spellings are seen in clients. */
function listParam(query: URLSearchParams, name: string): string[] {
  return query
    .getAll(name)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

function unknownValues(values: string[], allowed: readonly string[], field: string): string[] {
  return values
    .filter((v) => !allowed.includes(v))
    .map((v) => `${field} must be one of ${allowed.join(', ')} (got ${v})`);
}

export function createProvisioningHandlers(sandbox: Sandbox): HttpHandler[] {
  const { db, ids } = sandbox;
  const findSender = (projectId: string, id: string) =>
    db.senders.findFirst((q) => q.where({ id, projectId }));

  return [
    http.post(SENDERS, async ({ request, params }) => {
      const access = guardProject(sandbox, request, params);
      if (!access.ok) return access.response;
      if (!declaresJson(request)) return notJson();
      const body = await parseJsonBody(request, createSenderRequestSchema);
      if (!body.ok) return invalidBody(body.problems, body.malformed);

      const region = body.data.region ?? 'US';
      const allowedManagers = BUSINESS_MANAGERS_BY_REGION[region];
      const businessManager = body.data.businessManager ?? allowedManagers[0]!;
      if (!allowedManagers.includes(businessManager)) {
        return papiError(
          400,
          'invalid_business_manager',
          `Business manager ${businessManager} is not supported for region ${region}.`,
          `Use one of: ${allowedManagers.join(', ')}.`,
          { region, supportedBusinessManagers: [...allowedManagers] },
        );
      }
      // Assumption: Sinch refuses a phone number that any live sender uses, whichever project it is
      // in (contracts D.2 documents the code, not its scope). A deleted (INACTIVE) sender frees it.
      const holder = db.senders.findFirst((q) =>
        q.where({
          phoneNumberId: body.data.phoneNumberId,
          state: (state) => state !== 'INACTIVE',
        }),
      );
      if (holder) {
        return papiError(
          409,
          'used_phone_number_id',
          `Phone number id ${body.data.phoneNumberId} is already used by another sender.`,
          'Use the existing sender, or delete it before creating a new one.',
          { senderId: holder.id, projectId: holder.projectId },
        );
      }

      // After the phone number check: a retry of a create that went through meets the 409 (and
      // adopts what it made) before its code, used up by that create, is looked at.
      if (body.data.authenticationCode !== undefined) {
        const refused = await redeemMetaCode(sandbox, body.data.authenticationCode, body.data);
        if (refused) {
          return papiError(
            400,
            'invalid_facebook_token',
            refused,
            'Run Embedded Signup again for a new code, and create the sender within its lifetime.',
          );
        }
      }

      const now = new Date().toISOString();
      const phone = PHONE_NUMBER_BY_REGION[region];
      const record: SenderRecord = {
        id: ids.uuid(),
        projectId: access.projectId,
        wabaId: body.data.wabaId,
        phoneNumberId: body.data.phoneNumberId,
        state: 'IN_PROGRESS',
        changes: { status: 'IN_PROGRESS', details: {} },
        region,
        metaLocalStorage: body.data.metaLocalStorage ?? META_LOCAL_STORAGE_BY_REGION[region],
        businessManager,
        compatibleRegions: COMPATIBLE_REGIONS[region],
        cloudApi: true,
        bearerToken: null,
        countryCode: phone.countryCode,
        phoneNumber: ids.digits(phone.digits),
        created: now,
        modified: now,
      };
      const sender = await db.senders.create(record);
      sandbox.senders.scheduleOutcome(sender.id);
      return HttpResponse.json(conform(senderSchema, senderView(sender, { omitState: true })), {
        status: 201,
      });
    }),

    http.get(SENDERS, ({ request, params }) => {
      const access = guardProject(sandbox, request, params);
      if (!access.ok) return access.response;
      const query = new URL(request.url).searchParams;
      const pageSize = parsePageSize(query.get('pageSize'), { min: 1, max: 100, fallback: 50 });
      if (pageSize === undefined) return invalidPageSize(100);
      const states = listParam(query, 'filterStates');
      const statuses = listParam(query, 'filterStatuses');
      const problems = [
        ...unknownValues(states, SENDER_STATES, 'filterStates'),
        ...unknownValues(statuses, SENDER_CHANGE_STATUSES, 'filterStatuses'),
      ];
      if (problems.length > 0) {
        return invalidBody(
          problems.map((description) => ({ field: '', description })),
          false,
        );
      }
      const scope = `senders:${access.projectId}:${states.join(',')}:${statuses.join(',')}`;
      const token = query.get('pageToken');
      const offset = token ? decodePageToken(token, scope) : 0;
      if (offset === undefined) return invalidPageToken();

      const all = db.senders.findMany((q) =>
        q.where(
          (s) =>
            s.projectId === access.projectId &&
            (states.length === 0 || states.includes(s.state)) &&
            (statuses.length === 0 || (s.changes !== null && statuses.includes(s.changes.status))),
        ),
      );
      const { items, ...page } = papiPage(all, offset, pageSize, scope);
      return HttpResponse.json(
        conform(senderListSchema, { ...page, senders: items.map((s) => senderView(s)) }),
      );
    }),

    http.get(`${SENDERS}/:senderId`, ({ request, params }) => {
      const access = guardProject(sandbox, request, params);
      if (!access.ok) return access.response;
      const sender = findSender(access.projectId, String(params.senderId));
      return sender
        ? HttpResponse.json(conform(senderSchema, senderView(sender)))
        : senderNotFound();
    }),

    http.delete(`${SENDERS}/:senderId`, async ({ request, params }) => {
      const access = guardProject(sandbox, request, params);
      if (!access.ok) return access.response;
      const sender = findSender(access.projectId, String(params.senderId));
      if (!sender) return senderNotFound();
      if (sender.state === 'INACTIVE') {
        return papiError(
          409,
          'sender_already_deleted',
          'The sender has already been deleted.',
          'No action is needed: a deleted sender stays INACTIVE for 30 days, then disappears.',
        );
      }
      await sandbox.senders.transition(sender.id, { state: 'INACTIVE' });
      return new HttpResponse(null, { status: 204 });
    }),
  ];
}
