// The repositories' contract, held by both stores: what the gateway relies on from SQLite (the
// embedded default) it relies on from PostgreSQL too, plus what only a shared store must do
// (changes to one onboarding from two connections take turns; claims run out).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/db/client.ts';
import { PostgresStore } from '../../src/db/pg/client.ts';
import type { NewEvent, OnboardingSnapshot, Store } from '../../src/db/store.ts';
import { ulid } from '../../src/ids.ts';
import { newSteps } from '../../src/onboarding/plan.ts';
import { createTestDatabase, dropTestDatabase } from '../support/databases.ts';

function newOnboarding(
  clientIdentifier: string,
  now = 1_700_000_000_000,
  attempt = 1,
): OnboardingSnapshot {
  const id = ulid(now);
  return {
    onboarding: {
      id,
      clientIdentifier,
      attempt,
      signupPath: 'SENDZEN',
      displayName: `Display ${clientIdentifier}`,
      region: 'EU',
      metaLocalStorage: null,
      labels: { plan: 'gold', 'emoji-😀': 'yes' },
      autoProvision: true,
      status: 'AWAITING_SIGNUP',
      version: 1,
      sessionGeneration: 0,
      sendzenProjectId: null,
      sendzenProjectName: null,
      sendzenApiKeySealed: null,
      sendzenApiKeyLast4: null,
      sendzenWebhookTokenSealed: 'sealed:token',
      iframeUrl: null,
      iframeUrlExpiresAt: null,
      subprojectId: null,
      subprojectCreatedAt: null,
      provisioningWebhookId: null,
      provisioningWebhookSecretSealed: 'sealed:provisioning',
      appWebhookSecretSealed: 'sealed:app',
      signupStatus: null,
      signupSource: null,
      wabaId: null,
      phoneNumberId: null,
      signupCodeSealed: null,
      signupMessage: null,
      metaSignup: null,
      coexistence: false,
      cancelledAt: null,
      createdAt: now,
      updatedAt: now,
    },
    steps: newSteps(id, now, 'SENDZEN'),
    senders: [],
    sender: null,
    app: null,
    webhooks: [],
    testMessages: [],
  };
}

const event = (version: number, type = 'test.event'): NewEvent => ({
  version,
  at: 1_700_000_000_000 + version,
  type,
  step: null,
  message: `event ${version}`,
  data: { n: version },
});

interface Subject {
  name: string;
  open(): Promise<Store>;
  /** A second store over the same data (another instance), where the store can be shared. */
  another?(): Promise<Store>;
  cleanup(): Promise<void>;
}

const subjects: Subject[] = [
  (() => {
    let store: Store | undefined;
    return {
      name: 'SQLite',
      async open() {
        store = openSqliteStore(':memory:');
        return store;
      },
      async cleanup() {
        await store?.close();
      },
    };
  })(),
  (() => {
    let url = '';
    const opened: Store[] = [];
    return {
      name: 'PostgreSQL',
      async open() {
        url = await createTestDatabase();
        const store = await PostgresStore.open(url, { poolSize: 4 });
        opened.push(store);
        return store;
      },
      async another() {
        const store = await PostgresStore.open(url, { poolSize: 4 });
        opened.push(store);
        return store;
      },
      async cleanup() {
        for (const store of opened) await store.close();
        if (url) await dropTestDatabase(url);
      },
    };
  })(),
];

