// Reading onboardings back: the `onboardings` connection (pages, status filter, search), `node` and
// `onboarding` by global or bare id, and an onboarding's event log. In process: what is asserted
// here is what GraphQL answers, not how it travels.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessGateway, startInProcessGateway } from '../support/in-process.ts';
import {
  CancelOnboarding,
  type EventPage,
  ListOnboardings,
  LookUpOnboarding,
  OnboardCustomer,
  type OnboardingPage,
  ReadEventPage,
  ReadNode,
  ReadNodes,
} from '../support/operations.ts';

let t: InProcessGateway;
beforeAll(async () => {
  t = await startInProcessGateway();
});
afterAll(() => t.close());

async function list(args: {
  first?: number;
  after?: string | null;
  status?: string[];
  search?: string;
}): Promise<OnboardingPage> {
  const res = await t.gql(ListOnboardings, args);
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.onboardings;
}

const ids = (page: OnboardingPage) => page.edges.map((e) => e.node.clientIdentifier);

async function onboard(clientIdentifier: string): Promise<string> {
  const res = await t.gql(OnboardCustomer, { input: { clientIdentifier } });
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data!.onboardCustomer.created).toBe(true);
  return res.body.data!.onboardCustomer.onboarding.id;
}

/** Completes the customer's signup in the fake and waits for automatic provisioning to finish. */
async function walkToReady(clientIdentifier: string, id: string) {
  await t.sandbox.control('POST', '/sendzen/signups', { clientIdentifier, status: 'completed' });
  const { status } = await t.waitForOnboarding(
    id,
    (o) => o.status === 'READY' || o.status === 'ACTION_REQUIRED',
  );
  expect(status).toBe('READY');
}

const bareId = (globalId: string) => {
  const decoded = Buffer.from(globalId, 'base64').toString('utf8');
  expect(decoded).toMatch(/^Onboarding:[0-9A-Z]{26}$/);
  return decoded.slice('Onboarding:'.length);
};

describe('the onboardings connection', () => {
  it('pages newest first with first/after, and hasNextPage says when to stop', async () => {
    const created: string[] = [];
    for (let i = 1; i <= 5; i++) {
      const name = `paged-${i}`;
      await onboard(name);
      created.push(name);
    }
    const newestFirst = [...created].reverse();

    const one = await list({ first: 2, search: 'paged-' });
    expect(ids(one)).toEqual(newestFirst.slice(0, 2));
    expect(one.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(one.pageInfo.startCursor).toBe(one.edges[0]!.cursor);
    expect(one.pageInfo.endCursor).toBe(one.edges[1]!.cursor);

    const two = await list({ first: 2, after: one.pageInfo.endCursor, search: 'paged-' });
    expect(ids(two)).toEqual(newestFirst.slice(2, 4));
    expect(two.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });

    const three = await list({ first: 2, after: two.pageInfo.endCursor, search: 'paged-' });
    expect(ids(three)).toEqual(newestFirst.slice(4));
    expect(three.pageInfo.hasNextPage).toBe(false);

    // A page exactly as long as what is left also says there is no more.
    const exact = await list({ first: 5, search: 'paged-' });
    expect(ids(exact)).toEqual(newestFirst);
    expect(exact.pageInfo.hasNextPage).toBe(false);
  });

  it('filters by status', async () => {
    const readyId = await onboard('filter-ready');
    await onboard('filter-waiting');
    await walkToReady('filter-ready', readyId);

    const ready = await list({ status: ['READY'], search: 'filter-' });
    expect(ids(ready)).toEqual(['filter-ready']);
    expect(ready.edges[0]!.node).toEqual({
      id: readyId,
      clientIdentifier: 'filter-ready',
      status: 'READY',
    });

    expect(ids(await list({ status: ['AWAITING_SIGNUP'], search: 'filter-' }))).toEqual([
      'filter-waiting',
    ]);
    expect(ids(await list({ status: ['READY', 'AWAITING_SIGNUP'], search: 'filter-' }))).toEqual([
      'filter-waiting',
      'filter-ready',
    ]);
    expect(
      ids(await list({ status: ['CANCELLED', 'ACTION_REQUIRED'], search: 'filter-' })),
    ).toEqual([]);
    // Without a search, every onboarding listed under READY is READY.
    const allReady = await list({ first: 100, status: ['READY'] });
    expect(allReady.edges.length).toBeGreaterThan(0);
    expect(allReady.edges.every((e) => e.node.status === 'READY')).toBe(true);
  });

  it('search matches part of the client identifier, case-insensitively, with % and _ taken literally', async () => {
    await onboard('Search-Acme@Example.com');
    await onboard('search_100%');
    await onboard('searchX100Y');

    expect(ids(await list({ search: 'acme@example' }))).toEqual(['Search-Acme@Example.com']);
    expect(ids(await list({ search: 'ACME@EXAMPLE.COM' }))).toEqual(['Search-Acme@Example.com']);
    expect(ids(await list({ search: '_100%' }))).toEqual(['search_100%']);
    expect(ids(await list({ search: '%' }))).toEqual(['search_100%']);
    // As wildcards, `_` would match the X and `%` anything: neither does.
    expect(ids(await list({ search: 'h_100' }))).toEqual(['search_100%']);
    expect(ids(await list({ search: 'search%100' }))).toEqual([]);
    expect(ids(await list({ search: 'no-such-customer' }))).toEqual([]);
  });
});

