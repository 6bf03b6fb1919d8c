// What a sandbox shows to whoever can reach it. `npm start` as a user runs it (a child process in
// sandbox mode, its own fake inside): on loopback GraphiQL carries the development key and the
// demo is served; opened with SANDBOX_ALLOW_REMOTE=true, neither the key nor the demo is there.
// And the fake's journal and state, which take no credential, never show a secret the gateway
// handed it: not even the token in the path of the SendZen webhook URL.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type OnboardingSecretKind, openOnboardingSecret } from '../../src/onboarding/secrets.ts';
import { rawOnboardingId } from '../../src/schema/ids.ts';
import { loadSecretKeys } from '../../src/secrets/keys.ts';
import { Sealer } from '../../src/secrets/seal.ts';
import { freePort, killAllChildGateways, startChildGateway } from '../support/child-gateway.ts';
import { startTestGateway } from '../support/gateway.ts';
import { OnboardCustomer } from '../support/operations.ts';
import { tableRows } from '../support/rows.ts';
import { until } from '../support/windows.ts';

const dirs: string[] = [];

afterEach(async () => {
  await killAllChildGateways();
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function startSandboxGateway(extra: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-exposure-'));
  dirs.push(dir);
  return startChildGateway({
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    SANDBOX_PORT: '0',
    DATABASE_FILE: join(dir, 'gateway.sqlite'),
    LOG_LEVEL: 'silent',
    ...extra,
  });
}

async function graphiqlPage(url: string): Promise<string> {
  const res = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
  expect(res.status).toBe(200);
  const page = await res.text();
  expect(page).toContain('GraphiQL');
  return page;
}

describe('a sandbox opened with SANDBOX_ALLOW_REMOTE=true', () => {
  it('on loopback (the default), pre-fills GraphiQL with the development key and serves the demo', async () => {
    const gateway = await startSandboxGateway({});
    expect(await graphiqlPage(gateway.url)).toMatch(/gwk_[0-9A-Z]{26}_/);
    expect((await fetch(`${gateway.url}/`)).status).toBe(200);
  });

  it('serves GraphiQL with no key in it, no demo, and says so when it starts', async () => {
    const gateway = await startSandboxGateway({ SANDBOX_ALLOW_REMOTE: 'true' });
    expect(await graphiqlPage(gateway.url)).not.toContain('gwk_');
    expect((await fetch(`${gateway.url}/`)).status).toBe(404);
    expect((await fetch(`${gateway.url}/demo/api/config`)).status).toBe(404);
    // The key is still made, for the person at the console to paste: not served, only printed.
    expect(gateway.stdout()).toMatch(/gwk_[0-9A-Z]{26}_/);
    expect(gateway.stdout()).toContain('SANDBOX_ALLOW_REMOTE');
  });
});

describe("the fake's journal and state", () => {
  it('never show the SendZen webhook token or a Sinch webhook secret, while the fake still delivers to the real URL', async () => {
    const t = await startTestGateway();
    try {
      const res = await t.gql(OnboardCustomer, {
        input: { clientIdentifier: 'exposure-1', displayName: 'Exposure', region: 'EU' },
      });
      expect(res.body.errors).toBeUndefined();
      const { id } = res.body.data!.onboardCustomer.onboarding;
      const raw = rawOnboardingId(id);
      // Waiting for the signup: the SendZen project (and its webhook URL) and both Sinch webhooks
      // have been handed to the fake.
      await t.waitForOnboarding(
        id,
        (o) =>
          o.steps.find((s) => s.name === 'PROVISIONING_WEBHOOK')?.status === 'SUCCEEDED' &&
          o.steps.find((s) => s.name === 'CUSTOMER_SIGNUP')?.status === 'WAITING',
      );
      await t.sandbox.control('POST', '/sendzen/signups', {
        clientIdentifier: 'exposure-1',
        status: 'completed',
      });
      const ready = await t.waitForOnboarding(id, (o) => o.status === 'READY');
      expect(ready.status).toBe('READY');

      // The delivery reached the gateway's real URL, token and all: the gateway stored it.
      const delivered = await until(async () =>
        (await tableRows(t.gateway.database, 'webhookDeliveries')).find(
          (r) => r.onboardingRef === raw && r.source === 'sendzen',
        ),
      );
      expect(delivered).toBeTruthy();

      const sealer = new Sealer(loadSecretKeys({ databaseFile: join(t.dir, 'gateway.sqlite') }));
      const row = (await tableRows(t.gateway.database, 'onboardings')).find((r) => r.id === raw)!;
      const secret = (kind: OnboardingSecretKind, sealed: string) =>
        openOnboardingSecret(sealer, raw, kind, sealed);
      const secrets = {
        sendzenWebhookToken: secret('sendzen_webhook_token', row.sendzenWebhookTokenSealed),
        provisioningWebhookSecret: secret(
          'provisioning_webhook_secret',
          row.provisioningWebhookSecretSealed,
        ),
        appWebhookSecret: secret('app_webhook_secret', row.appWebhookSecretSealed),
      };

      const journal = await t.sandbox.journal();
      const outbound = journal.find((e) => e.kind === 'sendzen_signup_webhook');
      expect(outbound?.direction).toBe('outbound');
      expect(String(outbound?.status)).toMatch(/^2\d\d$/);
      // Where it went stays readable; what would let anyone post there does not.
      expect(outbound!.target).toMatch(new RegExp(`^${t.gateway.url}/`));
      const shown = {
        journal: JSON.stringify(journal),
        state: JSON.stringify(await t.sandbox.control('GET', '/state')),
      };
      for (const [where, text] of Object.entries(shown)) {
        for (const [what, value] of Object.entries(secrets)) {
          expect(text.includes(value), `${what} in the fake's ${where}`).toBe(false);
        }
      }
    } finally {
      await t.close();
    }
  });
});