describe.each(subjects)('$name store', (subject) => {
  let store: Store;
  beforeAll(async () => {
    store = await subject.open();
  });
  afterAll(() => subject.cleanup());

  it('is ready once its migrations are applied, and stores an onboarding as it was given', async () => {
    expect(await store.ready()).toBe(true);
    const made = newOnboarding('roundtrip');
    expect(await store.onboardings.create(made, [event(1, 'onboarding.created')])).toBe(true);
    const read = await store.onboardings.get(made.onboarding.id);
    expect(read).toEqual(made);
    expect(read?.steps.map((s) => s.name)).toEqual(made.steps.map((s) => s.name));
    expect(await store.onboardings.idByClientIdentifier('roundtrip')).toBe(made.onboarding.id);
    expect(await store.onboardings.get('no-such-id')).toBeNull();
  });

  it('refuses a second onboarding for the same attempt of a customer', async () => {
    const first = newOnboarding('taken');
    expect(await store.onboardings.create(first, [])).toBe(true);
    expect(await store.onboardings.create(newOnboarding('taken'), [])).toBe(false);
  });

  it('takes the latest attempt for the customer’s onboarding, and lists the earlier ones newest first', async () => {
    const [one, two, three] = [1, 2, 3].map((n) =>
      newOnboarding('again', 1_700_000_000_000 + n, n),
    ) as [OnboardingSnapshot, OnboardingSnapshot, OnboardingSnapshot];
    expect(await store.onboardings.create(one, [])).toBe(true);
    expect(await store.onboardings.create(two, [])).toBe(true);
    // Another request starting attempt 2 at the same time loses, whatever id it chose.
    expect(await store.onboardings.create(newOnboarding('again', 1_700_000_000_010, 2), [])).toBe(
      false,
    );
    expect(await store.onboardings.idByClientIdentifier('again')).toBe(two.onboarding.id);
    expect(await store.onboardings.create(three, [])).toBe(true);
    expect(await store.onboardings.idByClientIdentifier('again')).toBe(three.onboarding.id);
    expect(await store.onboardings.get(two.onboarding.id)).toEqual(two);

    expect(await store.onboardings.earlierAttemptIds('again', 3)).toEqual([
      two.onboarding.id,
      one.onboarding.id,
    ]);
    expect(await store.onboardings.earlierAttemptIds('again', 1)).toEqual([]);
    expect(await store.onboardings.earlierAttemptIds('nobody', 5)).toEqual([]);
  });

  it('writes back what a change edited, with its events, and reads it back the same', async () => {
    const made = newOnboarding('changed');
    await store.onboardings.create(made, [event(1)]);
    const id = made.onboarding.id;
    const outcome = await store.onboardings.update(id, (draft) => {
      draft.onboarding.status = 'PROVISIONING';
      draft.onboarding.version = 2;
      draft.onboarding.labels = { plan: 'platinum' };
      const step = draft.steps.find((s) => s.name === 'SINCH_SUBPROJECT')!;
      step.status = 'RUNNING';
      step.claimedBy = 'instance-a';
      step.leaseUntil = 1_700_000_100_000;
      step.outcomeUnknown = true;
      draft.senders.unshift({
        id: 'sender-1',
        onboardingId: id,
        projectId: 'project-1',
        state: 'PENDING',
        region: 'EU',
        compatibleRegions: ['EU', 'US'],
        wabaId: 'waba-1',
        phoneNumberId: 'phone-1',
        bearerTokenSealed: null,
        bearerTokenLast4: null,
        errorCode: null,
        errorReason: null,
        upstreamModifiedAt: '2026-01-01T00:00:00Z',
        qualityRating: 'GREEN',
        displayNameStatus: null,
        displayNameReason: null,
        createdAt: 1_700_000_000_500,
        updatedAt: 1_700_000_000_500,
      });
      draft.app = {
        id: 'app-1',
        onboardingId: id,
        projectId: 'project-1',
        region: 'eu',
        displayName: 'App',
        senderId: 'sender-1',
        credentialStatus: null,
        credentialReason: null,
        credentialCheckedAt: null,
        createdAt: 1_700_000_000_600,
      };
      draft.webhooks.push({
        id: 'webhook-1',
        onboardingId: id,
        appId: 'app-1',
        target: 'https://example.test/hook',
        triggers: ['MESSAGE_DELIVERY'],
        createdAt: 1_700_000_000_700,
      });
      return { events: [event(2, 'step.started')], result: 'done' };
    });
    expect(outcome?.result).toBe('done');
    const read = await store.onboardings.get(id);
    expect(read).toEqual(outcome?.snapshot);
    expect(read?.sender?.id).toBe('sender-1');
    expect(read?.onboarding.labels).toEqual({ plan: 'platinum' });
    expect(read?.steps.find((s) => s.name === 'SINCH_SUBPROJECT')).toMatchObject({
      status: 'RUNNING',
      claimedBy: 'instance-a',
      outcomeUnknown: true,
    });
    const events = await store.onboardings.events(id, { first: 10 });
    expect(events.rows.map((e) => [e.version, e.type, e.data])).toEqual([
      [1, 'test.event', { n: 1 }],
      [2, 'step.started', { n: 2 }],
    ]);
    const page = await store.onboardings.events(id, { first: 1 });
    expect(page.hasNextPage).toBe(true);
    const next = await store.onboardings.events(id, { first: 1, after: page.rows[0]!.id });
    expect(next.rows.map((e) => e.version)).toEqual([2]);
    expect(next.hasNextPage).toBe(false);
    expect(
      await store.onboardings.update('no-such-id', () => ({ events: [], result: 1 })),
    ).toBeNull();
  });

  it('leaves the onboarding as it was when a change throws', async () => {
    const made = newOnboarding('throws');
    await store.onboardings.create(made, []);
    await expect(
      store.onboardings.update(made.onboarding.id, (draft) => {
        draft.onboarding.status = 'READY';
        throw new Error('change failed');
      }),
    ).rejects.toThrow('change failed');
    expect((await store.onboardings.get(made.onboarding.id))?.onboarding.status).toBe(
      'AWAITING_SIGNUP',
    );
  });

  it('lists newest first, by status and by a search that treats % and _ literally', async () => {
    const ids: string[] = [];
    for (const [i, name] of ['List-Alpha', 'list-beta', 'list_gamma%'].entries()) {
      const made = newOnboarding(name, 1_800_000_000_000 + i);
      if (i === 1) made.onboarding.status = 'READY';
      await store.onboardings.create(made, []);
      ids.push(made.onboarding.id);
    }
    const all = await store.onboardings.list({ first: 2, search: 'LIST' });
    expect(all.rows.map((s) => s.onboarding.id)).toEqual([ids[2], ids[1]]);
    expect(all.hasNextPage).toBe(true);
    const rest = await store.onboardings.list({ first: 2, search: 'list', after: ids[1] });
    expect(rest.rows.map((s) => s.onboarding.id)).toEqual([ids[0]]);
    expect(rest.hasNextPage).toBe(false);
    const ready = await store.onboardings.list({ first: 10, statuses: ['READY'], search: 'list' });
    expect(ready.rows.map((s) => s.onboarding.clientIdentifier)).toEqual(['list-beta']);
    const literal = await store.onboardings.list({ first: 10, search: '_gamma%' });
    expect(literal.rows.map((s) => s.onboarding.clientIdentifier)).toEqual(['list_gamma%']);
    expect((await store.onboardings.list({ first: 10, search: 'a_b' })).rows).toEqual([]);
  });

  it('finds only the steps that are due, and when the next one falls due', async () => {
    const made = newOnboarding('due');
    const id = made.onboarding.id;
    await store.onboardings.create(made, []);
    await store.onboardings.update(id, (draft) => {
      const [first, second, third] = draft.steps;
      Object.assign(first!, { status: 'PENDING', nextAttemptAt: 5_000 });
      Object.assign(second!, { status: 'WAITING', nextAttemptAt: 9_000_000_000_000 });
      Object.assign(third!, { status: 'SUCCEEDED', reconcileAt: 6_000, finishedAt: 1 });
      return { events: [], result: null };
    });
    const due = (await store.onboardings.dueSteps(7_000, 10)).filter((d) => d.onboardingId === id);
    expect(due).toEqual([
      {
        onboardingId: id,
        name: made.steps[0]!.name,
        number: '',
        status: 'PENDING',
        kind: 'attempt',
      },
      {
        onboardingId: id,
        name: made.steps[2]!.name,
        number: '',
        status: 'SUCCEEDED',
        kind: 'reconcile',
      },
    ]);
    expect(await store.onboardings.nextDueAt()).toBe(5_000);
  });

  it('finds what is left RUNNING, by the instance that claimed it', async () => {
    const made = newOnboarding('running');
    const id = made.onboarding.id;
    await store.onboardings.create(made, []);
    await store.onboardings.update(id, (draft) => {
      Object.assign(draft.steps[0]!, { status: 'RUNNING', claimedBy: 'a', leaseUntil: 1_000 });
      Object.assign(draft.steps[1]!, { status: 'RUNNING', claimedBy: 'b', leaseUntil: 1_000 });
      return { events: [], result: null };
    });
    const mine = (await store.onboardings.runningSteps('a')).filter((r) => r.onboardingId === id);
    expect(mine.map((r) => r.name)).toEqual([made.steps[0]!.name]);
    const all = (await store.onboardings.runningSteps()).filter((r) => r.onboardingId === id);
    expect(all.map((r) => r.name).sort()).toEqual(
      [made.steps[0]!.name, made.steps[1]!.name].sort(),
    );
    // Leave nothing RUNNING for the tests after this one.
    await store.onboardings.update(id, (draft) => {
      for (const step of draft.steps.slice(0, 2)) Object.assign(step, { status: 'FAILED' });
      return { events: [], result: null };
    });
  });

  it('keeps API keys, revokes each once, and lists them newest first', async () => {
    const row = {
      id: 'key-1',
      name: 'one',
      scopes: ['read' as const],
      secretHash: 'h1',
      createdAt: 1,
    };
    await store.apiKeys.ensure(row);
    await store.apiKeys.ensure({ ...row, name: 'ignored' });
    await store.apiKeys.ensure({ ...row, id: 'key-2', name: 'two', createdAt: 2 });
    expect(await store.apiKeys.find('key-1')).toEqual({
      ...row,
      revokedAt: null,
      lastUsedAt: null,
    });
    expect((await store.apiKeys.list()).map((k) => k.id)).toEqual(['key-2', 'key-1']);
    expect(await store.apiKeys.revoke('key-1', 10)).toBe('revoked');
    expect(await store.apiKeys.revoke('key-1', 11)).toBe('already_revoked');
    expect(await store.apiKeys.revoke('key-9', 11)).toBe('not_found');
    expect((await store.apiKeys.find('key-1'))?.revokedAt).toBe(10);
  });

  it('stores a webhook delivery once and recognises its nonce', async () => {
    const made = newOnboarding('deliveries');
    await store.onboardings.create(made, []);
    const delivery = {
      source: 'sinch-provisioning' as const,
      dedupKey: 'event-1',
      nonce: 'nonce-1',
      onboardingRef: made.onboarding.id,
      body: { type: 'SENDER_STATE_CHANGED', nested: [1, 'two'] },
    };
    const id = await store.deliveries.insert(delivery, 100);
    expect(id).toBeTypeOf('number');
    expect(await store.deliveries.insert({ ...delivery, nonce: 'nonce-2' }, 101)).toBeUndefined();
    expect(await store.deliveries.nonceSeen('sinch-provisioning', 'nonce-1')).toBe(true);
    expect(await store.deliveries.nonceSeen('sendzen', 'nonce-1')).toBe(false);
    expect(await store.deliveries.pendingIds()).toContain(id);
    // What waited since before a time, for an instance sweeping up after another that died.
    expect(await store.deliveries.pendingIds(101)).toContain(id);
    expect(await store.deliveries.pendingIds(100)).not.toContain(id);
    expect((await store.deliveries.get(id!))?.body).toEqual(delivery.body);
    await store.deliveries.markProcessed(id!, 'applied', 200);
    expect(await store.deliveries.get(id!)).toMatchObject({ processedAt: 200, outcome: 'applied' });
    expect(await store.deliveries.pendingIds()).not.toContain(id);
  });

  it('stores a delivery of each event for every enabled endpoint with the event, and hands out the oldest per endpoint and onboarding', async () => {
    const endpoint = (id: string, onboardingId: string | null, disabledAt: number | null = null) =>
      store.eventEndpoints.createEndpoint({
        id,
        url: `https://vendor.example/${id}`,
        onboardingId,
        description: null,
        secretSealed: `sealed:${id}`,
        secretLast4: 'abcd',
        createdAt: 1,
        disabledAt,
      });
    const a = newOnboarding('events-a');
    const b = newOnboarding('events-b');
    const [all, forA, disabled] = [ulid(), ulid(), ulid()];
    await endpoint(all, null);
    await endpoint(forA, a.onboarding.id);
    await endpoint(disabled, null, 5);
    await store.onboardings.create(a, [event(1, 'onboarding.created'), event(2, 'second')]);
    await store.onboardings.create(b, []);
    await store.onboardings.update(b.onboarding.id, () => ({ events: [event(3)], result: null }));

    const ofA = (
      await store.eventEndpoints.deliveries({ first: 100, onboardingId: a.onboarding.id })
    ).rows;
    expect(ofA.map((d) => [d.endpointId, d.eventType, d.status]).sort()).toEqual(
      [
        [all, 'onboarding.created', 'PENDING'],
        [all, 'second', 'PENDING'],
        [forA, 'onboarding.created', 'PENDING'],
        [forA, 'second', 'PENDING'],
      ].sort(),
    );
    const [created] = (await store.onboardings.events(a.onboarding.id, { first: 1 })).rows;
    const body = JSON.parse(ofA.find((d) => d.eventType === 'onboarding.created')!.body);
    expect(body).toMatchObject({
      id: String(created!.id),
      type: 'onboarding.created',
      clientIdentifier: 'events-a',
      version: 1,
      data: { n: 1 },
      onboarding: { status: 'AWAITING_SIGNUP' },
    });
    const ofB = (
      await store.eventEndpoints.deliveries({ first: 100, onboardingId: b.onboarding.id })
    ).rows;
    expect(ofB.map((d) => d.endpointId)).toEqual([all]);

    // Only the oldest pending one per endpoint and onboarding: events arrive in order.
    const now = 1_700_000_010_000;
    const due = await store.eventEndpoints.dueDeliveries(now, 100);
    const dueOfA = ofA.filter((d) => due.includes(d.id));
    expect(dueOfA.map((d) => d.eventType)).toEqual(['onboarding.created', 'onboarding.created']);
    const first = dueOfA.find((d) => d.endpointId === all)!;

    // A claim is taken once, and holds until its lease runs out.
    const claimed = await store.eventEndpoints.claim(first.id, 'one', now, now + 1_000);
    expect(claimed).toMatchObject({
      url: `https://vendor.example/${all}`,
      secretSealed: `sealed:${all}`,
    });
    expect(await store.eventEndpoints.claim(first.id, 'two', now, now + 1_000)).toBeUndefined();
    expect(await store.eventEndpoints.dueDeliveries(now, 100)).not.toContain(first.id);
    expect(await store.eventEndpoints.dueDeliveries(now + 1_000, 100)).toContain(first.id);

    // A failed attempt schedules the next; a delivered one lets the next event go.
    await store.eventEndpoints.record(first.id, 'one', {
      attempt: { at: now, statusCode: 500, responseExcerpt: 'no', error: null, durationMs: 3 },
      status: 'PENDING',
      nextAttemptAt: now + 500,
      deliveredAt: null,
    });
    expect(await store.eventEndpoints.delivery(first.id)).toMatchObject({
      attempts: 1,
      lastStatusCode: 500,
      nextAttemptAt: now + 500,
      claimedBy: null,
    });
    expect(await store.eventEndpoints.dueDeliveries(now + 100, 100)).not.toContain(first.id);
    expect(await store.eventEndpoints.claim(first.id, 'one', now + 500, now + 2_000)).toBeDefined();
    await store.eventEndpoints.record(first.id, 'one', {
      attempt: { at: now + 500, statusCode: 204, responseExcerpt: '', error: null, durationMs: 2 },
      status: 'DELIVERED',
      nextAttemptAt: null,
      deliveredAt: now + 501,
    });
    const second = ofA.find((d) => d.endpointId === all && d.eventType === 'second')!;
    expect(await store.eventEndpoints.dueDeliveries(now + 600, 100)).toContain(second.id);
    expect((await store.eventEndpoints.attempts([first.id])).map((x) => x.statusCode)).toEqual([
      500, 204,
    ]);

    // Replayed: pending again with a fresh budget, its attempts kept.
    expect(await store.eventEndpoints.replay(first.id, now + 700)).toMatchObject({
      status: 'PENDING',
      attempts: 0,
      nextAttemptAt: now + 700,
    });
    // Disabling an endpoint fails what it had pending, and stores nothing more for it.
    expect((await store.eventEndpoints.disableEndpoint(forA, now))?.disabledAt).toBe(now);
    const failed = await store.eventEndpoints.deliveries({ first: 100, endpointId: forA });
    expect(failed.rows.map((d) => d.status)).toEqual(['FAILED', 'FAILED']);
    await store.onboardings.update(a.onboarding.id, () => ({ events: [event(4)], result: null }));
    expect(
      (await store.eventEndpoints.deliveries({ first: 100, endpointId: forA })).rows,
    ).toHaveLength(2);
  });

  it('re-seals every sealed value in one go', async () => {
    const seen: string[] = [];
    const count = await store.resealAll((sealed, context) => {
      seen.push(`${context.table}.${context.kind}`);
      return `${sealed}+`;
    });
    expect(count).toBeGreaterThan(0);
    expect(seen).toContain('onboardings.sendzen_webhook_token');
    expect(seen).toContain('event_endpoints.signing_secret');
    const [any] = (await store.onboardings.list({ first: 1 })).rows;
    expect(
      (await store.onboardings.get(any!.onboarding.id))?.onboarding.appWebhookSecretSealed,
    ).toMatch(/\+$/);
  });

  // Last: it empties the store the tests above share.
  it('deletes every onboarding with all it holds, keeping API keys (the sandbox reset)', async () => {
    const made = newOnboarding('wiped');
    await store.onboardings.create(made, [event(1, 'onboarding.created')]);
    const before = (await store.onboardings.list({ first: 100 })).rows.length;
    expect(before).toBeGreaterThan(1);
    const keys = await store.apiKeys.list();

    expect(await store.onboardings.deleteAll()).toBe(before);
    expect(await store.onboardings.get(made.onboarding.id)).toBeNull();
    expect(await store.onboardings.idByClientIdentifier('wiped')).toBeUndefined();
    expect((await store.onboardings.list({ first: 100 })).rows).toEqual([]);
    expect((await store.onboardings.events(made.onboarding.id, { first: 10 })).rows).toEqual([]);
    expect(await store.onboardings.countByStatus()).toEqual({});
    expect(await store.onboardings.nextDueAt()).toBeNull();
    expect(await store.apiKeys.list()).toEqual(keys);
    // Deliveries go with their onboardings, and so do endpoints for one of them.
    expect((await store.eventEndpoints.deliveries({ first: 100 })).rows).toEqual([]);
    const endpoints = await store.eventEndpoints.endpoints();
    expect(endpoints.length).toBeGreaterThan(0);
    expect(endpoints.every((e) => e.onboardingId === null)).toBe(true);
    // The customer can be onboarded afresh.
    expect(await store.onboardings.create(newOnboarding('wiped'), [])).toBe(true);
    expect(await store.onboardings.deleteAll()).toBe(1);
  });
});

