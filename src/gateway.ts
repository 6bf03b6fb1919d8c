// Wires the gateway together from a Config: database, sealing key, upstream clients, the
// onboarding domain, the step runner, the webhook inbox and the HTTP server. `main.ts` and the
// tests both start the gateway through here.
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { ensureApiKey, parseScopes } from './auth/api-keys.ts';
import { createCallerResolver } from './auth/caller.ts';
import { SessionTokens } from './auth/session-tokens.ts';
import type { Config } from './config.ts';
import { openStore } from './db/open.ts';
import type { Store } from './db/store.ts';
import { closable } from './events/closable.ts';
import { createInProcessEvents } from './events/in-process.ts';
import { createRedisEvents } from './events/redis.ts';
import { type GraphiQLTab, graphiqlWalkthrough } from './graphiql-walkthrough.ts';
import { createLogger, type GatewayLogger } from './logger.ts';
import { GatewayMetrics } from './metrics.ts';
import type { OnboardingDeps } from './onboarding/deps.ts';
import { StepRunner } from './onboarding/runner.ts';
import { Onboardings } from './onboarding/service.ts';
import { ensureDevApiKey } from './sandbox.ts';
import { loadSecretKeys } from './secrets/keys.ts';
import { Sealer } from './secrets/seal.ts';
import { createGatewayServer, type GatewayServer, type RouteHandler } from './server.ts';
import { PoolRegistry } from './upstreams/http.ts';
import { SendZenClient } from './upstreams/sendzen/client.ts';
import { createSinchAuth } from './upstreams/sinch/auth.ts';
import { SinchConversationClient } from './upstreams/sinch/conversation.ts';
import { SinchProvisioningClient } from './upstreams/sinch/provisioning.ts';
import { SinchSubprojectsClient } from './upstreams/sinch/subprojects.ts';
import { EventDispatcher } from './vendor-events/dispatcher.ts';
import { EventEndpoints } from './vendor-events/endpoints.ts';
import { deliveryHandlers } from './webhooks/handlers.ts';
import { WebhookInbox } from './webhooks/inbox.ts';

export interface Gateway {
  /** Sandbox mode: the development API key, and whether this start created it. */
  devApiKey?: { key: string; created: boolean; file: string };
  /** Issues onboarding session tokens (what onboardCustomer hands a browser). */
  sessions: SessionTokens;
  /** Where the gateway listens, e.g. http://127.0.0.1:4000 */
  url: string;
  publicUrl: string;
  onboardings: Onboardings;
  runner: StepRunner;
  /** Sends the signed event POSTs to the vendor's endpoints. */
  dispatcher: EventDispatcher;
  /** The store (SQLite's or PostgreSQL's: tests look at the rows themselves). */
  database: Store;
  http: GatewayServer;
  /** What /metrics serves. */
  metrics: GatewayMetrics;
  /**
   * Shuts down gracefully: stops accepting connections, completes every open subscription, lets
   * the work in flight finish until `timeoutMs` (default SHUTDOWN_TIMEOUT_MS) has passed, records
   * steps still running then as having an unknown outcome, and closes the database.
   */
  close(timeoutMs?: number): Promise<void>;
}

export interface StartOptions {
  logger?: GatewayLogger;
  /**
   * Sandbox: make (or reuse) the development API key and pre-fill GraphiQL with it, unless the
   * sandbox was opened beyond loopback (SANDBOX_ALLOW_REMOTE), where anyone could load that page.
   */
  sandboxDevKey?: boolean;
  /** Sandbox: the bundled fake's controls (its real port), for GraphiQL's walkthrough. */
  sandboxControlsUrl?: string;
  /** More routes once the gateway listens (the sandbox demo); it is told where the gateway is. */
  extraRoutes?: (gateway: {
    url: string;
    devApiKey: string | undefined;
    database: Store;
  }) => RouteHandler;
}

