import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys.ts';
import { rawOnboardingId } from '../../src/schema/ids.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import {
  CancelOnboarding,
  CreateConversationApp,
  CreateSender,
  type Document,
  documentText,
  IssueOnboardingSession,
  ListOnboardings,
  LookUpOnboarding,
  OnboardCustomer,
  type OnboardingView,
  type Operation,
  ReadNode,
  ReadNodes,
  RefreshOnboardingLink,
  RelaySignupResult,
  RetryOnboarding,
  RevealSendzenApiKey,
  SendTestMessage,
  WatchOnboarding,
  WatchOnboardings,
} from '../support/operations.ts';
import { tableRows } from '../support/rows.ts';
import { HANG_MS, MISSED, withWindow } from '../support/windows.ts';

let t: TestGateway;

// ---------------------------------------------------------------------------------------------
// Callers and outcomes
// ---------------------------------------------------------------------------------------------

const CALLERS = [
  'no credential',
  'session token for this onboarding',
  'session token for another onboarding',
  'read key',
  'write key',
  'admin key',
  'revoked key',
] as const;
type CallerName = (typeof CALLERS)[number];

type Outcome = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'ALLOWED';
const LETTERS: Record<string, Outcome> = {
  U: 'UNAUTHENTICATED',
  F: 'FORBIDDEN',
  N: 'NOT_FOUND',
  A: 'ALLOWED',
};

/** One letter per caller, in the order of CALLERS: U(nauthenticated) F(orbidden) N(ot found) A(llowed). */
function outcomes(row: string): Record<CallerName, Outcome> {
  const letters = row.split(' ');
  expect(letters).toHaveLength(CALLERS.length);
  return Object.fromEntries(CALLERS.map((caller, i) => [caller, LETTERS[letters[i]!]!])) as Record<
    CallerName,
    Outcome
  >;
}

/** A prepared onboarding an operation is tried on, with the session token issued for it. */
interface Target {
  id: string;
  raw: string;
  clientIdentifier: string;
  session: string;
}

let other: Target;
let scratch: Target;
const targets = new Map<string, Target>();
const keys = {} as Record<'read' | 'write' | 'admin' | 'revoked', string>;

function authorizationOf(caller: CallerName, target: Target): string | null {
  switch (caller) {
    case 'no credential':
      return null;
    case 'session token for this onboarding':
      return `Bearer ${target.session}`;
    case 'session token for another onboarding':
      return `Bearer ${other.session}`;
    case 'read key':
      return keys.read;
    case 'write key':
      return keys.write;
    case 'admin key':
      return keys.admin;
    case 'revoked key':
      return keys.revoked;
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

type Data = Record<string, unknown>;
interface GqlError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: unknown };
}

const codes = (errors: readonly GqlError[] | undefined) =>
  (errors ?? []).map((e) => e.extensions?.code);

const state = (id: string): Promise<OnboardingView> => t.onboarding(id);

/**
 * A manual-mode onboarding, settled: what runs by itself before the signup is done, so its version
 * moves only when a call changes it.
 */
async function prepare(clientIdentifier: string): Promise<Target> {
  const res = await t.gql(OnboardCustomer, { input: { clientIdentifier, autoProvision: false } });
  expect(res.body.errors).toBeUndefined();
  const { sessionToken, onboarding } = res.body.data!.onboardCustomer;
  await t.waitForOnboarding(onboarding.id, (now) => {
    const status = (name: string) => now.steps.find((s) => s.name === name)?.status;
    return (
      status('PROVISIONING_WEBHOOK') === 'SUCCEEDED' && status('CUSTOMER_SIGNUP') === 'WAITING'
    );
  });
  return {
    id: onboarding.id,
    raw: rawOnboardingId(onboarding.id),
    clientIdentifier,
    session: sessionToken,
  };
}

/** A result union member, or a field the data holds. */
function result(data: Data | null | undefined, field: string): Data {
  const value = data?.[field];
  expect(value, `data.${field}`).toBeTruthy();
  return value as Data;
}

/**
 * Changes an onboarding until the subscriber sees one: the subscription may still be starting,
 * and nothing tells a client when the server has begun listening.
 */