// What only a store that several instances share must do.
describe('PostgreSQL store, shared by two instances', () => {
  const pg = subjects[1]!;
  let store: Store;
  beforeAll(async () => {
    store = await pg.open();
  });
  afterAll(() => pg.cleanup());

  it('makes two instances changing one onboarding take turns, each seeing the other’s change', async () => {
    const other = await pg.another!();
    const made = newOnboarding('two-instances');
    const id = made.onboarding.id;
    await store.onboardings.create(made, []);
    const bump = (s: Store) =>
      s.onboardings.update(id, (draft) => {
        draft.onboarding.version += 1;
        return { events: [event(draft.onboarding.version)], result: draft.onboarding.version };
      });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => bump(i % 2 ? store : other)),
    );
    expect(results.map((r) => r?.result).sort((a, b) => a! - b!)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 2),
    );
    expect((await store.onboardings.get(id))?.onboarding.version).toBe(21);
  });

  it('lets one instance only claim a delivery both ask for at once', async () => {
    const other = await pg.another!();
    const endpointId = ulid();
    await store.eventEndpoints.createEndpoint({
      id: endpointId,
      url: 'https://vendor.example/shared',
      onboardingId: null,
      description: null,
      secretSealed: 'sealed',
      secretLast4: 'abcd',
      createdAt: 1,
      disabledAt: null,
    });
    const made = newOnboarding('shared-delivery');
    await store.onboardings.create(made, [event(1, 'onboarding.created')]);
    const [delivery] = (
      await store.eventEndpoints.deliveries({ first: 1, onboardingId: made.onboarding.id })
    ).rows;
    const now = 1_800_000_000_000;
    const claims = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? store : other).eventEndpoints.claim(
          delivery!.id,
          `instance-${i}`,
          now,
          now + 1_000,
        ),
      ),
    );
    expect(claims.filter((c) => c !== undefined)).toHaveLength(1);
  });

  it('lets another instance recover a step whose claim ran out', async () => {
    const made = newOnboarding('expired-claim');
    const id = made.onboarding.id;
    await store.onboardings.create(made, []);
    await store.onboardings.update(id, (draft) => {
      Object.assign(draft.steps[0]!, { status: 'RUNNING', claimedBy: 'dead', leaseUntil: 10_000 });
      Object.assign(draft.steps[1]!, { status: 'RUNNING', claimedBy: 'alive', leaseUntil: 10_000 });
      return { events: [], result: null };
    });
    await store.onboardings.renewClaims('alive', 50_000);
    const due = (await store.onboardings.dueSteps(20_000, 10)).filter((d) => d.onboardingId === id);
    expect(due).toEqual([
      {
        onboardingId: id,
        name: made.steps[0]!.name,
        number: '',
        status: 'RUNNING',
        kind: 'recover',
      },
    ]);
    const next = await store.onboardings.nextDueAt();
    expect(next).not.toBeNull();
    expect(next!).toBeLessThanOrEqual(10_000);
  });
});
