import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/upstreams/errors.ts';
import type { SinchSubprojectsClient } from '../../src/upstreams/sinch/subprojects.ts';
import { sinchClients } from '../support/clients.ts';
import { fastTuning, type Sandbox, startSandbox } from '../support/fake.ts';

let sandbox: Sandbox;
let subprojects: SinchSubprojectsClient;
const tuning = fastTuning();

beforeAll(async () => {
  sandbox = await startSandbox();
  // Basic auth: the fake forgets tokens on every reset, and token renewal is sinch-auth.test.ts's subject.
  subprojects = sinchClients(sandbox, tuning, 'basic').subprojects;
});
afterAll(async () => {
  await tuning.pools.close();
  await sandbox.close();
});
beforeEach(() => sandbox.reset());

const creates = async () =>
  (await sandbox.journal('subprojects')).filter((e) => e.method === 'POST');

describe('Sinch subprojects', () => {
  it('creates a subproject under the parent project and reads it back', async () => {
    const created = await subprojects.create({
      displayName: 'Taco Time',
      labels: { customer: 'taco-1' },
    });
    expect(created).toMatchObject({
      displayName: 'Taco Time',
      labels: { customer: 'taco-1' },
      parentProjectId: sandbox.credentials.sinchProjectId,
      deleted: false,
    });
    expect(created.subprojectId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(await subprojects.get(created.subprojectId)).toEqual(created);
  });

  it('lists every subproject across pages', async () => {
    const made = [];
    for (const name of ['a', 'b', 'c', 'd', 'e'])
      made.push(await subprojects.create({ displayName: name }));
    const firstPage = await subprojects.list({ pageSize: 2 });
    expect(firstPage.subprojects).toHaveLength(2);
    expect(firstPage.nextPageToken).toBeTruthy();
    const all = [];
    for await (const s of subprojects.listAll({ pageSize: 2 })) all.push(s.subprojectId);
    expect(all.sort()).toEqual(made.map((s) => s.subprojectId).sort());
  });

  it('maps a bad display name to invalid_request with INVALID_ARGUMENT', async () => {
    const error = await subprojects.create({ displayName: '' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ kind: 'invalid_request', status: 400, code: 'INVALID_ARGUMENT' });
  });

  it('maps an unknown subproject to not_found', async () => {
    const error = await subprojects.get('01HZZZZZZZZZZZZZZZZZZZZZZZ').catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'not_found', status: 404, code: 'NOT_FOUND' });
  });

  it('repeats a create the upstream turned away with 503, ending with exactly one subproject', async () => {
    await sandbox.fault({
      upstream: 'subprojects',
      method: 'POST',
      kind: 'status',
      status: 503,
      times: 1,
    });
    await subprojects.create({ displayName: 'after-503' });
    expect((await creates()).map((e) => e.status)).toEqual([503, 200]);
    expect((await subprojects.list()).subprojects).toHaveLength(1);
  });

  it('does not repeat a create that may have been applied (500), and says the outcome is unknown', async () => {
    await sandbox.fault({
      upstream: 'subprojects',
      method: 'POST',
      kind: 'status',
      status: 500,
      times: 1,
    });
    const error = await subprojects.create({ displayName: 'after-500' }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      kind: 'unavailable',
      retryable: true,
      outcomeUnknown: true,
      attempts: 1,
    });
    expect(await creates()).toHaveLength(1);
  });

  it('does not repeat a create whose connection was reset after sending', async () => {
    await sandbox.fault({ upstream: 'subprojects', method: 'POST', kind: 'reset', times: 1 });
    const error = await subprojects.create({ displayName: 'after-reset' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'network', outcomeUnknown: true, attempts: 1 });
  });

  it('retries reads through a reset', async () => {
    await sandbox.fault({ upstream: 'subprojects', method: 'GET', kind: 'reset', times: 2 });
    expect((await subprojects.list()).subprojects).toEqual([]);
  });
});