async function keepChanging<T>(received: () => T | undefined): Promise<T> {
  const deadline = Date.now() + HANG_MS;
  for (;;) {
    const seen = received();
    if (seen !== undefined) return seen;
    if (Date.now() > deadline) throw new Error('the subscriber received nothing');
    const res = await t.gql(RefreshOnboardingLink, { id: scratch.id });
    expect(res.body.errors).toBeUndefined();
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---------------------------------------------------------------------------------------------
// SSE and graphql-ws, as a client sees them
// ---------------------------------------------------------------------------------------------

interface SseFrame {
  event: string;
  data: { data?: Data; errors?: GqlError[] } | null;
}

interface SseAnswer {
  status: number;
  /** The JSON body of an answer that is not an event stream (a 401). */
  json?: { errors?: GqlError[] };
  frames: SseFrame[];
  waitFor(match: (frame: SseFrame) => boolean, timeoutMs?: number): Promise<SseFrame>;
  close(): void;
}

async function sse(
  document: Document<unknown>,
  variables: Data,
  authorization: string | null,
): Promise<SseAnswer> {
  const controller = new AbortController();
  const res = await fetch(`${t.gateway.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...(authorization ? { authorization } : {}),
    },
    body: JSON.stringify({ query: documentText(document), variables }),
    signal: controller.signal,
  });
  const frames: SseFrame[] = [];
  const waiters = new Set<() => void>();
  let ended = false;
  const answer: SseAnswer = {
    status: res.status,
    frames,
    waitFor: (match, timeoutMs = HANG_MS) =>
      new Promise((resolve, reject) => {
        const fail = (why: string) =>
          reject(new Error(`${why}; got ${JSON.stringify(frames).slice(0, 1000)}`));
        const check = () => {
          const found = frames.find(match);
          if (!found && !ended) return false;
          waiters.delete(check);
          clearTimeout(timer);
          if (found) resolve(found);
          else fail('the stream ended without a matching SSE frame');
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          fail(`no matching SSE frame within ${timeoutMs} ms`);
        }, timeoutMs);
        if (!check()) waiters.add(check);
      }),
    close: () => controller.abort(),
  };
  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };
  if (!(res.headers.get('content-type') ?? '').includes('text/event-stream')) {
    answer.json = (await res.json()) as SseAnswer['json'];
    return answer;
  }
  void (async () => {
    let buffer = '';
    try {
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
          const lines = buffer.slice(0, end).split('\n');
          buffer = buffer.slice(end + 2);
          const event = lines
            .find((l) => l.startsWith('event:'))
            ?.slice(6)
            .trim();
          if (!event) continue; // a keep-alive comment
          const data = lines
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trim())
            .join('\n');
          frames.push({ event, data: data ? JSON.parse(data) : null });
          wake();
        }
      }
    } catch {
      // Aborted by close().
    } finally {
      ended = true;
      wake();
    }
  })();
  return answer;
}

/**
 * What a graphql-ws client was told, reduced to codes: a GraphQL error's extensions.code, or
 * `close <code> <reason>` when the server closed the socket.
 */
function wsCodes(errors: unknown[]): string[] {
  return errors.flat().map((e) => {
    const error = e as { extensions?: { code?: string }; code?: number; reason?: string };
    if (typeof error.code === 'number') return `close ${error.code} ${error.reason}`;
    return String(error.extensions?.code);
  });
}

// ---------------------------------------------------------------------------------------------
// The operations and who may call them
// ---------------------------------------------------------------------------------------------

interface Case {
  field: string;
  document: Operation<Data>;
  variables(target: Target, caller: CallerName): Data;
  expected: Record<CallerName, Outcome>;
  /** What an allowed call answers: a success, or an error that has nothing to do with access. */
  allowed(answer: Data, target: Target, caller: CallerName): Promise<void> | void;
  /** What a session token for another onboarding is told. */
  notFound?(answer: Data): void;
}

const byId = (target: Target) => ({ id: target.id });
/** Identifies the client, so each caller that may onboard does so once, with a fresh customer. */
const newCustomer = (caller: CallerName) => `authz-new-${caller.replaceAll(' ', '-')}`;

const QUERIES_AND_MUTATIONS: Case[] = [
  {
    field: 'onboarding',
    document: LookUpOnboarding,
    variables: byId,
    expected: outcomes('U A N A A A U'),
    allowed: (answer, target) => {
      expect(result(answer, 'onboarding')).toEqual({
        id: target.id,
        clientIdentifier: target.clientIdentifier,
      });
    },
    notFound: (answer) => expect(answer).toEqual({ onboarding: null }),
  },
  {
    field: 'onboardings',
    document: ListOnboardings,
    variables: () => ({ first: 100 }),
    expected: outcomes('U F F A A A U'),
    allowed: (answer, target) => {
      const { edges } = result(answer, 'onboardings') as { edges: { node: { id: string } }[] };
      expect(edges.map((e) => e.node.id)).toContain(target.id);
    },
  },
  {
    field: 'node',
    document: ReadNode,
    variables: byId,
    expected: outcomes('U F F A A A U'),
    allowed: (answer, target) => {
      expect(result(answer, 'node')).toEqual({
        __typename: 'Onboarding',
        id: target.id,
        clientIdentifier: target.clientIdentifier,
      });
    },
  },
  {
    field: 'nodes',
    document: ReadNodes,
    variables: (target) => ({ ids: [target.id] }),
    expected: outcomes('U F F A A A U'),
    allowed: (answer, target) =>
      expect(answer).toEqual({
        nodes: [{ id: target.id, clientIdentifier: target.clientIdentifier }],
      }),
  },
  {
    field: 'onboardCustomer',
    document: OnboardCustomer,
    variables: (_target, caller) => ({
      input: { clientIdentifier: newCustomer(caller), autoProvision: false },
    }),
    expected: outcomes('U F F F A A U'),
    allowed: async (answer, _target, caller) => {
      const payload = result(answer, 'onboardCustomer') as {
        created: boolean;
        sessionToken: string;
        onboarding: { id: string; clientIdentifier: string };
      };
      expect(payload.created).toBe(true);
      expect(payload.onboarding.clientIdentifier).toBe(newCustomer(caller));
      // The session token it hands the browser reads that onboarding.
      const read = await t.gql(
        LookUpOnboarding,
        { id: payload.onboarding.id },
        `Bearer ${payload.sessionToken}`,
      );
      expect(read.body).toEqual({
        data: { onboarding: { id: payload.onboarding.id, clientIdentifier: newCustomer(caller) } },
      });
    },
  },
  {
    field: 'refreshOnboardingLink',
    document: RefreshOnboardingLink,
    variables: byId,
    expected: outcomes('U F F F A A U'),
    allowed: (answer) =>
      expect(result(answer, 'refreshOnboardingLink').__typename).toBe(
        'RefreshOnboardingLinkSuccess',
      ),
  },
  {
    field: 'relaySignupResult',
    document: RelaySignupResult,
    variables: (target) => ({
      input: {
        onboardingId: target.id,
        status: 'COMPLETED',
        wabaId: '310000000000001',
        phoneNumberId: '320000000000001',
      },
    }),
    expected: outcomes('U A N F A A U'),
    allowed: (answer) =>
      expect(result(answer, 'relaySignupResult').__typename).toBe('RelaySignupResultSuccess'),
    notFound: (answer) =>
      expect(answer).toEqual({
        relaySignupResult: {
          __typename: 'OnboardingNotFound',
          message: 'No onboarding with this id',
        },
      }),
  },
  {
    field: 'createSender',
    document: CreateSender,
    variables: byId,
    expected: outcomes('U F F F A A U'),
    // Allowed, but the customer has not signed up: refused for that reason, not for access.
    allowed: (answer) =>
      expect(result(answer, 'createSender')).toMatchObject({
        __typename: 'PreconditionFailed',
        step: 'CUSTOMER_SIGNUP',
      }),
  },
  {
    field: 'createConversationApp',
    document: CreateConversationApp,
    variables: byId,
    expected: outcomes('U F F F A A U'),
    allowed: (answer) =>
      expect(result(answer, 'createConversationApp')).toMatchObject({
        __typename: 'PreconditionFailed',
        step: 'WHATSAPP_SENDER',
      }),
  },
  {
    field: 'sendTestMessage',
    document: SendTestMessage,
    variables: (target) => ({ id: target.id, to: '+46701234567', text: 'Hello' }),
    expected: outcomes('U F F F A A U'),
    // Allowed, but nothing is READY here: refused for that reason, and nothing is sent.
    allowed: (answer) =>
      expect(result(answer, 'sendTestMessage')).toMatchObject({
        __typename: 'PreconditionFailed',
      }),
  },
  {
    field: 'retryOnboarding',
    document: RetryOnboarding,
    variables: byId,
    expected: outcomes('U F F F A A U'),
    allowed: (answer) =>
      expect(result(answer, 'retryOnboarding').__typename).toBe('RetryOnboardingSuccess'),
  },
  {
    field: 'cancelOnboarding',
    document: CancelOnboarding,
    variables: byId,
    expected: outcomes('U F F F A A U'),
    allowed: (answer) => {
      const answered = result(answer, 'cancelOnboarding') as {
        __typename: string;
        onboarding: { cancelledAt: string | null };
      };
      expect(answered.__typename).toBe('CancelOnboardingSuccess');
      expect(answered.onboarding.cancelledAt).not.toBeNull();
    },
  },
  {
    field: 'issueOnboardingSession',
    document: IssueOnboardingSession,
    variables: byId,
    expected: outcomes('U F F F A A U'),
    allowed: async (answer, target) => {
      const answered = result(answer, 'issueOnboardingSession') as {
        __typename: string;
        session: { token: string; expiresAt: string; onboarding: { id: string } };
      };
      expect(answered.__typename).toBe('IssueOnboardingSessionSuccess');
      expect(answered.session.onboarding.id).toBe(target.id);
      // Good for the iframe link's hour.
      const lifetime = Date.parse(answered.session.expiresAt) - Date.now();
      expect(lifetime).toBeGreaterThan(59 * 60_000);
      expect(lifetime).toBeLessThanOrEqual(60 * 60_000);
      // It reads its onboarding and is refused what a session token may not do.
      const token = `Bearer ${answered.session.token}`;
      const read = await t.gql(LookUpOnboarding, byId(target), token);
      expect(read.body).toEqual({
        data: { onboarding: { id: target.id, clientIdentifier: target.clientIdentifier } },
      });
      const list = await t.gql(ListOnboardings, {}, token);
      expect(codes(list.body.errors)).toEqual(['FORBIDDEN']);
    },
  },
  {
    field: 'revealSendzenApiKey',
    document: RevealSendzenApiKey,
    variables: byId,
    expected: outcomes('U F F F F A U'),
    allowed: (answer) => {
      const answered = result(answer, 'revealSendzenApiKey') as {
        __typename: string;
        customerApiKey: { apiKey: string; onboarding: { sendzenApiKeyPreview: string } };
      };
      expect(answered.__typename).toBe('RevealSendzenApiKeySuccess');
      const { apiKey, onboarding } = answered.customerApiKey;
      expect(apiKey.length).toBeGreaterThan(8);
      expect(onboarding.sendzenApiKeyPreview).toBe(`…${apiKey.slice(-4)}`);
    },
  },
];

interface SubscriptionCase {
  field: string;
  document: Operation<Data>;
  variables(target: Target): Data;
  expected: Record<CallerName, Outcome>;
  /** Lets an allowed subscriber receive something: one onboarding's is its current state. */
  needsChanges: boolean;
  /** A value the allowed subscriber may receive. */
  matches(value: Data, target: Target): boolean;
}

const SUBSCRIPTIONS: SubscriptionCase[] = [
  {
    field: 'onboardingUpdated',
    document: WatchOnboarding,
    variables: byId,
    expected: outcomes('U A N A A A U'),
    needsChanges: false,
    matches: (value, target) =>
      (value.onboardingUpdated as { id: string } | undefined)?.id === target.id,
  },
  {
    field: 'onboardingsUpdated',
    document: WatchOnboardings,
    variables: () => ({}),
    expected: outcomes('U F F A A A U'),
    needsChanges: true,
    matches: (value) => (value.onboardingsUpdated as { id: string } | undefined)?.id === scratch.id,
  },
];

// ---------------------------------------------------------------------------------------------
// Setup
// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  t = await startTestGateway();
  keys.read = await t.keyWith('read');
  keys.write = await t.keyWith('write');
  keys.admin = await t.keyWith('admin');
  // An admin key, revoked: what it could do before is of no help now.
  const revoked = await createApiKey(t.gateway.database.apiKeys, {
    name: 'revoked',
    scopes: ['admin'],
  });
  expect(await t.gateway.database.apiKeys.revoke(revoked.id, Date.now())).toBe('revoked');
  keys.revoked = `Bearer ${revoked.key}`;

  const fields = [...QUERIES_AND_MUTATIONS, ...SUBSCRIPTIONS].map((op) => op.field);
  const prepared = await Promise.all([
    prepare('authz-other'),
    prepare('authz-scratch'),
    ...fields.map((field) => prepare(`authz-${field}`)),
  ]);
  [other, scratch] = prepared as [Target, Target];
  for (const [i, field] of fields.entries()) targets.set(field, prepared[i + 2]!);
});
afterAll(() => t?.close());

// ---------------------------------------------------------------------------------------------
// The matrix over HTTP
// ---------------------------------------------------------------------------------------------

describe.each(QUERIES_AND_MUTATIONS)('$field over HTTP', (op) => {
  it.each(CALLERS.map((caller) => [caller, op.expected[caller]] as const))(
    '%s: %s',
    async (caller, outcome) => {
      const target = targets.get(op.field)!;
      const isMutation = op.document.query.startsWith('mutation');
      const before = isMutation ? await state(target.id) : undefined;
      const res = await t.gql<Data>(
        op.document,
        op.variables(target, caller),
        authorizationOf(caller, target),
      );

      switch (outcome) {
        case 'UNAUTHENTICATED':
          expect(res.status).toBe(401);
          expect(res.body.data).toBeUndefined();
          expect(codes(res.body.errors)).toEqual(['UNAUTHENTICATED']);
          break;
        case 'FORBIDDEN':
          expect(res.status).toBe(200);
          expect(codes(res.body.errors)).toEqual(['FORBIDDEN']);
          expect(res.body.errors![0]!.path).toEqual([op.field]);
          expect(res.body.errors![0]!.message).toBe(
            `This credential may not use ${isMutation ? 'Mutation' : 'Query'}.${op.field}`,
          );
          expect(res.body.data?.[op.field] ?? null).toBeNull();
          break;
        case 'NOT_FOUND': {
          expect(res.status).toBe(200);
          expect(res.body.errors).toBeUndefined();
          op.notFound!(res.body.data!);
          // Exactly what an id that names nothing gets: existence does not leak.
          const nowhere = { ...target, id: 'Onboarding-that-does-not-exist' };
          const missing = await t.gql<Data>(
            op.document,
            op.variables(nowhere, caller),
            authorizationOf(caller, target),
          );
          expect(missing.body).toEqual(res.body);
          break;
        }
        case 'ALLOWED':
          expect(res.status).toBe(200);
          expect(res.body.errors).toBeUndefined();
          await op.allowed(res.body.data!, target, caller);
          break;
      }

      if (isMutation && outcome !== 'ALLOWED') {
        // A refused call changes nothing.
        const after = await state(target.id);
        expect(after.version).toBe(before!.version);
        expect(after.events.edges).toHaveLength(before!.events.edges.length);
        if (op.field === 'onboardCustomer') {
          const made = await t.gql(ListOnboardings, { search: newCustomer(caller) });
          expect(made.body.data!.onboardings.edges).toEqual([]);
        }
      }
    },
  );
});

// ---------------------------------------------------------------------------------------------
// The matrix for subscriptions, over SSE and over graphql-ws
// ---------------------------------------------------------------------------------------------

describe.each(SUBSCRIPTIONS)('$field over SSE', (op) => {
  it.each(CALLERS.map((caller) => [caller, op.expected[caller]] as const))(
    '%s: %s',
    async (caller, outcome) => {
      const target = targets.get(op.field)!;
      const sub = await sse(op.document, op.variables(target), authorizationOf(caller, target));
      try {
        if (outcome === 'UNAUTHENTICATED') {
          expect(sub.status).toBe(401);
          expect(codes(sub.json?.errors)).toEqual(['UNAUTHENTICATED']);
          return;
        }
        expect(sub.status).toBe(200);
        if (outcome === 'ALLOWED') {
          const matching = (f: SseFrame) =>
            Boolean(f.data?.data && op.matches(f.data.data, target));
          if (op.needsChanges) await keepChanging(() => sub.frames.find(matching));
          await sub.waitFor(matching);
          expect(sub.frames.filter((f) => f.data?.errors)).toEqual([]);
          return;
        }
        // Refused in the stream: one error, then the stream completes.
        await sub.waitFor((f) => f.event === 'complete');
        expect(sub.frames.map((f) => f.event)).toEqual(['next', 'complete']);
        const [first] = sub.frames;
        expect(first!.data?.data ?? null).toBeNull();
        expect(codes(first!.data?.errors)).toEqual([outcome]);
        if (outcome === 'NOT_FOUND') {
          // The same answer as for an onboarding that does not exist.
          const nowhere = await sse(
            op.document,
            { id: 'Onboarding-that-does-not-exist' },
            authorizationOf(caller, target),
          );
          await nowhere.waitFor((f) => f.event === 'complete');
          expect(nowhere.frames[0]!.data?.errors?.map((e) => e.message)).toEqual(
            first!.data?.errors?.map((e) => e.message),
          );
        }
      } finally {
        sub.close();
      }
    },
  );
});

describe.each(SUBSCRIPTIONS)('$field over graphql-ws', (op) => {
  it.each(CALLERS.map((caller) => [caller, op.expected[caller]] as const))(
    '%s: %s',
    async (caller, outcome) => {
      const target = targets.get(op.field)!;
      const sub = t.ws<Data>(op.document, op.variables(target), authorizationOf(caller, target));
      try {
        if (outcome === 'ALLOWED') {
          const matching = (v: Data) => op.matches(v, target);
          if (op.needsChanges) await keepChanging(() => sub.values.find(matching));
          await sub.waitFor(matching);
          expect(sub.errors).toEqual([]);
          return;
        }
        // The browser's WebSocket cannot send headers: a missing or invalid credential in the
        // connection parameters gets the socket closed before any operation runs.
        const expected =
          outcome === 'UNAUTHENTICATED' ? 'close 4403 Forbidden' : (outcome as string);
        await sub.waitForErrors();
        expect(wsCodes(sub.errors)).toEqual([expected]);
        expect(sub.values).toEqual([]);
      } finally {
        await sub.close();
      }
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Beyond the matrix
// ---------------------------------------------------------------------------------------------

describe('revealing the customer’s SendZen API key', () => {
  it('writes a secret.revealed event naming the admin key that asked, and nothing else about the key', async () => {
    const target = await prepare('authz-reveal-audit');
    const alice = await createApiKey(t.gateway.database.apiKeys, {
      name: 'ops-alice',
      scopes: ['admin'],
    });
    const res = await t.gql(RevealSendzenApiKey, byId(target), `Bearer ${alice.key}`);
    expect(res.body.errors).toBeUndefined();
    const { apiKey } = res.body.data!.revealSendzenApiKey.customerApiKey!;

    const revealed = (await state(target.id)).events.edges
      .map((e) => e.node)
      .filter((e) => e.type === 'secret.revealed');
    expect(revealed).toHaveLength(1);
    expect(revealed[0]!.message).toContain(`API key "ops-alice" (${alice.id})`);
    // The event log is readable by every read key: it names the caller, never the secret.
    const rows = (await tableRows(t.gateway.database, 'onboardingEvents')).filter(
      (row) => row.onboardingId === target.raw,
    );
    const audit = rows.filter((row) => row.type === 'secret.revealed');
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0])).toContain('ops-alice');
    expect(JSON.stringify(rows)).not.toContain(apiKey);
  });
});

describe('an onboarding session token that has expired', () => {
  it('is refused with 401 over HTTP and SSE, and closes a WebSocket', async () => {
    const target = targets.get('onboarding')!;
    // Issued an hour and a millisecond ago: just past its lifetime.
    const { token } = t.gateway.sessions.issue(target.raw, 0, Date.now() - 3_600_001);
    // The same token, issued now, works: the refusal is for its age alone.
    const fresh = t.gateway.sessions.issue(target.raw, 0).token;
    const ok = await t.gql(LookUpOnboarding, byId(target), `Bearer ${fresh}`);
    expect(ok.body).toEqual({
      data: { onboarding: { id: target.id, clientIdentifier: target.clientIdentifier } },
    });

    const http = await t.gql(LookUpOnboarding, byId(target), `Bearer ${token}`);
    expect(http.status).toBe(401);
    expect(codes(http.body.errors)).toEqual(['UNAUTHENTICATED']);
    expect(http.body.errors![0]!.message).toMatch(/expired/);

    const stream = await sse(WatchOnboarding, byId(target), `Bearer ${token}`);
    expect(stream.status).toBe(401);
    expect(codes(stream.json?.errors)).toEqual(['UNAUTHENTICATED']);

    const ws = t.ws(WatchOnboarding, byId(target), `Bearer ${token}`);
    try {
      await ws.waitForErrors();
      expect(wsCodes(ws.errors)).toEqual(['close 4403 Forbidden']);
      expect(ws.values).toEqual([]);
    } finally {
      await ws.close();
    }
  });

  it('starts nothing more on a WebSocket it opened once the token has expired', async () => {
    const target = targets.get('onboarding')!;
    // A token good when the socket connects, expiring soon after; a machine too slow to connect
    // within its life tries again with a longer one.
    await withWindow(1_000, 32_000, async (lifetimeMs) => {
      const { token, expiresAt } = t.gateway.sessions.issue(target.raw, 0, Date.now(), lifetimeMs);
      const ws = t.ws(WatchOnboarding, byId(target), `Bearer ${token}`);
      try {
        const connected = await ws
          .waitFor((v) => v.onboardingUpdated.id === target.id)
          .then(
            () => true,
            (error: unknown) => {
              if (Date.now() >= expiresAt) return false;
              throw error;
            },
          );
        if (!connected) return MISSED;
        // The subscription ends with the token; an operation started after that is refused.
        await ws.ended;
        await new Promise((r) => setTimeout(r, Math.max(0, expiresAt + 1 - Date.now())));
        // The client may have closed its idle socket and must connect again: either way the
        // operation is refused (UNAUTHENTICATED on the socket, or the reconnect closed 4403).
        const later = await new Promise<{ data?: unknown; errors?: readonly unknown[] }>(
          (resolve) => {
            ws.client.subscribe(
              { query: LookUpOnboarding.query, variables: byId(target) },
              {
                next: resolve,
                error: (error) => resolve({ errors: Array.isArray(error) ? error : [error] }),
                complete: () => {},
              },
            );
          },
        );
        expect((later.data as { onboarding?: unknown } | undefined)?.onboarding ?? null).toBeNull();
        expect(wsCodes([...(later.errors ?? [])])).toEqual([
          expect.stringMatching(/^(UNAUTHENTICATED|close 4403 Forbidden)$/),
        ]);
      } finally {
        await ws.close();
      }
    });
  });
});

describe('a subscription opened with a session token', () => {
  it('ends when the token expires, over SSE', async () => {
    const target = targets.get('onboarding')!;
    // A token good when the subscription starts, expiring soon after; a machine too slow to start
    // it within the token's life tries again with a longer one.
    await withWindow(800, 32_000, async (lifetimeMs) => {
      const { token, expiresAt } = t.gateway.sessions.issue(target.raw, 0, Date.now(), lifetimeMs);
      const res = await fetch(`${t.gateway.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          authorization: `Bearer ${token}`,
        },
        body: JSON.stringify({ query: WatchOnboarding.query, variables: byId(target) }),
        signal: AbortSignal.timeout(HANG_MS),
      });
      const text = await res.text();
      // Refused (401), or accepted and expired before the subscription began (no current state).
      if (!text.includes(target.id) && Date.now() >= expiresAt) return MISSED;
      expect(res.status).toBe(200);
      // The current state first, then the stream completes on its own once the token expires.
      expect(text).toContain(target.id);
      expect(text).toMatch(/event: complete/);
    });
  });
});

describe('an API key revoked while its WebSocket is open', () => {
  it('starts nothing more on that socket', async () => {
    const target = targets.get('onboarding')!;
    const key = await createApiKey(t.gateway.database.apiKeys, {
      name: 'soon revoked',
      scopes: ['read'],
    });
    const ws = t.ws(WatchOnboarding, byId(target), `Bearer ${key.key}`);
    const ask = () =>
      new Promise<{ data?: unknown; errors?: readonly unknown[] }>((resolve, reject) => {
        ws.client.subscribe(
          { query: LookUpOnboarding.query, variables: byId(target) },
          { next: resolve, error: reject, complete: () => {} },
        );
      });
    try {
      await ws.waitFor((v) => v.onboardingUpdated.id === target.id);
      expect(await ask()).toEqual({
        data: { onboarding: { id: target.id, clientIdentifier: target.clientIdentifier } },
      });

      expect(await t.gateway.database.apiKeys.revoke(key.id, Date.now())).toBe('revoked');
      const later = await ask();
      expect(later.data ?? null).toEqual({ onboarding: null });
      expect(wsCodes([...(later.errors ?? [])])).toEqual(['UNAUTHENTICATED']);
    } finally {
      await ws.close();
    }
  });
});
