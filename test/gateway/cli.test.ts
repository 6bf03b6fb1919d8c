// The operator's CLI (`npm run gateway -- ...`), run as its own process against the database a
// gateway uses: a key it creates is printed once and works at once; listed; revoked, it is refused
// from the next request on; bad input exits non-zero saying why. `secrets rotate` (sandbox key
// file) and `secrets reseal` (configured keys) re-seal every secret, after which a gateway holding
// only the new key still opens all of them. `--help` anywhere prints usage without touching a
// database; exit codes are 0 done, 1 failed, 2 usage error.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { type Gateway, startGateway } from '../../src/gateway.ts';
import { openOnboardingSecret } from '../../src/onboarding/secrets.ts';
import { withSandbox } from '../../src/sandbox.ts';
import { rawOnboardingId } from '../../src/schema/ids.ts';
import { keyFilePath, loadSecretKeys, readKeyFile } from '../../src/secrets/keys.ts';
import { keyFromBase64, Sealer } from '../../src/secrets/seal.ts';
import { signCallback } from '../../src/upstreams/sinch/signature.ts';
import { testStoreEnv } from '../support/databases.ts';
import { type Sandbox, startSandbox } from '../support/fake.ts';
import {
  type GraphQLResponse,
  graphql,
  newBootstrapKey,
  readOnboarding,
  testEnv,
  waitForOnboarding,
} from '../support/gateway.ts';
import {
  ListOnboardings,
  OnboardCustomer,
  type OnboardingView,
  RelaySignupResult,
  RevealSendzenApiKey,
} from '../support/operations.ts';
import { tableRows } from '../support/rows.ts';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

let sandbox: Sandbox;
const dirs: string[] = [];
const stores = new Map<string, Awaited<ReturnType<typeof testStoreEnv>>>();
const running = new Set<Gateway>();
const adminKey = newBootstrapKey();
const admin = `Bearer ${adminKey}`;

beforeAll(async () => {
  sandbox = await startSandbox({
    senderActivationMs: 50,
    callbackRetryDelaysMs: [20, 50, 100],
    metaCodeTtlMs: 600_000,
  });
});
afterAll(async () => {
  for (const gateway of running) await gateway.close();
  await sandbox?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  for (const store of stores.values()) await store.drop();
});

