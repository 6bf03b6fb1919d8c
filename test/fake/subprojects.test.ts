import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeUpstreams } from '../../mocks/serve.ts';
import {
  rpcErrorBodySchema,
  subprojectListSchema,
  subprojectSchema,
} from '../../src/upstreams/sinch/contract.ts';
import { MISSED, withWindow } from '../support/windows.ts';
import { call, control, sandboxBasic, sleep, startFake } from './helpers.ts';

let fake: FakeUpstreams;
let auth: string;

beforeAll(async () => {
  fake = await startFake();
  auth = sandboxBasic(fake);
});
afterAll(() => fake.close());
beforeEach(async () => {
  await control(fake, 'POST', '/reset');
});

const parent = () => fake.credentials.sinchProjectId;
const collection = (version = 'v1', project = parent()) =>
  `${fake.urls.subprojects}/${version}/projects/${project}/subprojects`;
const create = (body: unknown, version = 'v1', project = parent()) =>
  call('POST', collection(version, project), { auth, body });

describe('Sinch Subprojects', () => {
  it('creates a subproject with a ULID, the parent from the path, on v1 and v1alpha1', async () => {
    for (const version of ['v1', 'v1alpha1']) {
      const answer = await create(
        { displayName: 'Taco Time', labels: { region: 'US-Northwest' }, parentProjectId: 'x' },
        version,
      );
      expect(answer.status).toBe(200);
      const subproject = subprojectSchema.parse(answer.body);
      expect(subproject.subprojectId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(subproject).toMatchObject({
        displayName: 'Taco Time',
        labels: { region: 'US-Northwest' },
        parentProjectId: parent(),
        deleted: false,
      });
      expect(Date.parse(subproject.createTime)).not.toBeNaN();
    }
    const list = subprojectListSchema.parse((await call('GET', collection(), { auth })).body);
    expect(list.subprojects).toHaveLength(2);
  });

  it('makes a new subproject on every create (no idempotency)', async () => {
    const a = (await create({ displayName: 'Same' })).body.subprojectId;
    const b = (await create({ displayName: 'Same' })).body.subprojectId;
    expect(a).not.toBe(b);
  });

  it('refuses a bad body with INVALID_ARGUMENT naming the field', async () => {
    for (const body of [{}, { displayName: '' }, { displayName: 'x'.repeat(256) }]) {
      const answer = await create(body);
      expect(answer.status).toBe(400);
      const { error } = rpcErrorBodySchema.parse(answer.body);
      expect(error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
      expect(error.message).toMatch(/displayName/);
      expect(error.details[0]).toMatchObject({
        '@type': 'type.googleapis.com/google.rpc.BadRequest',
        fieldViolations: [{ field: 'displayName' }],
      });
    }
  });

  it('refuses another parent project with FAILED_PRECONDITION', async () => {
    const answer = await create({ displayName: 'x' }, 'v1', 'someone-elses-project');
    expect(answer.status).toBe(400);
    expect(answer.body.error.status).toBe('FAILED_PRECONDITION');
  });

  it('answers an unknown version or id with NOT_FOUND', async () => {
    const version = await create({ displayName: 'x' }, 'v2');
    expect(version.status).toBe(404);
    expect(version.body.error.status).toBe('NOT_FOUND');
    const id = await call(
      'GET',
      `${fake.urls.subprojects}/v1/subprojects/01ARZ3NDEKTSV4RRFFQ69G5FAV`,
      {
        auth,
      },
    );
    expect(id.status).toBe(404);
    expect(id.body.error.status).toBe('NOT_FOUND');
  });

  it('pages through the list with opaque tokens, an empty token on the last page', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await create({ displayName: `S${i}` })).body.subprojectId);

    const seen: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const query = `?pageSize=2${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`;
      const page = subprojectListSchema.parse(
        (await call('GET', `${collection()}${query}`, { auth })).body,
      );
      seen.push(...page.subprojects.map((s) => s.subprojectId));
      token = page.nextPageToken ?? '';
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(ids);

    const defaults = subprojectListSchema.parse((await call('GET', collection(), { auth })).body);
    expect(defaults.subprojects).toHaveLength(5);
    expect(defaults.nextPageToken ?? '').toBe('');
  });

  it('refuses a page size outside 1..1000 and a forged page token', async () => {
    for (const query of ['?pageSize=0', '?pageSize=1001', '?pageSize=abc', '?pageToken=forged']) {
      const answer = await call('GET', `${collection()}${query}`, { auth });
      expect(answer.status).toBe(400);
      expect(answer.body.error.status).toBe('INVALID_ARGUMENT');
    }
  });

  it('gets, then deletes: the subproject is listed again only with showDeleted', async () => {
    const { subprojectId } = (await create({ displayName: 'Gone soon' })).body;
    const item = `${fake.urls.subprojects}/v1/subprojects/${subprojectId}`;
    expect((await call('GET', item, { auth })).body.displayName).toBe('Gone soon');

    const deleted = await call('DELETE', item, { auth });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({});
    expect((await call('GET', collection(), { auth })).body.subprojects).toEqual([]);
    const withDeleted = await call('GET', `${collection()}?showDeleted=true`, { auth });
    expect(withDeleted.body.subprojects).toMatchObject([{ subprojectId, deleted: true }]);
    expect((await call('DELETE', item, { auth })).status).toBe(404);
  });
});

describe('a brand-new subproject', () => {
  const senders = (project: string) =>
    `${fake.urls.provisioning}/v1/projects/${project}/whatsapp/senders`;
  const apps = (project: string) => `${fake.urls.conversation.eu}/v1/projects/${project}/apps`;

  it('is refused by Provisioning and Conversation until it has warmed up', async () => {
    // Both early calls must land within the warm-up: a machine too slow for that tries again with
    // a longer one.
    await withWindow(150, 9_600, async (warmupMs) => {
      await control(fake, 'PATCH', '/config', { subprojectWarmupMs: warmupMs });
      try {
        const requested = Date.now();
        const { subprojectId } = (await create({ displayName: 'Fresh' })).body;
        const created = Date.now();
        const early = await call('GET', senders(subprojectId), { auth });
        const earlyApps = await call('GET', apps(subprojectId), { auth });
        if (Date.now() >= requested + warmupMs) return MISSED;
        expect(early.status).toBe(404);
        expect(early.body.errorCode).toBe('project_not_found');
        expect(earlyApps.status).toBe(403);
        expect(earlyApps.body.error.status).toBe('PERMISSION_DENIED');

        await sleep(created + warmupMs + 50 - Date.now());
        expect((await call('GET', senders(subprojectId), { auth })).status).toBe(200);
        expect((await call('GET', apps(subprojectId), { auth })).status).toBe(200);
      } finally {
        await control(fake, 'PATCH', '/config', { subprojectWarmupMs: 0 });
      }
    });
  });

  it('never becomes usable when it does not exist or was deleted', async () => {
    expect((await call('GET', senders('no-such-project'), { auth })).status).toBe(404);
    expect((await call('GET', apps('no-such-project'), { auth })).status).toBe(403);
    const { subprojectId } = (await create({ displayName: 'Deleted' })).body;
    await call('DELETE', `${fake.urls.subprojects}/v1/subprojects/${subprojectId}`, { auth });
    expect((await call('GET', senders(subprojectId), { auth })).status).toBe(404);
  });
});
