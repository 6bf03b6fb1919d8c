// Sandbox mode: the bundled fake of SendZen and Sinch runs in the gateway's process, and every
// upstream points at it. Only configuration differs from live mode; the client code path,
// timeouts and retries included, is the same.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { FakeUpstreams } from '../mocks/serve.ts';
import { createApiKey, ensureApiKey, verifyApiKey } from './auth/api-keys.ts';
import type { Config, MetaSignupConfig, UpstreamsConfig } from './config.ts';
import type { ApiKeyStore, OnboardingStore } from './db/store.ts';
import { sendJson } from './http-messages.ts';
import type { RouteHandler } from './server.ts';

export function sandboxUpstreams(fake: FakeUpstreams): UpstreamsConfig {
  return {
    sendzen: { baseUrl: fake.urls.sendzen, partnerApiKey: fake.credentials.sendzenPartnerKey },
    sinch: {
      authMode: 'oauth2',
      authBaseUrl: fake.urls.sinchAuth,
      subprojectsBaseUrl: fake.urls.subprojects,
      provisioningBaseUrl: fake.urls.provisioning,
      conversationBaseUrlTemplate: `${fake.url}/sinch/conversation/{region}`,
      projectId: fake.credentials.sinchProjectId,
      keyId: fake.credentials.sinchKeyId,
      keySecret: fake.credentials.sinchKeySecret,
    },
  };
}

/**
 * Meta's Embedded Signup in the sandbox: the fake's stand-in for Meta's SDK, on an origin of its
 * own, is the only one whose messages a page should accept. Made-up ids: the stand-in takes any.
 */
export function sandboxMetaSignup(fake: FakeUpstreams): MetaSignupConfig {
  return {
    appId: SANDBOX_META_APP_ID,
    configId: SANDBOX_META_CONFIG_ID,
    solutionId: undefined,
    graphApiVersion: 'v24.0',
    sdkUrl: `${fake.urls.meta}/sdk.js`,
    messageOrigins: [fake.urls.meta],
  };
}

const SANDBOX_META_APP_ID = '100000000000001';
const SANDBOX_META_CONFIG_ID = '200000000000002';

/**
 * The same upstreams as environment variables: for a gateway process of its own (a test's child,
 * a bench instance) in live mode against a fake it did not start.
 */
export function sandboxUpstreamEnv(fake: FakeUpstreams): Record<string, string> {
  const { sendzen, sinch } = sandboxUpstreams(fake);
  return {
    SENDZEN_BASE_URL: sendzen.baseUrl,
    SENDZEN_PARTNER_API_KEY: sendzen.partnerApiKey,
    SINCH_AUTH_MODE: sinch.authMode,
    SINCH_AUTH_BASE_URL: sinch.authBaseUrl,
    SINCH_SUBPROJECTS_BASE_URL: sinch.subprojectsBaseUrl,
    SINCH_PROVISIONING_BASE_URL: sinch.provisioningBaseUrl,
    SINCH_CONVERSATION_BASE_URL: sinch.conversationBaseUrlTemplate,
    SINCH_PROJECT_ID: sinch.projectId,
    SINCH_KEY_ID: sinch.keyId,
    SINCH_KEY_SECRET: sinch.keySecret,
  };
}

/**
 * Where the sandbox keeps the fake's records: beside the gateway's database, so the two survive a
 * restart together and `npm run sandbox:reset` wipes them together.
 */
export function sandboxStateFile(databaseFile: string): string {
  return join(dirname(resolve(databaseFile)), 'sandbox-state.json');
}

export async function startSandboxUpstreams(
  config: Config,
): Promise<{ fake: FakeUpstreams; config: Config }> {
  if (!config.sandbox) throw new Error('not in sandbox mode');
  // Loaded only here: msw and @msw/data are a third of the start's time and memory, and live
  // mode never needs them.
  const { startFakeUpstreams } = await import('../mocks/serve.ts');
  const fake = await startFakeUpstreams({
    port: config.sandbox.port,
    iframePort: config.sandbox.iframePort,
    metaPort: config.sandbox.metaPort,
    // Loopback even with SANDBOX_ALLOW_REMOTE: its controls take no credential, show what the
    // gateway sent it and script its answers, and only this process (and the demo, which is then
    // not served) ever needs to reach it.
    host: '127.0.0.1',
    senderActivationMs: config.sandbox.senderActivationMs,
    stateFile: sandboxStateFile(config.databaseFile),
    log: false,
  });
  return { fake, config: withSandbox(config, fake) };
}

/** The configuration pointed at a running fake: every upstream, and Meta's stand-in. */
export function withSandbox(config: Config, fake: FakeUpstreams): Config {
  return Object.freeze({
    ...config,
    upstreams: sandboxUpstreams(fake),
    // A Meta app configured for the sandbox anyway (META_APP_ID) keeps its own settings.
    metaSignup: config.metaSignup ?? sandboxMetaSignup(fake),
  });
}

/**
 * The sandbox's development API key (read, write, admin): made on first start and kept beside the
 * database, readable by its owner only, so GraphiQL and the demo can use it on every later start.
 */
export async function ensureDevApiKey(
  keys: ApiKeyStore,
  databaseFile: string,
): Promise<{ key: string; created: boolean; file: string }> {
  const file = join(dirname(resolve(databaseFile)), 'dev-api-key');
  const input = { name: 'sandbox development key', scopes: ['read', 'write', 'admin'] } as const;
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    if (await verifyApiKey(keys, key)) return { key, created: false, file };
    // A database wiped by `npm run sandbox:reset`: the key the user already has keeps working.
    // One that was revoked stays revoked (its row is still there), and a new one is made.
    await ensureApiKey(keys, key, { ...input, scopes: [...input.scopes] }).catch(() => undefined);
    if (await verifyApiKey(keys, key)) return { key, created: false, file };
  }
  const { key } = await createApiKey(keys, { ...input, scopes: [...input.scopes] });
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, created: true, file };
}

export const SANDBOX_RESET_PATH = '/sandbox/reset';

/**
 * `POST /sandbox/reset`: the running sandbox afresh, both halves together (the fake first, so no
 * onboarding is left pointing at what it forgot). Mounted like the demo: sandbox mode on loopback
 * only, since it takes no credential; and a browser page from elsewhere cannot call it.
 */
export function createSandboxResetRoute(options: {
  onboardings: OnboardingStore;
  fakeControlsUrl: string;
}): RouteHandler {
  return async (req, res, path) => {
    if (path !== SANDBOX_RESET_PATH) return false;
    res.setHeader('cache-control', 'no-store');
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      sendJson(res, 405, { error: 'POST to reset the sandbox' });
      return true;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host}`) {
      sendJson(res, 403, { error: 'Cross-origin requests are not accepted' });
      return true;
    }
    const fake = await fetch(`${options.fakeControlsUrl}/reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    }).catch((error: unknown) => error);
    if (!(fake instanceof Response) || !fake.ok) {
      const why = fake instanceof Response ? `HTTP ${fake.status}` : String(fake);
      sendJson(res, 502, { error: `The bundled fake could not be reset (${why})` });
      return true;
    }
    const onboardingsDeleted = await options.onboardings.deleteAll();
    sendJson(res, 200, { onboardingsDeleted, fake: 'reset' });
    return true;
  };
}