describe('looking one onboarding up', () => {
  it('node(id) resolves an Onboarding by its global id; nodes(ids) several, in order', async () => {
    const a = await onboard('node-a');
    const b = await onboard('node-b');
    const res = await t.gql(ReadNode, { id: a });
    expect(res.body).toEqual({
      data: { node: { __typename: 'Onboarding', id: a, clientIdentifier: 'node-a' } },
    });

    const many = await t.gql(ReadNodes, { ids: [b, a] });
    expect(many.body.data!.nodes).toEqual([
      { id: b, clientIdentifier: 'node-b' },
      { id: a, clientIdentifier: 'node-a' },
    ]);
  });

  it('onboarding(id) accepts the global id and the bare id that webhook URLs and logs show', async () => {
    const id = await onboard('lookup-both');
    const get = (given: string) => t.gql(LookUpOnboarding, { id: given });
    const byGlobal = await get(id);
    const byBare = await get(bareId(id));
    expect(byGlobal.body).toEqual({
      data: { onboarding: { id, clientIdentifier: 'lookup-both' } },
    });
    expect(byBare.body).toEqual(byGlobal.body);
    // And the bare id works for mutations too.
    const cancel = await t.gql(CancelOnboarding, { id: bareId(id) });
    expect(cancel.body.data!.cancelOnboarding).toMatchObject({
      __typename: 'CancelOnboardingSuccess',
      onboarding: { id, status: 'CANCELLED' },
    });
  });
});

type EventNode = EventPage['edges'][number]['node'];

describe('the event log', () => {
  let id: string;
  let all: EventNode[];
  let version: number;

  async function events(first: number, after?: string | null): Promise<EventPage> {
    const res = await t.gql(ReadEventPage, { id, first, after });
    expect(res.body.errors).toBeUndefined();
    version = res.body.data!.onboarding!.version;
    return res.body.data!.onboarding!.events;
  }

  beforeAll(async () => {
    id = await onboard('events-ready');
    await walkToReady('events-ready', id);
    const page = await events(200);
    expect(page.pageInfo.hasNextPage).toBe(false);
    all = page.edges.map((e) => e.node);
  });

  it('lists what happened, oldest first, from creation to READY', () => {
    expect(all[0]).toMatchObject({ type: 'onboarding.created', step: null });
    expect(all[0]!.message).toContain('events-ready');

    const sequences = all.map((e) => e.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    expect(new Set(sequences).size).toBe(sequences.length);
    const versions = all.map((e) => e.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(versions.at(-1)).toBe(version);
    const times = all.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));

    // Every step that runs upstream succeeded once, the signup completed, and the status moved on.
    const succeeded = all.filter((e) => e.type === 'step.succeeded').map((e) => e.step);
    expect([...succeeded].sort()).toEqual(
      [
        'APP_WEBHOOK',
        'CONVERSATION_APP',
        'PROVISIONING_WEBHOOK',
        'SENDZEN_PROJECT',
        'SINCH_SUBPROJECT',
      ].sort(),
    );
    const completed = all.findIndex((e) => e.type === 'signup.completed');
    expect(completed).toBeGreaterThan(0);
    expect(all[completed]!.step).toBe('CUSTOMER_SIGNUP');
    const statuses = all.filter((e) => e.type === 'status.changed').map((e) => e.message);
    expect(statuses).toEqual([
      'Status changed from AWAITING_SIGNUP to PROVISIONING',
      'Status changed from PROVISIONING to READY',
    ]);
    // Cause before effect: the signup before the sender, the sender before the app and its webhook.
    const firstOf = (type: string, step: string) =>
      all.findIndex((e) => e.type === type && e.step === step);
    expect(firstOf('step.started', 'WHATSAPP_SENDER')).toBeGreaterThan(completed);
    expect(firstOf('step.started', 'CONVERSATION_APP')).toBeGreaterThan(
      all.findIndex((e) => e.type === 'sender.state' && /ACTIVE/.test(e.message)),
    );
    expect(firstOf('step.succeeded', 'APP_WEBHOOK')).toBeGreaterThan(
      firstOf('step.succeeded', 'CONVERSATION_APP'),
    );
    expect(all.at(-1)!.type).toBe('status.changed');
  });

  it('pages with first/after without skipping or repeating an event', async () => {
    const seen: EventNode[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const page: EventPage = await events(4, after);
      seen.push(...page.edges.map((e) => e.node));
      if (!page.pageInfo.hasNextPage) break;
      expect(page.edges).toHaveLength(4);
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(all);
  });
});
