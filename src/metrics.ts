// What an operator scrapes from /metrics. Each gateway has a registry of its own rather than
// prom-client's global one: tests run several gateways in one process, and two registering the
// same metric name globally would collide. The gateway makes one GatewayMetrics and hands it to
// what records (the transport, the step runner, the webhook routes, the server).
//
// Every label is a bounded set (step names, upstream names, operation names the clients spell out,
// HTTP statuses, outcomes): never an onboarding id, a client identifier, a URL or a secret, so the
// series count stays fixed however many customers there are and a scrape reveals nobody.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { ONBOARDING_STATUSES, type OnboardingStatus, type WebhookSource } from './db/schema.ts';
import type { GatewayLogger } from './logger.ts';
import type { StepName } from './onboarding/step-names.ts';
import type { UpstreamMetrics } from './upstreams/http.ts';

/** How one attempt of a step ended; `superseded`: something else moved the step on meanwhile. */
export type AttemptOutcome = 'succeeded' | 'waiting' | 'retrying' | 'failed' | 'superseded';

/**
 * What the step outcome counter counts, each in one place:
 * - `succeeded`, `failed`, `waiting`: the step's status became that, whoever moved it (an attempt,
 *   Sinch's activation callback, a poll, SendZen's signup webhook): counted in onboarding/changes.ts;
 * - `retrying` (an attempt failed and another is scheduled), `superseded` (something else moved the
 *   step on during an attempt), `recovered` (found interrupted at start), `reconciled` (duplicates
 *   a late commit left upstream removed): the runner;
 * - `adopted` (an existing upstream resource taken instead of creating one): create-or-adopt.ts.
 */
export type StepOutcome =
  | 'succeeded'
  | 'failed'
  | 'waiting'
  | 'retrying'
  | 'superseded'
  | 'recovered'
  | 'reconciled'
  | 'adopted';

/** How a subscriber is connected. */
export type SubscriptionTransport = 'sse' | 'graphql-ws';

/** What became of a webhook delivery at the door (before it is applied). */
export type WebhookOutcome = 'accepted' | 'duplicate' | 'rejected';

const UPSTREAM_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 60];
// A step is one or several upstream calls, a create-or-adopt look-up, and a retried transport.
const STEP_SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export class GatewayMetrics implements UpstreamMetrics {
  readonly registry = new Registry();

  readonly #stepSeconds = new Histogram({
    name: 'gateway_step_duration_seconds',
    help: 'How long one attempt of an onboarding step took, upstream calls and recording included.',
    labelNames: ['step'] as const,
    buckets: STEP_SECONDS,
    registers: [this.registry],
  });
  readonly #stepOutcomes = new Counter({
    name: 'gateway_step_outcomes_total',
    help: 'What happened to steps, by step: became succeeded, failed or waiting; an attempt retrying or superseded; recovered after a stop, adopted an existing upstream resource, reconciled duplicates.',
    labelNames: ['step', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly #upstreamSeconds = new Histogram({
    name: 'gateway_upstream_request_duration_seconds',
    help: 'Latency of one HTTP attempt to an upstream, from sending to the whole body read.',
    labelNames: ['upstream', 'operation'] as const,
    buckets: UPSTREAM_SECONDS,
    registers: [this.registry],
  });
  readonly #upstreamRequests = new Counter({
    name: 'gateway_upstream_requests_total',
    help: 'HTTP attempts to upstreams, by HTTP status, or by failure kind (timeout, network, bad_response) when none came back.',
    labelNames: ['upstream', 'operation', 'status'] as const,
    registers: [this.registry],
  });
  readonly #upstreamRetries = new Counter({
    name: 'gateway_upstream_retries_total',
    help: 'Upstream calls repeated by the transport after a transient failure.',
    labelNames: ['upstream', 'operation'] as const,
    registers: [this.registry],
  });
  readonly #subscriptions = new Gauge({
    name: 'gateway_subscriptions_open',
    help: 'GraphQL subscriptions open now, by transport.',
    labelNames: ['transport'] as const,
    registers: [this.registry],
  });
  readonly #webhooks = new Counter({
    name: 'gateway_webhook_deliveries_total',
    help: 'Webhook deliveries received on a known route, by source and outcome; reason says why one was rejected.',
    labelNames: ['source', 'outcome', 'reason'] as const,
    registers: [this.registry],
  });

  constructor(options: { processMetrics: boolean }) {
    // Once per registry: prom-client refuses to register the same default metric twice in one.
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
    // Zero from the start, so a rate() or an alert on "open subscriptions" has a series to read.
    for (const transport of ['sse', 'graphql-ws'] as const)
      this.#subscriptions.set({ transport }, 0);
  }

  /**
   * Onboardings by status, counted at scrape time with one query: a count kept in memory would be
   * wrong beside another instance, and after every restart.
   */
  collectOnboardings(
    countByStatus: () => Promise<Partial<Record<OnboardingStatus, number>>>,
    logger: GatewayLogger,
  ): void {
    new Gauge({
      name: 'gateway_onboardings',
      help: 'Onboardings stored, by status (counted when scraped).',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        try {
          const counts = await countByStatus();
          for (const status of ONBOARDING_STATUSES) this.set({ status }, counts[status] ?? 0);
        } catch (error) {
          // The rest of the scrape is worth more than this gauge while the database is away
          // (/readyz says so): leave it out rather than fail the whole scrape.
          this.reset();
          logger.warn(
            { error: error instanceof Error ? error.message : String(error) },
            'could not count onboardings for /metrics',
          );
        }
      },
    });
  }

  stepDuration(step: StepName, seconds: number): void {
    this.#stepSeconds.observe({ step }, seconds);
  }

  stepOutcome(step: StepName, outcome: StepOutcome): void {
    this.#stepOutcomes.inc({ step, outcome });
  }

  upstreamCall(upstream: string, operation: string, status: string, seconds: number): void {
    this.#upstreamSeconds.observe({ upstream, operation }, seconds);
    this.#upstreamRequests.inc({ upstream, operation, status });
  }

  upstreamRetry(upstream: string, operation: string): void {
    this.#upstreamRetries.inc({ upstream, operation });
  }

  /** Counts a subscription as open; returns what counts it closed (harmless to call twice). */
  subscriptionOpened(transport: SubscriptionTransport): () => void {
    this.#subscriptions.inc({ transport });
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      this.#subscriptions.dec({ transport });
    };
  }

  webhookDelivery(source: WebhookSource, outcome: WebhookOutcome, reason = ''): void {
    this.#webhooks.inc({ source, outcome, reason });
  }

  /** The exposition, and the Content-Type it goes out with. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
