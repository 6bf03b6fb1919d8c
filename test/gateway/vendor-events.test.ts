// Signed events to the vendor's backend, over real HTTP: a vendor registers an endpoint (the secret
// shown once), runs onboardings and receives every event, in order, signed; an endpoint that keeps
// failing is retried on a growing schedule until it answers; a gateway restarted on the same
// database carries on with what was pending; deliveries are listed with their attempts and
// replayed; bad input and other scopes are refused.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { startGateway } from '../../src/gateway.ts';
import { withSandbox } from '../../src/sandbox.ts';
import { verifyEventSignature } from '../../src/vendor-events/contract.ts';
import { testStoreEnv } from '../support/databases.ts';
import { startSandbox } from '../support/fake.ts';
import {
  graphql,
  newBootstrapKey,
  startTestGateway,
  type TestGateway,
  testEnv,
} from '../support/gateway.ts';
import {
  CancelOnboarding,
  CreateEventEndpoint,
  DeleteEventEndpoint,
  type Document,
  type EventDeliveryView,
  ListEventDeliveries,
  ListEventEndpoints,
  OnboardCustomer,
  ReplayEventDelivery,
} from '../support/operations.ts';
import { type Delivery, type Receiver, startReceiver } from '../support/receiver.ts';
import { until } from '../support/windows.ts';

/** Small, so a test sees several retries; the cap keeps a long failing run from stretching. */
const RETRY_BASE_MS = 20;
const RETRY_MAX_MS = 400;

let t: TestGateway;
const receivers: Receiver[] = [];

beforeAll(async () => {
  t = await startTestGateway({
    env: { EVENT_RETRY_BASE_MS: String(RETRY_BASE_MS), EVENT_RETRY_MAX_MS: String(RETRY_MAX_MS) },
  });
});
afterAll(async () => {
  await t.close();
  await Promise.all(receivers.map((r) => r.close()));
});

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

async function onboard(clientIdentifier: string) {
  const res = await t.gql(OnboardCustomer, {
    input: { clientIdentifier, displayName: `Shop ${clientIdentifier}`, region: 'EU' },
  });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.onboardCustomer.onboarding;
}

async function createEndpoint(input: { url: string; onboardingId?: string; description?: string }) {
  const res = await t.gql(CreateEventEndpoint, { input });
  expect(res.body.errors).toBeUndefined();
  const result = res.body.data!.createEventEndpoint;
  expect(result.__typename).toBe('CreateEventEndpointSuccess');
  return result.created!;
}

async function deliveries(variables: Record<string, unknown>): Promise<EventDeliveryView[]> {
  const res = await t.gql(ListEventDeliveries, { first: 100, ...variables });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.eventDeliveries.edges.map((e) => e.node);
}

async function completeSignup(clientIdentifier: string, onboardingId: string) {
  await t.sandbox.control('POST', '/sendzen/signups', { clientIdentifier, status: 'completed' });
  return t.waitForOnboarding(onboardingId, (o) => o.status === 'READY');
}

const bodyOf = (d: Delivery) => d.json as Record<string, unknown> & { id: string };

/** The README's verification, step for step: node:crypto only. */
function verifyAsTheReadmeDoes(header: string, rawBody: string, secret: string): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
  const expected = createHmac('sha256', secret).update(`${parts.t}.${rawBody}`).digest();
  const given = Buffer.from(parts.v1 ?? '', 'hex');
  const fresh = Math.abs(Date.now() / 1000 - Number(parts.t)) <= 300;
  return fresh && given.length === expected.length && timingSafeEqual(given, expected);
}

