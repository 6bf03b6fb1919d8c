import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UpstreamError } from '../../src/upstreams/errors.ts';
import { type AuthProvider, type CallOptions, Transport } from '../../src/upstreams/http.ts';
import { subprojectSchema } from '../../src/upstreams/sinch/contract.ts';
import { parseRpcError } from '../../src/upstreams/sinch/errors.ts';
import type { SinchSubprojectsClient } from '../../src/upstreams/sinch/subprojects.ts';
import { sinchClients } from '../support/clients.ts';
import { fastTuning, type Sandbox, startSandbox } from '../support/fake.ts';
import { upstreamFailure } from '../support/upstream-error.ts';

let sandbox: Sandbox;
let subprojects: SinchSubprojectsClient;
let auth: AuthProvider;
const tuning = fastTuning();

beforeAll(async () => {
  sandbox = await startSandbox();
  // Basic auth: the fake forgets tokens on every reset, and token renewal is sinch-auth.test.ts's subject.
  ({ subprojects, auth } = sinchClients(sandbox, tuning, 'basic'));
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

  it('deletes a subproject: listed only with showDeleted after, and a second delete is not_found', async () => {
    const kept = await subprojects.create({ displayName: 'kept' });
    const extra = await subprojects.create({ displayName: 'extra' });
    await subprojects.delete(extra.subprojectId);

    expect((await subprojects.list()).subprojects.map((s) => s.subprojectId)).toEqual([
      kept.subprojectId,
    ]);
    const withDeleted = (await subprojects.list({ showDeleted: true })).subprojects;
    expect(withDeleted.find((s) => s.subprojectId === extra.subprojectId)?.deleted).toBe(true);
    const again = await upstreamFailure(subprojects.delete(extra.subprojectId));
    expect(again).toMatchObject({ kind: 'not_found', status: 404, code: 'NOT_FOUND' });
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

  it('reports a create answered with a broken body after it committed as an unknown outcome', async () => {
    await sandbox.fault({
      upstream: 'subprojects',
      method: 'POST',
      kind: 'malformed',
      after: 'commit',
    });
    const error = await upstreamFailure(
      subprojects.create({ displayName: 'broken answer', labels: { customer: 'c-1' } }),
    );
    expect(error).toMatchObject({
      kind: 'bad_response',
      status: 200,
      outcomeUnknown: true,
      retryable: true,
      attempts: 1,
    });
    expect(await creates()).toHaveLength(1);
    const found = [];
    for await (const s of subprojects.listAll()) if (s.labels?.customer === 'c-1') found.push(s);
    expect(found.map((s) => s.displayName)).toEqual(['broken answer']);
  });

  it('retries reads through a reset', async () => {
    await sandbox.fault({ upstream: 'subprojects', method: 'GET', kind: 'reset', times: 2 });
    expect((await subprojects.list()).subprojects).toEqual([]);
  });
});

describe('a 2xx answer that does not match the contract', () => {
  // The fake always answers to the contract; a stricter schema stands in for an upstream that
  // changed its format.
  const transport = () =>
    new Transport({
      ...tuning,
      upstream: 'sinch-subprojects',
      baseUrl: sandbox.urls.subprojects,
      parseErrorBody: parseRpcError,
    });
  const stricter = subprojectSchema.extend({ billingAccount: z.string() });
  const parent = () => `/v1/projects/${sandbox.credentials.sinchProjectId}/subprojects`;

  it('is an unknown outcome for a create, which may have committed', async () => {
    const call: CallOptions<unknown> = {
      operation: 'subprojects.create',
      method: 'POST',
      path: parent(),
      json: { displayName: 'unexpected shape' },
      auth,
      response: stricter,
      retry: 'create',
    };
    const error = await upstreamFailure(transport().call(call));
    expect(error).toMatchObject({ kind: 'bad_response', outcomeUnknown: true, retryable: true });
    expect(error.upstreamMessage).toMatch(/billingAccount/);
    expect((await subprojects.list()).subprojects.map((s) => s.displayName)).toEqual([
      'unexpected shape',
    ]);
  });

  it('is a plain bad_response for a read, which changed nothing', async () => {
    await subprojects.create({ displayName: 'listed' });
    const error = await upstreamFailure(
      transport().call({
        operation: 'subprojects.list',
        method: 'GET',
        path: parent(),
        auth,
        response: z.object({ subprojects: z.array(stricter) }),
        retry: 'read',
      }),
    );
    expect(error).toMatchObject({ kind: 'bad_response', outcomeUnknown: false, retryable: false });
  });
});
