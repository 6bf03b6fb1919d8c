// What an operator's Prometheus sees. An onboarding is driven to READY through the real HTTP path,
// against the fake, and then /metrics is scraped the way Prometheus does (no credential): the
// counters an operator alerts and graphs on say what happened, the text parses as Prometheus'
// exposition format, and nothing in it names a customer or carries a secret.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ulid } from '../../src/ids.ts';
import { rawOnboardingId } from '../../src/schema/ids.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { OnboardCustomer, WatchOnboarding } from '../support/operations.ts';
import { until } from '../support/windows.ts';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(() => t?.close());

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Parses Prometheus' text exposition format (0.0.4) strictly: every line is a HELP, a TYPE or a
 * sample of a family whose TYPE came first; anything else throws.
 */
function parsePrometheus(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  for (const [i, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const meta = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`).exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        expect(['counter', 'gauge', 'histogram', 'summary', 'untyped']).toContain(meta[3]);
        types.set(meta[2]!, meta[3]!);
      }
      continue;
    }
    const sample = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: -?\\d+)?$`).exec(line);
    if (!sample) throw new Error(`line ${i + 1} is not Prometheus text: ${line}`);
    const [, name, labelText = '', raw] = sample;
    const labels: Record<string, string> = {};
    const pair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y;
    while (pair.lastIndex < labelText.length) {
      const match = pair.exec(labelText);
      if (!match) throw new Error(`line ${i + 1} has malformed labels: ${line}`);
      labels[match[1]!] = match[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    // Go's ParseFloat, which Prometheus uses, reads NaN and Inf in any case (prom-client writes Nan).
    const value = /^[+-]?inf$/i.test(raw!)
      ? Number(`${raw!.replace(/inf/i, 'Infinity')}`)
      : Number(raw);
    if (!/^nan$/i.test(raw!) && Number.isNaN(value)) {
      throw new Error(`line ${i + 1}: bad value ${raw}`);
    }
    const family = name!.replace(/_(bucket|sum|count)$/, '');
    if (!types.has(name!) && !types.has(family)) {
      throw new Error(`line ${i + 1}: sample of ${name} before its TYPE`);
    }
    samples.push({ name: name!, labels, value });
  }
  return { types, samples };
}

async function scrape() {
  const res = await fetch(`${t.gateway.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return { text, ...parsePrometheus(text) };
}

/** The sum of the samples with this name and (at least) these labels; 0 when none. */
function sampled(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return found.reduce((sum, s) => sum + s.value, 0);
}

describe('/metrics after an onboarding reached READY', () => {
  const clientIdentifier = 'metrics-bakery-7f3';
  let id: string;
  let scraped: Awaited<ReturnType<typeof scrape>>;

  beforeAll(async () => {
    const res = await t.gql(OnboardCustomer, {
      input: { clientIdentifier, displayName: 'Metrics Bakery', region: 'EU' },
    });
    expect(res.body.errors).toBeUndefined();
    id = res.body.data!.onboardCustomer.onboarding.id;

    // Open subscriptions count while they are open, by transport.
    const sse = await t.sse(WatchOnboarding, { id });
    const ws = t.ws(WatchOnboarding, { id });
    try {
      await sse.waitFor((v) => v.onboardingUpdated.status === 'AWAITING_SIGNUP');
      await ws.waitFor((v) => v.onboardingUpdated.status === 'AWAITING_SIGNUP');
      const open = await scrape();
      expect(sampled(open.samples, 'gateway_subscriptions_open', { transport: 'sse' })).toBe(1);
      expect(sampled(open.samples, 'gateway_subscriptions_open', { transport: 'graphql-ws' })).toBe(
        1,
      );

      await t.sandbox.control('POST', '/sendzen/signups', {
        clientIdentifier,
        status: 'completed',
      });
      await sse.waitFor((v) => v.onboardingUpdated.status === 'READY');
    } finally {
      await sse.close();
      await ws.close();
    }
    // The server sees the client go only after it went: nothing announces it, so poll.
    await until(async () => {
      const { samples } = await scrape();
      return sampled(samples, 'gateway_subscriptions_open') === 0 ? true : undefined;
    });

    // A webhook with the wrong token in its URL: refused, and counted as such.
    const raw = rawOnboardingId(id);
    const refused = await fetch(`${t.gateway.url}/webhooks/sendzen/${raw}/not-the-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'completed' }),
    });
    expect(refused.status).toBe(401);
    // The same at an onboarding that does not exist: counted exactly alike, so the metrics do not
    // tell which ids exist either.
    const unknown = await fetch(`${t.gateway.url}/webhooks/sendzen/${ulid()}/not-the-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'completed' }),
    });
    expect(unknown.status).toBe(401);

    scraped = await scrape();
  });

  it('answers without a credential, in Prometheus text, with the process metrics beside ours', () => {
    expect(scraped.types.get('gateway_step_outcomes_total')).toBe('counter');
    expect(scraped.types.get('gateway_step_duration_seconds')).toBe('histogram');
    expect(scraped.types.get('gateway_upstream_requests_total')).toBe('counter');
    expect(scraped.types.get('gateway_upstream_request_duration_seconds')).toBe('histogram');
    expect(scraped.types.get('gateway_upstream_retries_total')).toBe('counter');
    expect(scraped.types.get('gateway_onboardings')).toBe('gauge');
    expect(scraped.types.get('gateway_subscriptions_open')).toBe('gauge');
    expect(scraped.types.get('gateway_webhook_deliveries_total')).toBe('counter');
    expect(scraped.types.get('process_resident_memory_bytes')).toBe('gauge');
  });

  it('counts every step that succeeded, by step, and how long its attempts took', () => {
    for (const step of [
      'SENDZEN_PROJECT',
      'SINCH_SUBPROJECT',
      'PROVISIONING_WEBHOOK',
      'CUSTOMER_SIGNUP',
      'WHATSAPP_SENDER',
      'CONVERSATION_APP',
      'APP_WEBHOOK',
    ]) {
      expect(
        sampled(scraped.samples, 'gateway_step_outcomes_total', { step, outcome: 'succeeded' }),
        step,
      ).toBe(1);
    }
    // The signup is the customer's, finished by SendZen's webhook: no attempt of the gateway's.
    for (const step of ['SINCH_SUBPROJECT', 'WHATSAPP_SENDER', 'APP_WEBHOOK']) {
      expect(
        sampled(scraped.samples, 'gateway_step_duration_seconds_count', { step }),
        step,
      ).toBeGreaterThanOrEqual(1);
    }
    // Both wait for someone else before they succeed: the customer, and Sinch's activation.
    for (const step of ['CUSTOMER_SIGNUP', 'WHATSAPP_SENDER']) {
      expect(
        sampled(scraped.samples, 'gateway_step_outcomes_total', { step, outcome: 'waiting' }),
        step,
      ).toBe(1);
    }
    expect(sampled(scraped.samples, 'gateway_step_outcomes_total', { outcome: 'failed' })).toBe(0);
  });

  it('counts upstream calls by upstream, operation and status, with their latency', () => {
    const calls = (upstream: string, operation: string) =>
      scraped.samples.filter(
        (s) =>
          s.name === 'gateway_upstream_requests_total' &&
          s.labels.upstream === upstream &&
          s.labels.operation === operation,
      );
    for (const [upstream, operation] of [
      ['sendzen', 'partner.onboard'],
      ['sinch-subprojects', 'subprojects.create'],
      ['sinch-provisioning', 'webhooks.create'],
      ['sinch-provisioning', 'senders.create'],
      ['sinch-conversation', 'apps.create'],
      ['sinch-conversation', 'webhooks.create'],
    ] as const) {
      const seen = calls(upstream, operation);
      expect(seen, `${upstream} ${operation}`).toHaveLength(1);
      expect(seen[0]!.labels.status).toMatch(/^2\d\d$/);
      expect(seen[0]!.value).toBe(1);
      expect(
        sampled(scraped.samples, 'gateway_upstream_request_duration_seconds_count', {
          upstream,
          operation,
        }),
      ).toBe(1);
    }
  });

  it('counts onboardings by status at scrape time', () => {
    expect(sampled(scraped.samples, 'gateway_onboardings', { status: 'READY' })).toBe(1);
    expect(sampled(scraped.samples, 'gateway_onboardings', { status: 'PROVISIONING' })).toBe(0);
  });

  it('counts webhook deliveries accepted and rejected, by source and reason', () => {
    expect(
      sampled(scraped.samples, 'gateway_webhook_deliveries_total', {
        source: 'sendzen',
        outcome: 'accepted',
      }),
    ).toBe(1);
    expect(
      sampled(scraped.samples, 'gateway_webhook_deliveries_total', {
        source: 'sendzen',
        outcome: 'rejected',
        reason: 'invalid_token',
      }),
    ).toBe(2);
    // The fake's signed activation callback.
    expect(
      sampled(scraped.samples, 'gateway_webhook_deliveries_total', {
        source: 'sinch-provisioning',
        outcome: 'accepted',
      }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('names no onboarding, no customer and carries no credential', () => {
    const forbidden = [
      id,
      rawOnboardingId(id),
      clientIdentifier,
      'Metrics Bakery',
      t.admin.replace('Bearer ', ''),
      ...Object.values(t.sandbox.credentials).filter((v) => typeof v === 'string' && v.length > 5),
    ];
    for (const value of forbidden) expect(scraped.text).not.toContain(value);
    // Labels are bounded sets: no id-shaped value (ULIDs, the fake's ids) in any of them.
    for (const sample of scraped.samples) {
      for (const value of Object.values(sample.labels)) {
        expect(value, `${sample.name} ${JSON.stringify(sample.labels)}`).not.toMatch(
          /[0-9A-Z]{26}|[0-9a-f]{8}-[0-9a-f]{4}|\//,
        );
      }
    }
  });
});