export async function startGateway(config: Config, options: StartOptions = {}): Promise<Gateway> {
  const logger = options.logger ?? createLogger(config.logLevel);
  // First, so a Redis that does not answer stops the start before anything is opened.
  const redis = config.redis ? await createRedisEvents({ ...config.redis, logger }) : undefined;
  const events = closable(redis ?? createInProcessEvents());
  const database = await openStore(config);
  const metrics = new GatewayMetrics({ processMetrics: config.metricsEnabled });
  metrics.collectOnboardings(() => database.onboardings.countByStatus(), logger);
  const keys = loadSecretKeys({
    configured: config.secretsKey,
    previous: config.previousSecretsKeys,
    databaseFile: config.databaseFile,
  });
  const sealer = new Sealer(keys);
  const sessions = new SessionTokens(keys);
  if (config.bootstrapApiKey) {
    await ensureApiKey(database.apiKeys, config.bootstrapApiKey.key, {
      name: 'bootstrap',
      scopes: parseScopes(config.bootstrapApiKey.scopes),
    });
  }
  const pools = new PoolRegistry();
  // Waiting for headers cannot outlast the attempt: a hung upstream times out at the budget.
  const timeouts = {
    attemptMs: config.upstreamTimeoutMs,
    headersMs: Math.min(config.upstreamTimeoutMs, 15_000),
    bodyMs: Math.min(config.upstreamTimeoutMs, 15_000),
    totalMs: Math.max(config.upstreamTimeoutMs * 3, 60_000),
  };
  const tuning = { pools, logger, metrics, timeouts };
  const { sendzen, sinch } = config.upstreams;
  const auth = createSinchAuth({
    mode: sinch.authMode,
    keyId: sinch.keyId,
    keySecret: sinch.keySecret,
    authBaseUrl: sinch.authBaseUrl,
    ...tuning,
  });

  // The public URL goes into every webhook URL handed upstream; unset, it is where we listen.
  const deps: OnboardingDeps = {
    onboardingStore: database.onboardings,
    events,
    now: Date.now,
    // Until the runner exists; it wakes for every step a change schedules.
    scheduled: () => {},
    publicUrl: config.publicUrl ?? '',
    pipeline: config.pipeline,
    sealer,
    logger,
    metrics,
    sendzen: new SendZenClient({
      ...tuning,
      baseUrl: sendzen.baseUrl,
      partnerApiKey: sendzen.partnerApiKey,
    }),
    subprojects: new SinchSubprojectsClient({
      ...tuning,
      baseUrl: sinch.subprojectsBaseUrl,
      parentProjectId: sinch.projectId,
      auth,
    }),
    provisioning: new SinchProvisioningClient({
      ...tuning,
      baseUrl: sinch.provisioningBaseUrl,
      auth,
    }),
    conversation: new SinchConversationClient({
      ...tuning,
      baseUrlTemplate: sinch.conversationBaseUrlTemplate,
      auth,
    }),
  };
  const runner = new StepRunner(deps);
  deps.scheduled = (at) => runner.wakeAt(at);
  const onboardings = new Onboardings(deps, runner, {
    autoProvision: config.autoProvision,
    metaSignupConfigured: config.metaSignup !== undefined,
  });
  const eventEndpoints = new EventEndpoints({
    store: database.eventEndpoints,
    onboardings: database.onboardings,
    sealer,
    now: Date.now,
    mode: config.mode,
  });
  const dispatcher = new EventDispatcher({
    store: database.eventEndpoints,
    sealer,
    pools,
    logger,
    now: Date.now,
    settings: config.vendorEvents,
  });
  const inbox = new WebhookInbox({
    store: database.deliveries,
    logger,
    handlers: deliveryHandlers(onboardings),
    now: Date.now,
  });
  const devKey = options.sandboxDevKey
    ? await ensureDevApiKey(database.apiKeys, config.databaseFile)
    : undefined;
  const routes: RouteHandler[] = [];
  // Filled in once the gateway listens: its walkthrough names the port.
  let walkthrough: GraphiQLTab[] | undefined;
  // Beyond loopback (SANDBOX_ALLOW_REMOTE) anyone could load the page: no key in it.
  const devAuthorization =
    devKey && !config.sandbox?.allowRemote ? `Bearer ${devKey.key}` : undefined;
  const http = createGatewayServer({
    routes,
    graphiql: () => ({
      ...(devAuthorization ? { headers: JSON.stringify({ authorization: devAuthorization }) } : {}),
      ...(walkthrough ? { defaultTabs: walkthrough } : {}),
    }),
    context: { onboardings, eventEndpoints, events, sessions, metaSignup: config.metaSignup },
    callers: createCallerResolver(
      database.apiKeys,
      sessions,
      async (id) => (await onboardings.get(id))?.onboarding.sessionGeneration,
    ),
    webhooks: { onboardings, inbox, metrics },
    logger,
    production: config.mode === 'live',
    readiness: {
      database: () => database.ready(),
      ...(redis ? { redis: () => redis.ready() } : {}),
    },
    metrics,
    serveMetrics: config.metricsEnabled,
    rateLimits: config.rateLimits,
  });

  // A burst of reconnecting subscribers must not be turned away by a short accept queue.
  await new Promise<void>((resolve, reject) => {
    http.server.once('error', reject);
    http.server.listen({ port: config.port, host: config.host, backlog: 4096 }, () => resolve());
  });
  const { port } = http.server.address() as AddressInfo;
  // Every interface (0.0.0.0, ::) includes loopback, which is the address this machine can use.
  const reachable = ['0.0.0.0', '::'].includes(config.host) ? '127.0.0.1' : config.host;
  const url = `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
  deps.publicUrl = config.publicUrl ?? url;
  if (devKey && options.sandboxControlsUrl) {
    walkthrough = graphiqlWalkthrough({
      gatewayUrl: url,
      sandboxControlsUrl: options.sandboxControlsUrl,
      authorization: devAuthorization,
    });
  }

  if (options.extraRoutes) {
    routes.push(options.extraRoutes({ url, devApiKey: devKey?.key, database }));
  }
  // Named by where it listens unless told otherwise: unique among live instances on one host.
  const claims = {
    instanceId: config.instanceId ?? `${hostname()}:${port}`,
    shared: database.shared,
  };
  await runner.start(claims);
  await dispatcher.start(claims);
  await inbox.processPending();
  // Shared, another instance may have stored a delivery and died: as long as a step's claim.
  if (database.shared) inbox.sweepEvery(config.pipeline.stepLeaseMs);

  return {
    url,
    publicUrl: deps.publicUrl,
    devApiKey: devKey,
    sessions,
    onboardings,
    runner,
    dispatcher,
    database,
    http,
    metrics,
    async close(timeoutMs = config.shutdownTimeoutMs) {
      const deadline = Date.now() + timeoutMs;
      http.stopAccepting();
      logger.info({ timeoutMs }, 'shutdown: no longer accepting connections');
      const subscriptions = await events.endSubscriptions();
      await http.closeSockets(deadline);
      logger.info({ subscriptions }, 'shutdown: subscriptions completed, websockets closed');
      const steps = await runner.stop(deadline);
      logger.info(steps, 'shutdown: step runner stopped');
      // After the runner, whose last changes may still store deliveries.
      const deliveries = await dispatcher.stop(deadline);
      logger.info(deliveries, 'shutdown: event dispatcher stopped');
      // After the runner, whose last changes still publish.
      await redis?.close();
      inbox.stopSweeping();
      await Promise.race([inbox.drain(), sleepUntil(deadline)]);
      await http.close(deadline);
      logger.info({}, 'shutdown: every connection closed');
      // Past the deadline, calls still in flight are cut off: their steps are already recorded.
      await (Date.now() < deadline && steps.interrupted === 0 && deliveries.abandoned === 0
        ? pools.close()
        : pools.destroy());
      await database.close();
      logger.info({}, 'shutdown: database closed');
    },
  };
}

function sleepUntil(deadline: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())).unref());
}
