// Starts the bundled fake on an ephemeral loopback port and wraps its `/_sandbox` controls, so a
// test reads as the scenario it scripts.
import {
  type FakeUpstreams,
  type FakeUpstreamsOptions,
  startFakeUpstreams,
} from '../../mocks/serve.ts';
import { PoolRegistry, type TransportTuning } from '../../src/upstreams/http.ts';

export interface FaultSpec {
  upstream: 'sendzen' | 'sinch-auth' | 'subprojects' | 'provisioning' | 'conversation' | '*';
  method?: string;
  path?: string;
  kind: 'status' | 'delay' | 'hang' | 'reset' | 'malformed';
  status?: number;
  retryAfter?: number | string;
  delayMs?: number;
  times?: number;
  probability?: number;
  /** The handler runs and commits first; then the fault strikes its answer. */
  after?: 'commit';
}

export interface JournalEntry {
  seq: number;
  direction: 'inbound' | 'outbound';
  upstream?: string;
  method?: string;
  path?: string;
  status?: number;
  fault?: unknown;
  kind?: string;
  target?: string;
  requestHeaders?: Record<string, string>;
  requestBody?: unknown;
  /** How the exchange ended when it did not end with an answer received: reset, hang, client_gone. */
  outcome?: string;
}

export interface Sandbox extends FakeUpstreams {
  control<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  fault(spec: FaultSpec): Promise<void>;
  journal(upstream?: string): Promise<JournalEntry[]>;
  scriptSender(outcome: {
    state: 'ACTIVE' | 'ERROR';
    afterMs?: number;
    errorCode?: string;
    errorReason?: string;
  }): Promise<void>;
  reset(): Promise<void>;
}

export async function startSandbox(options: FakeUpstreamsOptions = {}): Promise<Sandbox> {
  const fake = await startFakeUpstreams({ port: 0, log: false, ...options });
  const control = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${fake.urls.sandbox}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`sandbox ${method} ${path} -> ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  return {
    ...fake,
    control,
    fault: async (spec) => {
      await control('POST', '/faults', spec);
    },
    journal: async (upstream) =>
      (
        await control<{ entries: JournalEntry[] }>(
          'GET',
          `/journal${upstream ? `?upstream=${upstream}` : ''}`,
        )
      ).entries,
    scriptSender: async (outcome) => {
      await control('POST', '/sinch/sender-outcomes', outcome);
    },
    reset: async () => {
      await control('POST', '/reset', {});
    },
  };
}

/**
 * Transport settings for tests: short deadlines and near-instant backoff, so failure paths finish
 * in milliseconds while still going through every retry the production policy would make.
 */
export function fastTuning(
  overrides: TransportTuning = {},
): TransportTuning & { pools: PoolRegistry } {
  return {
    pools: new PoolRegistry({ connectTimeoutMs: 1_000 }),
    timeouts: { headersMs: 2_000, bodyMs: 2_000, attemptMs: 2_000, totalMs: 8_000 },
    retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 3_000 },
    ...overrides,
  };
}