/** A folder for a gateway's files, and the store it runs on (see test/support/databases.ts). */
async function tempDir(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-cli-'));
  dirs.push(dir);
  stores.set(dir, await testStoreEnv());
  return dir;
}

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node --import tsx src/cli.ts ...args` with exactly this configuration, as an operator runs it. */
function cli(args: string[], env: Record<string, string>): Promise<CliRun> {
  const base: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR']) {
    if (process.env[key] !== undefined) base[key] = process.env[key]!;
  }
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((done) => child.once('close', (code) => done({ code, stdout, stderr })));
}

/** A sandbox-mode gateway on the database in `dir`, its upstreams the suite's fake. */
async function start(dir: string, env: Record<string, string> = {}): Promise<Gateway> {
  const config = withSandbox(
    loadConfig(testEnv(dir, { BOOTSTRAP_API_KEY: adminKey, ...stores.get(dir)?.env, ...env })),
    sandbox,
  );
  const gateway = await startGateway(config);
  running.add(gateway);
  return gateway;
}

async function stop(gateway: Gateway) {
  await gateway.close();
  running.delete(gateway);
}

const dbEnv = (dir: string) => ({
  DATABASE_FILE: join(dir, 'gateway.sqlite'),
  ...stores.get(dir)?.env,
});

const LIST_ONE = { first: 1 };

const codes = (res: GraphQLResponse<unknown>) =>
  (res.body.errors ?? []).map((e) => e.extensions?.code);

/** A time as the CLI shows it: `2025-01-31 09:05 UTC`. */
const shown = (millis: number) => {
  const iso = new Date(millis).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
};

/**
 * `keys list` read the way a person reads it: each cell is what stands below its header, so a
 * value that is not lined up with its header comes out wrong.
 */
function keyTable(stdout: string): Record<string, string>[] {
  const [header, ...rows] = stdout.trimEnd().split('\n');
  const labels = ['ID', 'NAME', 'SCOPES', 'CREATED', 'STATE'];
  expect(header).toMatch(/^ID +NAME +SCOPES +CREATED +STATE$/);
  const starts = labels.map((label) => header!.indexOf(label));
  return rows.map((line) =>
    Object.fromEntries(
      labels.map((label, i) => [label, line.slice(starts[i], starts[i + 1]).trimEnd()]),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Partner API keys
// ---------------------------------------------------------------------------------------------

describe('keys', () => {
  let dir: string;
  let gateway: Gateway;
  let created: { id: string; key: string; at: number };
  let revokedAt: string;

  beforeAll(async () => {
    dir = await tempDir();
    gateway = await start(dir);
  });

  it('create prints the key once, and the running gateway takes it at once, within its scopes', async () => {
    const at = Date.now();
    const run = await cli(['keys', 'create', '--name', 'ci', '--scopes', 'read'], dbEnv(dir));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    const id = /^Created API key ([0-9A-Z]{26}) "ci" with scopes read\.$/.exec(lines[0]!)?.[1];
    expect(id).toBeDefined();
    expect(lines[1]).toBe('Store it now: it is shown only this once.');
    expect(lines[2]).toMatch(new RegExp(`^gwk_${id}_[A-Za-z0-9_-]{43}$`));
    created = { id: id!, key: lines[2]!, at };

    const bearer = { authorization: `Bearer ${created.key}` };
    const read = await graphql(gateway.url, ListOnboardings, LIST_ONE, bearer);
    expect(read.status).toBe(200);
    expect(read.body.errors).toBeUndefined();
    expect(read.body.data!.onboardings.edges).toEqual([]);
    // A read key may not write.
    const write = await graphql(
      gateway.url,
      OnboardCustomer,
      { input: { clientIdentifier: 'cli-read-only' } },
      bearer,
    );
    expect(codes(write)).toEqual(['FORBIDDEN']);
  });

  it('list shows it under a header, aligned, with when it was made, active, without its secret', async () => {
    const run = await cli(['keys', 'list'], dbEnv(dir));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const rows = keyTable(run.stdout);
    const mine = rows.find((row) => row.ID === created.id);
    expect(mine).toEqual({
      ID: created.id,
      NAME: 'ci',
      SCOPES: 'read',
      CREATED: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/),
      STATE: 'active',
    });
    expect([shown(created.at), shown(Date.now())]).toContain(mine!.CREATED);
    expect(rows.find((row) => row.NAME === 'bootstrap')).toMatchObject({
      SCOPES: 'read,write,admin',
      STATE: 'active',
    });
    expect(run.stdout).not.toContain(created.key.split('_').at(-1));
  });

  it('revoke makes the very next request with the key a 401, and list shows when', async () => {
    const before = Date.now();
    const run = await cli(['keys', 'revoke', created.id], dbEnv(dir));
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(
      `Revoked API key ${created.id}. It is refused from the next request on.`,
    );
    const refused = await graphql(gateway.url, ListOnboardings, LIST_ONE, {
      authorization: `Bearer ${created.key}`,
    });
    expect(refused.status).toBe(401);
    expect(codes(refused)).toEqual(['UNAUTHENTICATED']);
    // Other keys are untouched.
    expect(
      (await graphql(gateway.url, ListOnboardings, LIST_ONE, { authorization: admin })).status,
    ).toBe(200);

    const listed = await cli(['keys', 'list'], dbEnv(dir));
    const row = keyTable(listed.stdout).find((r) => r.ID === created.id)!;
    expect([`revoked ${shown(before)}`, `revoked ${shown(Date.now())}`]).toContain(row.STATE);
    revokedAt = row.STATE!.replace('revoked ', '');
  });

  it('revoking it again changes nothing, says when it was revoked, and exits 0', async () => {
    const before = (await cli(['keys', 'list'], dbEnv(dir))).stdout;
    const run = await cli(['keys', 'revoke', created.id], dbEnv(dir));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `API key ${created.id} was already revoked at ${revokedAt}; nothing changed.\n`,
    );
    expect((await cli(['keys', 'list'], dbEnv(dir))).stdout).toBe(before);
  });

  it('revoke of a key that does not exist exits 1 and says so on stderr', async () => {
    const run = await cli(['keys', 'revoke', '01ARZ3NDEKTSV4RRFFQ69G5FAV'], dbEnv(dir));
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('No API key 01ARZ3NDEKTSV4RRFFQ69G5FAV.\n');
  });

  it('refuses unknown scopes, or no name, with exit 2, a clear message and its usage, creating nothing', async () => {
    const before = (await cli(['keys', 'list'], dbEnv(dir))).stdout;
    const createUsage = (await cli(['keys', 'create', '--help'], {})).stdout;

    const badScope = await cli(
      ['keys', 'create', '--name', 'x', '--scopes', 'read,root'],
      dbEnv(dir),
    );
    expect(badScope.code).toBe(2);
    expect(badScope.stdout).toBe('');
    expect(badScope.stderr).toBe(
      `scopes must be a comma-separated list of read, write, admin (got "read,root")\n\n${createUsage}`,
    );

    const noName = await cli(['keys', 'create', '--scopes', 'read'], dbEnv(dir));
    expect(noName.code).toBe(2);
    expect(noName.stderr).toBe(`keys create needs --name\n\n${createUsage}`);

    const noValue = await cli(['keys', 'create', '--name', '--scopes', 'read'], dbEnv(dir));
    expect(noValue.code).toBe(2);
    expect(noValue.stderr).toBe(`--name needs a value\n\n${createUsage}`);

    expect((await cli(['keys', 'list'], dbEnv(dir))).stdout).toBe(before);
  });
});

describe('keys list on a database with no keys', () => {
  it('says so rather than printing an empty table', async () => {
    const dir = await tempDir();
    const run = await cli(['keys', 'list'], dbEnv(dir));
    expect(run).toEqual({ code: 0, stdout: 'No API keys yet.\n', stderr: '' });
  });
});

// ---------------------------------------------------------------------------------------------
// Help and usage errors
// ---------------------------------------------------------------------------------------------

const COMMANDS = [
  'keys create',
  'keys list',
  'keys revoke',
  'secrets rotate',
  'secrets reseal',
] as const;
const EXIT_CODES = `exit codes:
  0  done (revoking a key that was already revoked included: it stays refused)
  1  failed: no such key, invalid configuration, a database or sealing error
  2  usage error: unknown command or option, missing or invalid argument
