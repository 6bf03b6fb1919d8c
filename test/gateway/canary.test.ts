// A canary: recognisable secrets flow through a whole onboarding (the Embedded Signup code the
// browser relays, the customer's SendZen API key, the sender's bearer token, every webhook secret,
// the gateway's own upstream credentials), and none of them shows up where it must not: in a
// GraphQL response (but the one deliberate, admin-only reveal), in an error, in a log line, or in
// the bytes of the database files. What GraphQL may show of a secret is its last four characters.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys.ts';
import type { Gateway } from '../../src/gateway.ts';
import {
  type OnboardingSecretKind,
  openOnboardingSecret,
  openSenderToken,
} from '../../src/onboarding/secrets.ts';
import { rawOnboardingId } from '../../src/schema/ids.ts';
import { loadSecretKeys } from '../../src/secrets/keys.ts';
import { Sealer } from '../../src/secrets/seal.ts';
import { sinchClients } from '../support/clients.ts';
import { fastTuning, type Sandbox } from '../support/fake.ts';
import {
  type Subscription,
  startTestGateway,
  subscribeWs,
  type TestGateway,
} from '../support/gateway.ts';
import {
  type Document,
  documentText,
  type EveryField,
  IssueOnboardingSession,
  ListOnboardingsEveryField,
  OnboardCustomerEveryField,
  ReadNodeEveryField,
  ReadOnboardingEveryField,
  RefreshOnboardingLink,
  RelaySignupResultEveryField,
  type ResultOf,
  RevealSendzenApiKeyEveryField,
  WatchOnboardingEveryField,
  WatchOnboardingsEveryField,
} from '../support/operations.ts';
import { columnsContaining, databaseBytes, tableRows } from '../support/rows.ts';
import { HANG_MS } from '../support/windows.ts';

// ---------------------------------------------------------------------------------------------
// A gateway whose every log line and every GraphQL answer is kept
// ---------------------------------------------------------------------------------------------

let sandbox: Sandbox;
let gateway: Gateway;
let dir: string;
let admin: string;
let sealer: Sealer;
const logLines: string[] = [];
/** Every GraphQL answer, raw, as the client received it; the reveal's is kept apart. */
const answers: string[] = [];
const revealAnswers: string[] = [];

/** Meta's authorization code for the customer's number: the fake issues it (Sinch verifies it). */
let CODE: string;

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({ log: { level: 'debug', lines: logLines } });
  ({ sandbox, gateway, dir, admin } = t);
  sealer = new Sealer(loadSecretKeys({ databaseFile: join(dir, 'gateway.sqlite') }));
});
afterAll(async () => {
  await t?.close();
});

interface Answer<T> {
  status: number;
  body: { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
}

async function gql<T = Record<string, unknown>>(
  document: Document<T>,
  variables: Record<string, unknown> = {},
  authorization: string = admin,
  keep: string[] = answers,
): Promise<Answer<T>> {
  const res = await fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      authorization,
    },
    body: JSON.stringify({ query: documentText(document), variables }),
  });
  const text = await res.text();
  keep.push(text);
  return { status: res.status, body: JSON.parse(text) as Answer<T>['body'] };
}

/**
 * An SSE subscription whose raw stream is kept, word for word; `waitFor` resolves with the first
 * value (the data of a `next` event) that matches, as it arrives.
 */
async function rawSse<T>(
  document: Document<T>,
  variables: Record<string, unknown>,
  authorization: string,
) {
  const controller = new AbortController();
  const res = await fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization },
    body: JSON.stringify({ query: documentText(document), variables }),
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  const stream = { text: '' };
  const values: T[] = [];
  const waiters = new Set<() => void>();
  void (async () => {
    let buffer = '';
    try {
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        stream.text += value;
        buffer += value;
        for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
          const data = buffer
            .slice(0, end)
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trim())
            .join('\n');
          buffer = buffer.slice(end + 2);
          const payload = data ? (JSON.parse(data) as { data?: T }) : undefined;
          if (payload?.data) values.push(payload.data);
        }
        for (const waiter of [...waiters]) waiter();
      }
    } catch {
      // Aborted.
    }
  })();
  const waitFor = (match: (value: T) => boolean) =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const found = values.find(match);
        if (found === undefined) return false;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new Error(`no matching SSE value within ${HANG_MS} ms: ${stream.text.slice(-2000)}`),
        );
      }, HANG_MS);
      if (!check()) waiters.add(check);
    });
  return { stream, waitFor, close: () => controller.abort() };
}