describe('events to the vendor’s backend', () => {
  it('shows the secret once, then only a preview; delivers every event of an onboarding in order, signed', async () => {
    const backend = await receiver();
    const { endpoint, secret } = await createEndpoint({
      url: `${backend.url}/events?source=gateway`,
      description: 'all onboardings',
    });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(endpoint).toMatchObject({
      url: `${backend.url}/events?source=gateway`,
      onboarding: null,
      description: 'all onboardings',
      secretPreview: `…${secret.slice(-4)}`,
      disabledAt: null,
    });
    const listed = await t.gql(ListEventEndpoints);
    expect(listed.body.data!.eventEndpoints).toContainEqual(endpoint);
    expect(JSON.stringify(listed.body)).not.toContain(secret);

    const onboarding = await onboard('events-all');
    const ready = await completeSignup('events-all', onboarding.id);
    const log = ready.events.edges.map((e) => e.node);
    const received = await until(() => {
      const mine = backend.deliveries.filter((d) => bodyOf(d).clientIdentifier === 'events-all');
      return mine.length >= log.length ? mine : undefined;
    });

    // Every event, in the order of the onboarding's own log, each once.
    expect(received.map((d) => bodyOf(d).type)).toEqual(log.map((e) => e.type));
    const ids = received.map((d) => Number(bodyOf(d).id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    for (const [i, d] of received.entries()) {
      expect(d.path).toBe('/events?source=gateway');
      expect(d.headers['content-type']).toBe('application/json');
      expect(d.headers['user-agent']).toMatch(/gateway/);
      expect(d.headers['gateway-event-id']).toBe(bodyOf(d).id);
      expect(d.headers['gateway-delivery-id']).toMatch(/^[0-9A-Z]{26}$/);
      expect(bodyOf(d)).toMatchObject({
        onboardingId: onboarding.id,
        clientIdentifier: 'events-all',
        type: log[i]!.type,
        message: log[i]!.message,
        step: log[i]!.step,
      });
      const header = d.headers['gateway-signature'] as string;
      expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(verifyEventSignature(header, d.rawBody, secret)).toMatchObject({ ok: true });
      expect(verifyAsTheReadmeDoes(header, d.rawBody, secret)).toBe(true);
    }
    const last = received.at(-1)!;
    expect(bodyOf(last)).toMatchObject({ type: 'status.changed', onboarding: { status: 'READY' } });

    // What a forger or a replayer would send does not verify.
    const header = last.headers['gateway-signature'] as string;
    const tampered = last.rawBody.replace('"READY"', '"CANCELLED"');
    expect(verifyEventSignature(header, tampered, secret)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifyAsTheReadmeDoes(header, tampered, secret)).toBe(false);
    expect(verifyEventSignature(header, last.rawBody, `${secret}x`)).toMatchObject({ ok: false });
    expect(
      verifyEventSignature(header, last.rawBody, secret, { now: Date.now() + 301_000 }),
    ).toEqual({ ok: false, reason: 'too old' });

    // Listed as delivered, each with its one 200 attempt; never the secret.
    const listedDeliveries = await deliveries({ endpointId: endpoint.id });
    const mine = listedDeliveries.filter((d) => d.onboarding?.id === onboarding.id);
    expect(mine).toHaveLength(received.length);
    for (const d of mine) {
      expect(d.status).toBe('DELIVERED');
      expect(d.attempts.map((a) => a.statusCode)).toEqual([200]);
      expect(d.deliveredAt).not.toBeNull();
    }
    expect(JSON.stringify(listedDeliveries)).not.toContain(secret);

    // Deleted: listed with disabledAt, and the next onboarding's events are not stored for it.
    const deleted = await t.gql(DeleteEventEndpoint, { id: endpoint.id });
    expect(deleted.body.data!.deleteEventEndpoint.endpoint!.disabledAt).not.toBeNull();
    const after = await onboard('events-after-delete');
    expect(await deliveries({ onboardingId: after.id })).toEqual([]);
  });

  it('sends an endpoint for one onboarding that onboarding’s events only', async () => {
    const backend = await receiver();
    const mine = await onboard('events-mine');
    const other = await onboard('events-other');
    const { endpoint } = await createEndpoint({ url: backend.url, onboardingId: mine.id });
    expect(endpoint.onboarding).toEqual({ id: mine.id });

    await completeSignup('events-other', other.id);
    const ready = await completeSignup('events-mine', mine.id);
    // The change that made it READY ends with status.changed (its other events say READY too).
    await until(() =>
      backend.deliveries.some(
        (d) =>
          bodyOf(d).type === 'status.changed' &&
          (bodyOf(d).onboarding as { status: string }).status === 'READY',
      )
        ? true
        : undefined,
    );
    expect(new Set(backend.deliveries.map((d) => bodyOf(d).clientIdentifier))).toEqual(
      new Set(['events-mine']),
    );
    // Only what happened after the endpoint existed: the end of the onboarding's log.
    const types = backend.deliveries.map((d) => bodyOf(d).type);
    expect(types.length).toBeGreaterThan(0);
    expect(ready.events.edges.map((e) => e.node.type).slice(-types.length)).toEqual(types);
    expect(await deliveries({ onboardingId: other.id, endpointId: endpoint.id })).toEqual([]);
  });

  it('retries an endpoint that keeps answering 500, each wait longer, until it answers 200; replays on request', async () => {
    const backend = await receiver();
    const onboarding = await onboard('events-failing');
    const { endpoint } = await createEndpoint({ url: backend.url, onboardingId: onboarding.id });
    backend.respondAlways(500);
    await t.sandbox.control('POST', '/sendzen/signups', {
      clientIdentifier: 'events-failing',
      status: 'completed',
    });
    // The first event is retried, and nothing after it overtakes it.
    await until(() => (backend.deliveries.length >= 6 ? true : undefined));
    const firstId = bodyOf(backend.deliveries[0]!).id;
    expect(backend.deliveries.slice(0, 6).map((d) => bodyOf(d).id)).toEqual(Array(6).fill(firstId));
    backend.respondAlways(undefined);

    const delivered = await until(async () => {
      const [first] = (await deliveries({ endpointId: endpoint.id })).filter(
        (d) => d.eventId === firstId,
      );
      return first?.status === 'DELIVERED' ? first : undefined;
    });
    const codes = delivered.attempts.map((a) => a.statusCode);
    expect(codes.at(-1)).toBe(200);
    expect(codes.slice(0, -1).length).toBeGreaterThanOrEqual(6);
    expect(new Set(codes.slice(0, -1))).toEqual(new Set([500]));
    expect(delivered.lastStatusCode).toBe(200);
    // Each wait at least the schedule's: base · 2^(n−1), capped.
    const at = delivered.attempts.map((a) => Date.parse(a.at));
    for (let n = 1; n < at.length; n++) {
      const scheduled = Math.min(RETRY_BASE_MS * 2 ** (n - 1), RETRY_MAX_MS);
      expect(at[n]! - at[n - 1]!).toBeGreaterThanOrEqual(scheduled - 1);
    }
    // Then the rest, in order.
    await t.waitForOnboarding(onboarding.id, (o) => o.status === 'READY');
    await until(async () => {
      const all = await deliveries({ endpointId: endpoint.id });
      return all.length > 1 && all.every((d) => d.status === 'DELIVERED') ? all : undefined;
    });

    // Replay: the same delivery, pending again, then delivered once more with the same event id.
    const before = backend.deliveries.length;
    const replayed = await t.gql(ReplayEventDelivery, { id: delivered.id });
    expect(replayed.body.data!.replayEventDelivery).toMatchObject({
      __typename: 'ReplayEventDeliverySuccess',
      delivery: { id: delivered.id, status: 'PENDING' },
    });
    const again = await backend.waitFor((d) => backend.deliveries.indexOf(d) >= before);
    expect(again.headers['gateway-event-id']).toBe(firstId);
    expect(again.rawBody).toBe(delivered.body);
    const afterReplay = await until(async () => {
      const [d] = (await deliveries({ endpointId: endpoint.id })).filter(
        (x) => x.id === delivered.id,
      );
      return d?.status === 'DELIVERED' && d.attempts.length === codes.length + 1 ? d : undefined;
    });
    expect(afterReplay.attempts.at(-1)!.statusCode).toBe(200);

    const unknown = await t.gql(ReplayEventDelivery, { id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' });
    expect(unknown.body.data!.replayEventDelivery.__typename).toBe('EventDeliveryNotFound');
    // Failed deliveries can be listed by status.
    expect(await deliveries({ endpointId: endpoint.id, status: 'FAILED' })).toEqual([]);
  });

  it('refuses an endpoint URL that is not an absolute http(s) URL, and an onboarding that does not exist', async () => {
    for (const url of [
      'not a url',
      '/relative/path',
      'ftp://example.com/x',
      `https://e.com/${'a'.repeat(2048)}`,
    ]) {
      const res = await t.gql(CreateEventEndpoint, { input: { url } });
      expect(res.body.data ?? null).toBeNull();
      expect(res.body.errors?.[0]).toMatchObject({
        message: expect.stringMatching(/^url must be/),
        extensions: { code: 'BAD_USER_INPUT', field: 'input.url' },
      });
    }
    const missing = await t.gql(CreateEventEndpoint, {
      input: { url: 'https://example.com/events', onboardingId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' },
    });
    expect(missing.body.data!.createEventEndpoint.__typename).toBe('OnboardingNotFound');
    const deleteMissing = await t.gql(DeleteEventEndpoint, { id: 'nope' });
    expect(deleteMissing.body.data!.deleteEventEndpoint.__typename).toBe('EventEndpointNotFound');
  });

  it('is for admin keys only', async () => {
    for (const key of [await t.keyWith('read'), await t.keyWith('read', 'write')]) {
      for (const [document, variables] of [
        [CreateEventEndpoint, { input: { url: 'https://example.com/events' } }],
        [ListEventEndpoints, {}],
        [ListEventDeliveries, {}],
        [ReplayEventDelivery, { id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' }],
        [DeleteEventEndpoint, { id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' }],
      ] as [Document<unknown>, Record<string, unknown>][]) {
        const res = await t.gql(document, variables, key);
        expect(res.body.errors?.[0]?.extensions?.code, JSON.stringify(variables)).toBe('FORBIDDEN');
      }
    }
  });
});

describe('giving up', () => {
  it('marks a delivery FAILED after EVENT_MAX_ATTEMPTS, lets the next event go, and replays a failed one', async () => {
    const g = await startTestGateway({
      env: { EVENT_RETRY_BASE_MS: '10', EVENT_RETRY_MAX_MS: '40', EVENT_MAX_ATTEMPTS: '3' },
    });
    try {
      const backend = await receiver();
      const made = await g.gql(OnboardCustomer, {
        input: { clientIdentifier: 'events-give-up', displayName: 'Shop', region: 'EU' },
      });
      const onboardingId = made.body.data!.onboardCustomer.onboarding.id;
      const created = await g.gql(CreateEventEndpoint, {
        input: { url: backend.url, onboardingId },
      });
      const endpointId = created.body.data!.createEventEndpoint.created!.endpoint.id;
      backend.respondAlways(500);
      await g.gql(CancelOnboarding, { id: onboardingId });
      const list = async () => {
        const res = await g.gql(ListEventDeliveries, { first: 100, endpointId });
        return res.body.data!.eventDeliveries.edges.map((e) => e.node);
      };
      // Every event of the cancellation is tried three times, in order, then given up.
      const failed = await until(async () => {
        const all = await list();
        return all.length >= 2 && all.every((d) => d.status === 'FAILED') ? all : undefined;
      });
      for (const d of failed) {
        expect(d.attempts.map((a) => a.statusCode)).toEqual([500, 500, 500]);
        expect(d.nextAttemptAt).toBeNull();
        expect(d.deliveredAt).toBeNull();
      }
      // Each sent three times, and none before the one ahead of it was given up.
      const sent = backend.deliveries.map((d) => Number(bodyOf(d).id));
      expect(sent).toEqual([...sent].sort((a, b) => a - b));
      for (const d of failed) {
        expect(sent.filter((id) => id === Number(d.eventId))).toHaveLength(3);
      }

      backend.respondAlways(undefined);
      const oldest = failed.at(-1)!;
      const replayed = await g.gql(ReplayEventDelivery, { id: oldest.id });
      expect(replayed.body.data!.replayEventDelivery.__typename).toBe('ReplayEventDeliverySuccess');
      const delivered = await until(async () => {
        const d = (await list()).find((x) => x.id === oldest.id);
        return d?.status === 'DELIVERED' ? d : undefined;
      });
      expect(delivered.attempts.map((a) => a.statusCode)).toEqual([500, 500, 500, 200]);

      // Deleted: a failed delivery of it can no longer be replayed.
      await g.gql(DeleteEventEndpoint, { id: endpointId });
      const refused = await g.gql(ReplayEventDelivery, { id: failed[0]!.id });
      expect(refused.body.data!.replayEventDelivery.__typename).toBe('EventDeliveryNotFound');
    } finally {
      await g.close();
    }
  });
});

describe('events across a restart', () => {
  it('delivers what was pending when the gateway stopped, once started again on the same database', async () => {
    const sandbox = await startSandbox({ senderActivationMs: 50, callbackRetryDelaysMs: [20, 50] });
    const dir = mkdtempSync(join(tmpdir(), 'gateway-events-'));
    const store = await testStoreEnv();
    const backend = await receiver();
    const adminKey = newBootstrapKey();
    const headers = { authorization: `Bearer ${adminKey}` };
    const config = withSandbox(
      loadConfig(
        testEnv(dir, {
          BOOTSTRAP_API_KEY: adminKey,
          EVENT_RETRY_BASE_MS: '50',
          EVENT_RETRY_MAX_MS: '200',
          ...store.env,
        }),
      ),
      sandbox,
    );
    try {
      const first = await startGateway(config);
      let endpointId: string;
      try {
        const created = await graphql(
          first.url,
          CreateEventEndpoint,
          { input: { url: backend.url } },
          headers,
        );
        endpointId = created.body.data!.createEventEndpoint.created!.endpoint.id;
        backend.respondAlways(503);
        const res = await graphql(
          first.url,
          OnboardCustomer,
          { input: { clientIdentifier: 'events-restart', displayName: 'Shop', region: 'EU' } },
          headers,
        );
        expect(res.body.errors).toBeUndefined();
        await until(() => (backend.deliveries.length >= 2 ? true : undefined));
      } finally {
        await first.close();
      }
      const failedBefore = backend.deliveries.length;
      backend.respondAlways(undefined);

      const second = await startGateway(config);
      try {
        const all = await until(async () => {
          const res = await graphql(
            second.url,
            ListEventDeliveries,
            { first: 100, endpointId },
            headers,
          );
          const nodes = res.body.data!.eventDeliveries.edges.map((e) => e.node);
          return nodes.length > 0 && nodes.every((d) => d.status === 'DELIVERED')
            ? nodes
            : undefined;
        });
        const oldest = all.at(-1)!;
        expect(oldest.attempts.filter((a) => a.statusCode === 503).length).toBe(failedBefore);
        expect(oldest.attempts.at(-1)!.statusCode).toBe(200);
        expect(backend.deliveries.length).toBe(failedBefore + all.length);
      } finally {
        await second.close();
      }
    } finally {
      await sandbox.close();
      await store.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