`;

describe('help and usage errors', () => {
  let dir: string;
  let env: Record<string, string>;
  /** Each usage text, as `--help` prints it. */
  const usage = new Map<string, string>();

  beforeAll(async () => {
    // Help needs no database: this one does not exist and must still not exist afterwards.
    dir = mkdtempSync(join(tmpdir(), 'gateway-cli-help-'));
    dirs.push(dir);
    env = { DATABASE_FILE: join(dir, 'gateway.sqlite') };
  });

  it('--help and -h print the program usage to stdout, listing every command and the exit codes', async () => {
    const [long, short] = await Promise.all([cli(['--help'], env), cli(['-h'], env)]);
    expect(long.stderr).toBe('');
    expect(long.code).toBe(0);
    expect(short).toEqual(long);
    const text = long.stdout;
    expect(text.split('\n')[0]).toBe('usage: npm run gateway -- <command> [options]');
    for (const command of COMMANDS) expect(text).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    expect(text).toContain('--name NAME [--scopes SCOPES]');
    expect(text).toContain('  -h, --help ');
    expect(text.endsWith(EXIT_CODES)).toBe(true);
    usage.set('program', text);
  });

  it.each(['keys', 'secrets'])("%s --help lists that area's commands", async (area) => {
    const run = await cli([area, '--help'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe(`usage: npm run gateway -- ${area} <command> [options]`);
    for (const command of COMMANDS) {
      const listed = new RegExp(`^  ${command}\\b`, 'm');
      if (command.startsWith(`${area} `)) expect(run.stdout).toMatch(listed);
      else expect(run.stdout).not.toMatch(listed);
    }
    expect(run.stdout.endsWith(EXIT_CODES)).toBe(true);
    usage.set(area, run.stdout);
  });

  it('every command prints its own usage for --help and -h', async () => {
    const runs = await Promise.all(
      COMMANDS.flatMap((command) => [
        cli([...command.split(' '), '--help'], env),
        cli([...command.split(' '), '-h'], env),
      ]),
    );
    for (const [i, command] of COMMANDS.entries()) {
      const [long, short] = runs.slice(i * 2, i * 2 + 2);
      expect(long!.stderr).toBe('');
      expect(long!.code).toBe(0);
      expect(short).toEqual(long);
      const text = long!.stdout;
      expect(text.split('\n')[0]).toMatch(new RegExp(`^usage: npm run gateway -- ${command}\\b`));
      expect(text.endsWith(EXIT_CODES)).toBe(true);
      usage.set(command, text);
    }
    expect(usage.get('keys create')).toMatch(/^ {2}--name NAME /m);
    expect(usage.get('keys create')).toMatch(/^ {2}--scopes SCOPES .*read, write, admin/m);
    expect(usage.get('keys revoke')!.split('\n')[0]).toBe(
      'usage: npm run gateway -- keys revoke ID',
    );
    expect(usage.get('keys revoke')).toContain('Revoking it again changes nothing');
    expect(usage.get('secrets reseal')).toContain(
      'SECRETS_KEY=<new> SECRETS_PREVIOUS_KEYS=<old> npm run gateway -- secrets reseal',
    );
    // Wherever --help stands, and even beside an option the command does not know: the
    // operator asked what the command takes.
    const [before, beside] = await Promise.all([
      cli(['--help', 'keys', 'revoke'], env),
      cli(['keys', 'list', '--bogus', '--help'], env),
    ]);
    expect(before).toEqual({ code: 0, stdout: usage.get('keys revoke'), stderr: '' });
    expect(beside).toEqual({ code: 0, stdout: usage.get('keys list'), stderr: '' });
  });

  it('help needs no configuration and opens no database', async () => {
    // A PORT that fails to load and a PostgreSQL that cannot be reached: help reads neither.
    const unreachable = await cli(['keys', 'list', '--help'], {
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      PORT: 'not-a-port',
    });
    expect(unreachable).toEqual({ code: 0, stdout: usage.get('keys list'), stderr: '' });
  });

  it('no command, or an area without its command, prints that usage to stderr and exits 2', async () => {
    const [none, keys, secrets] = await Promise.all([
      cli([], env),
      cli(['keys'], env),
      cli(['secrets'], env),
    ]);
    expect(none).toEqual({ code: 2, stdout: '', stderr: usage.get('program') });
    expect(keys).toEqual({ code: 2, stdout: '', stderr: usage.get('keys') });
    expect(secrets).toEqual({ code: 2, stdout: '', stderr: usage.get('secrets') });
  });

  it('an unknown option or command exits 2 with one line saying which, then the usage it concerns', async () => {
    const cases: [string[], string, string][] = [
      [['--bogus'], 'unknown option: --bogus', 'program'],
      [['keys', '--bogus'], 'unknown option for keys: --bogus', 'keys'],
      [['keys', 'list', '--bogus'], 'unknown option for keys list: --bogus', 'keys list'],
      [['keys', 'list', '--name', 'x'], 'unknown option for keys list: --name', 'keys list'],
      [['key', 'list'], 'unknown command: key', 'program'],
      [['keys', 'mint'], 'unknown command: keys mint', 'keys'],
      [['keys', 'revoke'], 'keys revoke needs the key id', 'keys revoke'],
      [['keys', 'revoke', 'A', 'B'], 'unexpected argument for keys revoke: B', 'keys revoke'],
      [['secrets', 'rotate', '-f'], 'unknown option for secrets rotate: -f', 'secrets rotate'],
    ];
    const runs = await Promise.all(cases.map(([args]) => cli(args, env)));
    for (const [i, [args, message, topic]] of cases.entries()) {
      expect({ args, ...runs[i] }).toEqual({
        args,
        code: 2,
        stdout: '',
        stderr: `${message}\n\n${usage.get(topic)}`,
      });
    }
  });

  it('a configuration the command cannot run with exits 1 with its message, not a stack', async () => {
    const run = await cli(['keys', 'list'], { DATABASE_URL: 'not-a-url' });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n')[0]).toBe('Invalid configuration:');
    expect(run.stderr).toContain('DATABASE_URL');
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });

  it('none of the help or usage errors above made a database file', () => {
    expect(readdirSync(dir)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Rotating the sealing key
// ---------------------------------------------------------------------------------------------

/** Every sealed value in the database, with where it belongs. */
async function sealedValues(gateway: Gateway) {
  const values: { value: string; context: { table: string; rowId: string; kind: string } }[] = [];
  const columns = {
    sendzenApiKeySealed: 'sendzen_api_key',
    sendzenWebhookTokenSealed: 'sendzen_webhook_token',
    provisioningWebhookSecretSealed: 'provisioning_webhook_secret',
    appWebhookSecretSealed: 'app_webhook_secret',
    signupCodeSealed: 'signup_code',
  } as const;
  for (const row of await tableRows(gateway.database, 'onboardings')) {
    for (const [column, kind] of Object.entries(columns)) {
      const value = row[column as keyof typeof columns];
      if (value) values.push({ value, context: { table: 'onboardings', rowId: row.id, kind } });
    }
  }
  for (const row of await tableRows(gateway.database, 'senders')) {
    if (row.bearerTokenSealed) {
      values.push({
        value: row.bearerTokenSealed,
        context: { table: 'senders', rowId: row.id, kind: 'bearer_token' },
      });
    }
  }
  return values;
}

interface Prepared {
  ready: { id: string; raw: string; apiKey: string; appSecret: string };
  waiting: { id: string; raw: string; clientIdentifier: string; projectId: string; token: string };
  sealed: Awaited<ReturnType<typeof sealedValues>>;
}

/**
 * Two onboardings: one READY (API key, webhook secrets, signup code and bearer token all sealed),
 * one still waiting for its signup. Returns what a test needs to prove the secrets still open.
 */
async function prepare(gateway: Gateway, sealer: Sealer, prefix: string): Promise<Prepared> {
  const headers = { authorization: admin };
  const first = await graphql(
    gateway.url,
    OnboardCustomer,
    { input: { clientIdentifier: `${prefix}-ready` } },
    headers,
  );
  const readyId = first.body.data!.onboardCustomer.onboarding.id;
  const second = await graphql(
    gateway.url,
    OnboardCustomer,
    { input: { clientIdentifier: `${prefix}-waiting`, autoProvision: false } },
    headers,
  );
  const waitingId = second.body.data!.onboardCustomer.onboarding.id;

  const stepStatus = (o: OnboardingView, name: string) =>
    o.steps.find((s) => s.name === name)?.status;
  await waitForOnboarding(
    gateway.url,
    headers,
    readyId,
    (now) => stepStatus(now, 'PROVISIONING_WEBHOOK') === 'SUCCEEDED',
  );
  // Meta's code for the customer's number, which Sinch verifies: a secret the onboarding seals.
  const issued = await sandbox.control<{ code: string; wabaId: string; phoneNumberId: string }>(
    'POST',
    '/meta/codes',
    {},
  );
  const relayed = await graphql(
    gateway.url,
    RelaySignupResult,
    {
      input: {
        onboardingId: readyId,
        status: 'COMPLETED',
        wabaId: issued.wabaId,
        phoneNumberId: issued.phoneNumberId,
        code: issued.code,
      },
    },
    { authorization: `Bearer ${first.body.data!.onboardCustomer.sessionToken}` },
  );
  expect(relayed.body.data?.relaySignupResult.__typename).toBe('RelaySignupResultSuccess');
  await waitForOnboarding(gateway.url, headers, readyId, (now) => now.status === 'READY');
  await waitForOnboarding(
    gateway.url,
    headers,
    waitingId,
    (now) => stepStatus(now, 'PROVISIONING_WEBHOOK') === 'SUCCEEDED',
  );

  const rows = await tableRows(gateway.database, 'onboardings');
  const row = (raw: string) => rows.find((r) => r.id === raw)!;
  const readyRaw = rawOnboardingId(readyId);
  const waitingRaw = rawOnboardingId(waitingId);
  const waitingRow = row(waitingRaw);
  const sealed = await sealedValues(gateway);
  // Everything the READY onboarding holds is sealed: five of its own, and its sender's token.
  expect(sealed.filter((s) => s.context.rowId === readyRaw)).toHaveLength(5);
  expect(sealed.filter((s) => s.context.table === 'senders')).toHaveLength(1);
  return {
    ready: {
      id: readyId,
      raw: readyRaw,
      apiKey: openOnboardingSecret(
        sealer,
        readyRaw,
        'sendzen_api_key',
        row(readyRaw).sendzenApiKeySealed!,
      ),
      appSecret: openOnboardingSecret(
        sealer,
        readyRaw,
        'app_webhook_secret',
        row(readyRaw).appWebhookSecretSealed,
      ),
    },
    waiting: {
      id: waitingId,
      raw: waitingRaw,
      clientIdentifier: `${prefix}-waiting`,
      projectId: waitingRow.sendzenProjectId!,
      token: openOnboardingSecret(
        sealer,
        waitingRaw,
        'sendzen_webhook_token',
        waitingRow.sendzenWebhookTokenSealed,
      ),
    },
    sealed,
  };
}

/**
 * A gateway holding only the new key opens every secret: it reveals the API key, and webhooks
 * signed with, or addressed by, the secrets handed upstream before the rotation are accepted.
 */
async function expectEverySecretOpens(gateway: Gateway, prepared: Prepared) {
  const revealed = await graphql(
    gateway.url,
    RevealSendzenApiKey,
    { id: prepared.ready.id },
    { authorization: admin },
  );
  expect(revealed.body.errors).toBeUndefined();
  expect(revealed.body.data!.revealSendzenApiKey.customerApiKey?.apiKey).toBe(
    prepared.ready.apiKey,
  );

  const body = JSON.stringify({
    app_id: 'APP',
    message: {
      id: `message-${randomBytes(6).toString('hex')}`,
      direction: 'TO_APP',
      contact_message: { text_message: { text: 'hi' } },
    },
  });
  const conversation = await fetch(
    `${gateway.url}/webhooks/sinch/conversation/${prepared.ready.raw}`,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...signCallback({ secret: prepared.ready.appSecret, rawBody: body }),
      },
      body,
    },
  );
  expect({ status: conversation.status, json: await conversation.json() }).toEqual({
    status: 200,
    json: { status: 'accepted' },
  });

  const { waiting } = prepared;
  const signup = await fetch(`${gateway.url}/webhooks/sendzen/${waiting.raw}/${waiting.token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      status: 'completed',
      project_id: waiting.projectId,
      client_identifier: waiting.clientIdentifier,
      waba_id: '300000000000001',
      phone_number_id: '300000000000002',
    }),
  });
  expect({ status: signup.status, json: await signup.json() }).toEqual({
    status: 200,
    json: { status: 'accepted' },
  });
  await waitForOnboarding(
    gateway.url,
    { authorization: admin },
    waiting.id,
    (now) => now.signup?.status === 'COMPLETED',
  );

  // The sender's token, too: it still has one, and the runner could use it.
  const ready = await readOnboarding(gateway.url, { authorization: admin }, prepared.ready.id);
  expect(ready.sender!.hasBearerToken).toBe(true);
}