/**
 * KNOWN BUG, pinned so that it cannot go unnoticed either way: a signed Sinch provisioning callback
 * is stored verbatim in webhook_deliveries.body, and the ACTIVE one carries the sender's bearer
 * token, in clear. The fix belongs in src/webhooks (seal or strip `payload.bearerToken` before the
 * delivery is stored); once it lands, this list must be emptied, and the byte scan below then
 * checks the bearer token as well.
 */
const KNOWN_LEAKS: string[] = [];

// ---------------------------------------------------------------------------------------------
// The whole onboarding, once; each test then looks for the secrets somewhere else
// ---------------------------------------------------------------------------------------------

let ready: EveryField;
let raw: string;
/** The secrets, by what they are: every value read from where it really lives. */
const secrets: Record<string, string> = {};

describe('a whole onboarding with canary secrets', () => {
  let sse: Awaited<ReturnType<typeof rawSse<ResultOf<typeof WatchOnboardingEveryField>>>>;
  let ws: Subscription<unknown>;

  it('runs to READY: the browser relays the Embedded Signup code with its session token', async () => {
    const started = await gql(OnboardCustomerEveryField, {
      input: { clientIdentifier: 'canary-shop', displayName: 'Canary Shop', region: 'EU' },
    });
    expect(started.body.errors).toBeUndefined();
    const { sessionToken, onboarding } = started.body.data!.onboardCustomer;
    raw = rawOnboardingId(onboarding.id);
    const session = `Bearer ${sessionToken}`;

    sse = await rawSse(WatchOnboardingEveryField, { id: onboarding.id }, session);
    ws = subscribeWs(gateway.url, WatchOnboardingsEveryField, {}, { authorization: admin });

    // Settled before the signup: the subproject and its provisioning webhook are made.
    await sse.waitFor(({ onboardingUpdated: now }) => {
      const status = (name: string) => now.steps.find((s) => s.name === name)?.status;
      return (
        status('PROVISIONING_WEBHOOK') === 'SUCCEEDED' && status('CUSTOMER_SIGNUP') === 'WAITING'
      );
    });

    CODE = (
      await sandbox.control<{ code: string }>('POST', '/meta/codes', {
        wabaId: '411111111111111',
        phoneNumberId: '422222222222222',
      })
    ).code;

    // What a careless or hostile page might do with the code first: each is refused.
    const wrongCustomer = await gql(
      RelaySignupResultEveryField,
      {
        input: {
          onboardingId: onboarding.id,
          status: 'COMPLETED',
          wabaId: '411111111111111',
          phoneNumberId: '422222222222222',
          clientIdentifier: 'someone-else',
          code: CODE,
        },
      },
      session,
    );
    expect(wrongCustomer.body.data!.relaySignupResult.__typename).toBe('InvalidInput');
    const badIds = await gql(
      RelaySignupResultEveryField,
      {
        input: {
          onboardingId: onboarding.id,
          status: 'COMPLETED',
          wabaId: 'not-a-number',
          phoneNumberId: '422222222222222',
          code: CODE,
        },
      },
      session,
    );
    expect(badIds.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const relayed = await gql(
      RelaySignupResultEveryField,
      {
        input: {
          onboardingId: onboarding.id,
          status: 'COMPLETED',
          wabaId: '411111111111111',
          phoneNumberId: '422222222222222',
          code: CODE,
        },
      },
      session,
    );
    expect(relayed.body.errors).toBeUndefined();
    expect(relayed.body.data!.relaySignupResult.__typename).toBe('RelaySignupResultSuccess');

    await sse.waitFor(
      ({ onboardingUpdated: o }) => o.status === 'READY' || o.status === 'ACTION_REQUIRED',
    );
    // READY ended the browser's session: a browser still showing it needs a fresh one.
    expect((await gql(ReadOnboardingEveryField, { id: onboarding.id }, session)).status).toBe(401);
    const renewed = await gql(IssueOnboardingSession, { id: onboarding.id });
    const browser = `Bearer ${renewed.body.data!.issueOnboardingSession.session!.token}`;
    ready = (await gql(ReadOnboardingEveryField, { id: onboarding.id }, browser)).body.data!
      .onboarding!;
    expect(ready.status).toBe('READY');
    expect(ready.sender?.hasBearerToken).toBe(true);
    expect(ready.hasSendzenApiKey).toBe(true);

    // The code reached Sinch with the sender create (the fake's journal shows it was sent).
    const creates = (await sandbox.journal('provisioning')).filter(
      (e) => e.method === 'POST' && /\/whatsapp\/senders$/.test(e.path ?? ''),
    );
    expect(creates).toHaveLength(1);
    expect(creates[0]!.requestBody).toMatchObject({ authenticationCode: '[REDACTED]' });

    // Everything else the partner and the browser can read, once READY.
    await gql(ListOnboardingsEveryField);
    await gql(ReadNodeEveryField, { id: onboarding.id });
    await gql(ReadOnboardingEveryField, { id: onboarding.id }, browser);
    // Errors: a write key asking for the key, and a refresh that is no longer possible.
    const forbidden = await gql(
      RevealSendzenApiKeyEveryField,
      { id: onboarding.id },
      await writeKey(),
    );
    expect(forbidden.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const refreshed = await gql(RefreshOnboardingLink, { id: onboarding.id });
    expect(refreshed.body.data!.refreshOnboardingLink.__typename).toBe('PreconditionFailed');

    // The one deliberate way out: the admin reveal (kept apart from the other answers).
    const revealed = await gql(
      RevealSendzenApiKeyEveryField,
      { id: onboarding.id },
      admin,
      revealAnswers,
    );
    expect(revealed.body.data!.revealSendzenApiKey.__typename).toBe('RevealSendzenApiKeySuccess');
    secrets['the customer’s SendZen API key (revealed)'] =
      revealed.body.data!.revealSendzenApiKey.customerApiKey!.apiKey;

    // The subscribers saw the whole way to READY.
    await sse.waitFor(({ onboardingUpdated: o }) => o.status === 'READY');
    await ws.waitFor((v) => JSON.stringify(v).includes('"READY"'));
    sse.close();
    await ws.close();
    answers.push(sse.stream.text, JSON.stringify(ws.values), JSON.stringify(ws.errors));
    expect(ws.errors).toEqual([]);
  });

  it('knows every secret that flowed, read from where it lives', async () => {
    expect(ready, 'the onboarding reached READY').toBeDefined();
    const row = (await tableRows(gateway.database, 'onboardings')).find((r) => r.id === raw)!;
    const open = (kind: OnboardingSecretKind, sealed: string | null) =>
      openOnboardingSecret(sealer, raw, kind, sealed!);
    secrets['the Embedded Signup code'] = CODE;
    expect(open('signup_code', row.signupCodeSealed)).toBe(CODE);
    secrets['the customer’s SendZen API key'] = open('sendzen_api_key', row.sendzenApiKeySealed);
    expect(secrets['the customer’s SendZen API key']).toBe(
      secrets['the customer’s SendZen API key (revealed)'],
    );
    secrets['the SendZen webhook token'] = open(
      'sendzen_webhook_token',
      row.sendzenWebhookTokenSealed,
    );
    secrets['the provisioning webhook secret'] = open(
      'provisioning_webhook_secret',
      row.provisioningWebhookSecretSealed,
    );
    secrets['the app webhook secret'] = open('app_webhook_secret', row.appWebhookSecretSealed);
    const sender = (await tableRows(gateway.database, 'senders')).find(
      (r) => r.onboardingId === raw,
    )!;
    secrets['the sender’s bearer token'] = openSenderToken(
      sealer,
      sender.id,
      sender.bearerTokenSealed!,
    );
    secrets['the SendZen partner key'] = sandbox.credentials.sendzenPartnerKey;
    secrets['the Sinch key secret'] = sandbox.credentials.sinchKeySecret;
    expectEverySecret();
  });

  it('shows each secret in no GraphQL answer or error but the reveal, only its last four characters', () => {
    expectEverySecret();
    expect(answers.length).toBeGreaterThan(10);
    const all = answers.join('\n');
    for (const [what, value] of Object.entries(secrets)) {
      expect(all.includes(value), `${what} appears in a GraphQL answer`).toBe(false);
    }
    // The reveal answer carries the API key and nothing else secret.
    const reveal = revealAnswers.join('\n');
    expect(reveal).toContain(secrets['the customer’s SendZen API key']);
    for (const [what, value] of Object.entries(secrets)) {
      if (what.startsWith('the customer’s SendZen API key')) continue;
      expect(reveal.includes(value), `${what} appears in the reveal`).toBe(false);
    }

    expect(ready.sendzenApiKeyPreview).toBe(
      `…${secrets['the customer’s SendZen API key']!.slice(-4)}`,
    );
    expect(ready.sender!.bearerTokenPreview).toBe(
      `…${secrets['the sender’s bearer token']!.slice(-4)}`,
    );
  });

  it('writes each secret to no log line', () => {
    expectEverySecret();
    // The capture works: every upstream call and every GraphQL request was logged at debug.
    const messages = logLines.map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages.filter((m) => m === 'upstream call').length).toBeGreaterThanOrEqual(7);
    expect(messages.filter((m) => m === 'yoga').length).toBeGreaterThan(20);
    const all = logLines.join('');
    for (const [what, value] of Object.entries(secrets)) {
      expect(all.includes(value), `${what} appears in a log line`).toBe(false);
    }
    // Nor the credentials callers sent.
    expect(all.includes(admin.slice('Bearer '.length))).toBe(false);
  });

  it('keeps each secret out of every column of every table', async () => {
    expectEverySecret();
    const found = await columnsContaining(gateway.database, secrets);
    expect(found).toEqual(KNOWN_LEAKS);
  });

  it('keeps each secret out of the database’s bytes (its files, or a dump of it)', () => {
    expectEverySecret();
    const files = databaseBytes(t);
    expect(files[0]!.bytes.length).toBeGreaterThan(0);
    // The scan can see: what is stored in clear is found.
    expect(files.some((f) => f.bytes.includes('canary-shop'))).toBe(true);
    const pinned = new Set(KNOWN_LEAKS.map((leak) => leak.split(' in ')[0]));
    for (const { file, bytes } of files) {
      for (const [what, value] of Object.entries(secrets)) {
        if (pinned.has(what)) continue;
        expect(bytes.includes(value), `${what} appears in ${file}`).toBe(false);
      }
    }
  });

  it('stored the bearer token Sinch really issued', async () => {
    // Last: a Sinch client in this process remembers the token for redaction, so it runs after
    // the log has been checked.
    const tuning = fastTuning();
    const sinch = sinchClients(sandbox, tuning);
    const sender = await sinch.provisioning.getSender(ready.subprojectId!, ready.sender!.id);
    expect(sender.bearerToken).toBe(secrets['the sender’s bearer token']);
    await tuning.pools.close();
  });
});

/** The scans below prove something only once every secret is known. */
function expectEverySecret() {
  expect(Object.keys(secrets)).toHaveLength(9);
  for (const [what, value] of Object.entries(secrets)) {
    expect(value.length, what).toBeGreaterThanOrEqual(16);
  }
}

async function writeKey(): Promise<string> {
  const { key } = await createApiKey(gateway.database.apiKeys, {
    name: 'canary writer',
    scopes: ['write'],
  });
  return `Bearer ${key}`;
}
