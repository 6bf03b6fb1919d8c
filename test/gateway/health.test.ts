// What an operator's probes and a mistyped URL see, and what a bad configuration does to a start:
// the gateway refuses to start and lists every problem at once, so one fix-and-retry is enough.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ulid } from '../../src/ids.ts';
import { killAllChildGateways, runGatewayToExit } from '../support/child-gateway.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { tableRows } from '../support/rows.ts';

let t: TestGateway;
let dir: string;

beforeAll(async () => {
  t = await startTestGateway();
  dir = mkdtempSync(join(tmpdir(), 'gateway-health-'));
});
afterAll(async () => {
  await killAllChildGateways();
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function get(url: string, init: RequestInit = {}) {
  const res = await fetch(url, init);
  return { status: res.status, allow: res.headers.get('allow'), json: await res.json() };
}

describe('health and routing', () => {
  it('/healthz answers 200 ok', async () => {
    expect(await get(`${t.gateway.url}/healthz`)).toMatchObject({
      status: 200,
      json: { status: 'ok' },
    });
  });

  it('/readyz answers 200 with the database open and every migration applied', async () => {
    expect(await get(`${t.gateway.url}/readyz`)).toMatchObject({
      status: 200,
      json: { status: 'ready', checks: { database: 'ok' } },
    });
  });

  it('/readyz answers 503 naming the check that fails once the database is no longer open', async () => {
    const other = await startTestGateway();
    try {
      expect((await get(`${other.gateway.url}/readyz`)).status).toBe(200);
      await other.gateway.runner.stop();
      await other.gateway.database.close();
      expect(await get(`${other.gateway.url}/readyz`)).toMatchObject({
        status: 503,
        json: { status: 'not_ready', checks: { database: 'failing' } },
      });
      // Prometheus still gets everything but what only the database can tell.
      const metrics = await fetch(`${other.gateway.url}/metrics`);
      expect(metrics.status).toBe(200);
      const text = await metrics.text();
      expect(text).toContain('gateway_subscriptions_open{transport="sse"} 0');
      expect(text).not.toMatch(/^gateway_onboardings\{/m);
      // Liveness is not readiness: the process itself is still fine.
      expect((await get(`${other.gateway.url}/healthz`)).status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('answers 404 to a path it does not serve, webhook-like or not', async () => {
    for (const path of [
      '/nope',
      '/graphql/extra',
      '/webhooks/sendzen',
      `/webhooks/sinch/elsewhere/${ulid()}`,
    ]) {
      expect({ path, ...(await get(`${t.gateway.url}${path}`)) }).toMatchObject({
        path,
        status: 404,
        json: { error: 'not_found' },
      });
    }
  });

  it('answers 405 (Allow: POST) to a GET on a webhook route, and stores nothing', async () => {
    const id = ulid();
    for (const path of [
      `/webhooks/sendzen/${id}/some-token`,
      `/webhooks/sinch/provisioning/${id}`,
      `/webhooks/sinch/conversation/${id}`,
    ]) {
      expect({ path, ...(await get(`${t.gateway.url}${path}`)) }).toEqual({
        path,
        status: 405,
        allow: 'POST',
        json: { error: 'method_not_allowed' },
      });
    }
    expect(await tableRows(t.gateway.database, 'webhookDeliveries')).toEqual([]);
  });
});

describe('a bad configuration', () => {
  const REQUIRED_IN_LIVE_MODE = [
    'PUBLIC_URL',
    'SENDZEN_PARTNER_API_KEY',
    'SINCH_PROJECT_ID',
    'SINCH_KEY_ID',
    'SINCH_KEY_SECRET',
    'SECRETS_KEY',
  ];

  async function startWith(port: string) {
    return runGatewayToExit({
      GATEWAY_MODE: 'live',
      PORT: port,
      DATABASE_FILE: join(dir, `gateway-${port}.sqlite`),
      LOG_LEVEL: 'silent',
    });
  }

  function expectEveryProblemListed(run: Awaited<ReturnType<typeof startWith>>) {
    expect(run.signal).toBeNull();
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('Invalid configuration');
    const problems = run.stderr.split('\n').filter((line) => line.trimStart().startsWith('- '));
    for (const name of [...REQUIRED_IN_LIVE_MODE, 'PORT']) {
      expect(
        problems.some((line) => line.includes(`- ${name}:`)),
        `${name} in:\n${run.stderr}`,
      ).toBe(true);
    }
    // It never got as far as listening.
    expect(run.stdout).not.toContain('GraphQL');
  }

  it('stops a live start with every missing value and an out-of-range PORT listed together', async () => {
    expectEveryProblemListed(await startWith('99999'));
  });

  it('lists every missing value beside a PORT that is not a number at all', async () => {
    expectEveryProblemListed(await startWith('not-a-port'));
  });
});