describe('secrets rotate (sandbox mode: the key file beside the database)', () => {
  it('re-seals every secret under a new key, keeps only that key, and a restarted gateway opens them all', async () => {
    const dir = await tempDir();
    const keyFile = keyFilePath(join(dir, 'gateway.sqlite'));
    let gateway = await start(dir);
    const oldKeys = readKeyFile(keyFile);
    expect(oldKeys).toHaveLength(1);
    const oldSealer = new Sealer(oldKeys.map(keyFromBase64));
    const prepared = await prepare(gateway, oldSealer, 'rotate');
    await stop(gateway);

    const run = await cli(['secrets', 'rotate'], dbEnv(dir));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(
      `Re-sealed ${prepared.sealed.length} secrets under a new key; the old key was removed from ${keyFile}.`,
    );

    // The file now holds one key, a new one, still readable by its owner only.
    const newKeys = readKeyFile(keyFile);
    expect(newKeys).toHaveLength(1);
    expect(newKeys[0]).not.toBe(oldKeys[0]);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile, 'utf8')).not.toContain(oldKeys[0]);

    gateway = await start(dir);
    try {
      // Every value moved: sealed under the new key, opened by it alone, and it is the same value.
      const newSealer = new Sealer(loadSecretKeys({ databaseFile: join(dir, 'gateway.sqlite') }));
      const now = await sealedValues(gateway);
      expect(now).toHaveLength(prepared.sealed.length);
      for (const { value, context } of now) {
        expect(Sealer.keyIdOf(value)).toBe(newSealer.activeKeyId);
        const before = prepared.sealed.find(
          (s) => s.context.rowId === context.rowId && s.context.kind === context.kind,
        )!;
        expect(newSealer.open(value, context)).toBe(oldSealer.open(before.value, context));
      }
      await expectEverySecretOpens(gateway, prepared);
    } finally {
      await stop(gateway);
    }
  });

  it('refuses to rotate a key that comes from SECRETS_KEY, pointing at secrets reseal', async () => {
    const dir = await tempDir();
    const run = await cli(['secrets', 'rotate'], {
      ...dbEnv(dir),
      SECRETS_KEY: randomBytes(32).toString('base64'),
    });
    expect(run.code).toBe(2);
    const [message, blank, usage] = run.stderr.split('\n');
    expect(message).toContain('SECRETS_PREVIOUS_KEYS');
    expect(message).toContain('secrets reseal');
    expect([blank, usage]).toEqual(['', 'usage: npm run gateway -- secrets rotate']);
  });
});

describe('secrets reseal (configured keys)', () => {
  it('moves every secret to SECRETS_KEY, after which the previous key can be dropped', async () => {
    const dir = await tempDir();
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('base64');
    let gateway = await start(dir, { SECRETS_KEY: oldKey });
    const prepared = await prepare(gateway, new Sealer([keyFromBase64(oldKey)]), 'reseal');
    await stop(gateway);

    // The new key alone cannot open what the old one sealed: the reveal fails (masked).
    gateway = await start(dir, { SECRETS_KEY: newKey });
    const blind = await graphql(
      gateway.url,
      RevealSendzenApiKey,
      { id: prepared.ready.id },
      { authorization: admin },
    );
    expect(blind.body.errors?.map((e) => e.message)).toEqual(['Unexpected error.']);
    await stop(gateway);

    const run = await cli(['secrets', 'reseal'], {
      ...dbEnv(dir),
      SECRETS_KEY: newKey,
      SECRETS_PREVIOUS_KEYS: oldKey,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `Re-sealed ${prepared.sealed.length} secrets under key ${keyFromBase64(newKey).id}.`,
    );

    gateway = await start(dir, { SECRETS_KEY: newKey });
    try {
      await expectEverySecretOpens(gateway, prepared);
    } finally {
      await stop(gateway);
    }
  });
});
