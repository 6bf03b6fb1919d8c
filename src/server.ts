// The gateway's HTTP surface on one port: /graphql (GraphQL over HTTP, SSE subscriptions, and
// graphql-ws on the same path), the webhook routes, health, readiness and metrics.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import {
  type ExecutionArgs,
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  type ValidationContext,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import {
  createYoga,
  type GraphiQLOptions,
  type Plugin,
  type YogaServerInstance,
} from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { type Caller, type CallerResolver, INVALID } from './auth/caller.ts';
import { mutationRateLimit } from './auth/rate-limit.ts';
import type { RateLimits } from './config.ts';
import { renderGraphiQLPage, serveGraphiQLAsset } from './graphiql.ts';
import { schema } from './graphql-schema.ts';
import { sendJson } from './http-messages.ts';
import type { GatewayLogger } from './logger.ts';
import type { GatewayMetrics, SubscriptionTransport } from './metrics.ts';
import type { GraphQLContext } from './schema/builder.ts';
import { handleWebhook, type WebhookRouteDeps } from './webhooks/routes.ts';

export interface ServerDeps {
  /** Everything in the GraphQL context but the caller, which each request brings. */
  context: Omit<GraphQLContext, 'caller'>;
  callers: CallerResolver;
  webhooks: WebhookRouteDeps;
  logger: GatewayLogger;
  /** Live mode: no introspection, no GraphiQL. */
  production: boolean;
  /**
   * GraphiQL's pre-filled tabs and headers, read for each page: sandbox mode knows its walkthrough
   * (the ports in it, the development key) only once it listens.
   */
  graphiql?: () => GraphiQLOptions | undefined;
  /** More routes (the sandbox demo), tried before the 404; may be added after the server starts. */
  routes: RouteHandler[];
  /**
   * What /readyz checks, by name (`database`: open and migrated). Each answers true when ready; a
   * check that throws counts as not ready. Another dependency is one more entry.
   */
  readiness: Record<string, () => Promise<boolean>>;
  metrics: GatewayMetrics;
  /** Serve /metrics (METRICS_ENABLED). */
  serveMetrics: boolean;
  /** Mutation budgets per caller (RATE_LIMIT_*). */
  rateLimits: RateLimits;
}

/** The limits a query must stay within; each is refused just past its bound. */
export const GRAPHQL_LIMITS = {
  maxDepth: 12,
  maxAliases: 15,
  maxTokens: 2_000,
  // armor's cost grows 1.5x per level; the richest real query (one onboarding with everything and
  // 200 events) measured about 12,000, the test suites' heaviest about 20,000.
  maxCost: 50_000,
  /** Bytes of a POST body to /graphql. */
  maxBodyBytes: 100 * 1024,
} as const;

/** Answers a request and returns true, or returns false to let the next route try. */
export type RouteHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
) => Promise<boolean>;

interface WithCaller {
  caller?: Caller;
}

const unauthenticated = (message: string) => ({
  errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }],
});

/**
 * Errors as a client receives them. Yoga attaches the underlying error (`extensions.originalError`)
 * to some request errors, and a JSON parser's message quotes the body it choked on: a client gets
 * the message, never that. graphql-js leaves a variable that does not fit its type (`"MARS"` for a
 * Region) without a code: it is the caller's input, so it is BAD_USER_INPUT like every other.
 */
const errorsForClients: Plugin = {
  onResultProcess({ result, setResult }) {
    if (!result || Array.isArray(result) || !('errors' in result) || !result.errors) return;
    setResult({
      ...result,
      errors: result.errors.map((error) => {
        const { originalError, ...extensions } = error.extensions ?? {};
        const badVariable = !extensions.code && error.message.startsWith('Variable "$');
        if (!originalError && !badVariable) return error;
        return new GraphQLError(error.message, {
          nodes: error.nodes,
          source: error.source,
          positions: error.positions,
          path: error.path,
          extensions: badVariable ? { ...extensions, code: 'BAD_USER_INPUT' } : extensions,
        });
      }),
    });
  },
};

/**
 * A request that is not well-formed GraphQL over HTTP (its body is not JSON, an empty one included)
 * is a 400 whatever the client accepts. Yoga marks that error `spec`, which answers a client that
 * accepts `application/json` (or names no type) 200; GraphQL over HTTP and its audit expect 400.
 */
const malformedRequestsAre400: Plugin = {
  onResultProcess({ result, setResult }) {
    if (!result || Array.isArray(result) || !('errors' in result) || !result.errors) return;
    const malformed = (error: GraphQLError) => {
      const http = error.extensions?.http as { spec?: boolean } | undefined;
      return error.extensions?.code === 'BAD_REQUEST' && http?.spec === true;
    };
    if (!result.errors.some(malformed)) return;
    setResult({
      ...result,
      errors: result.errors.map((error) => {
        if (!malformed(error)) return error;
        const { http, ...extensions } = error.extensions;
        const { spec: _spec, ...status } = http as Record<string, unknown>;
        return new GraphQLError(error.message, {
          nodes: error.nodes,
          source: error.source,
          positions: error.positions,
          path: error.path,
          originalError: error.originalError,
          extensions: { ...extensions, http: status },
        });
      }),
    });
  },
};

/**
 * Armor throws from inside validation by default: over HTTP that answered 200 with a code-less
 * error, and graphql-ws closed the whole socket. Reported, it is an ordinary validation error (400,
 * GRAPHQL_VALIDATION_FAILED; an error message on the socket).
 */
const reportAsValidationError = {
  exposeLimits: true,
  propagateOnRejection: false,
  onReject: [
    (context: ValidationContext | null, error: GraphQLError) => context?.reportError(error),
  ],
};

/**
 * Live mode keeps the schema to itself (no introspection), but graphql-js' "Did you mean ...?"
 * would hand it out anyway, one misspelled field, argument, type or enum value at a time.
 * Validation can leave them out (graphql's own option); yoga's executor coerces variables without
 * that option, so what it reports loses the sentence instead.
 */
const noSuggestions: Plugin = {
  onValidate: ({ params, validateFn, setValidationFn }) => {
    setValidationFn((schema, document, rules) =>
      validateFn(schema, document, rules, { ...params.options, hideSuggestions: true }),
    );
  },
  onExecute: () => ({ onExecuteDone: ({ result, setResult }) => setResult(unsuggested(result)) }),
  onSubscribe: () => ({
    onSubscribeResult: ({ result, setResult }) => setResult(unsuggested(result)),
  }),
};

/** " Did you mean "READY"?", " Did you mean the enum value "READY"?": names hold no "?". */
const SUGGESTION = / ?Did you mean [^?]*\?/g;

function unsuggested<R>(result: R): R {
  if (!result || typeof result !== 'object' || !('errors' in result)) return result;
  const errors = (result as { errors?: readonly GraphQLError[] }).errors;
  if (!errors?.some((error) => error.message.includes('Did you mean'))) return result;
  return {
    ...result,
    errors: errors.map(
      (error) =>
        new GraphQLError(error.message.replace(SUGGESTION, ''), {
          nodes: error.nodes,
          source: error.source,
          positions: error.positions,
          path: error.path,
          originalError: error.originalError,
          extensions: error.extensions,
        }),
    ),
  };
}

/**
 * Counts every subscription while it is open. Whatever ends it (the source completes or fails, the
 * client goes away, the socket closes, the server shuts down) reaches the iterator's `next`,
 * `return` or `throw`, and each of those closes the count, at most once.
 */
function subscriptionGauge(metrics: GatewayMetrics): Plugin {
  return {
    onSubscribe: ({ args }) => ({
      onSubscribeResult: ({ result, setResult }) => {
        if (!(Symbol.asyncIterator in result)) return;
        // A graphql-ws operation's context carries its socket (see onSubscribe below).
        const transport: SubscriptionTransport =
          'socket' in (args.contextValue as object) ? 'graphql-ws' : 'sse';
        setResult(counted(result, metrics.subscriptionOpened(transport)));
      },
    }),
  };
}

function counted<T>(source: AsyncIterable<T>, close: () => void): AsyncIterableIterator<T> {
  const iterator = source[Symbol.asyncIterator]();
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      try {
        const next = await iterator.next();
        if (next.done) close();
        return next;
      } catch (error) {
        close();
        throw error;
      }
    },
    async return(value?: unknown) {
      close();
      return (await iterator.return?.(value)) ?? { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      close();
      if (iterator.throw) return iterator.throw(error);
      throw error;
    },
  };
}

/** The caller a request or socket was authenticated as, or why it was not. */
async function authenticate(
  callers: CallerResolver,
  authorization: unknown,
): Promise<Caller | string> {
  const caller = await callers.resolve(
    typeof authorization === 'string' ? authorization : undefined,
  );
  if (caller === INVALID)
    return 'The credential is not valid: unknown, revoked, expired or malformed.';
  if (caller.kind === 'anonymous') {
    return 'Authentication required: send "Authorization: Bearer <API key or onboarding session token>".';
  }
  return caller;
}

function socketCredential(ctx: {
  connectionParams?: Readonly<Record<string, unknown>>;
  extra: { request: IncomingMessage };
}): string | undefined {
  const value = ctx.connectionParams?.authorization ?? ctx.extra.request.headers.authorization;
  return typeof value === 'string' ? value : undefined;
}

export interface GatewayServer {
  server: Server;
  yoga: YogaServerInstance<Record<string, unknown>, GraphQLContext>;
  /**
   * Shutdown, first step: no new connection is accepted, and a request arriving on a connection
   * already open is answered 503 (`Connection: close`), so a balancer or an upstream retries
   * elsewhere or later. Requests in flight go on.
   */
  stopAccepting(): void;
  /**
   * Waits, until `deadline` (epoch ms), for every graphql-ws operation to have sent its completion
   * (the subscriptions were ended first), then closes every socket with 1001 Going away.
   */
  closeSockets(deadline: number): Promise<void>;
  /** Waits for the requests in flight until `deadline`, then closes every connection. */
  close(deadline?: number): Promise<void>;
}

/** Resolves once `done()` holds or `deadline` passes; for states nothing announces. */
async function settledBy(done: () => boolean, deadline: number): Promise<void> {
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

export function createGatewayServer(deps: ServerDeps): GatewayServer {
  const hardening: Plugin[] = [
    subscriptionGauge(deps.metrics),
    errorsForClients,
    malformedRequestsAre400,
    useCSRFPrevention(),
    mutationRateLimit(deps.rateLimits),
    maxDepthPlugin({ n: GRAPHQL_LIMITS.maxDepth, ...reportAsValidationError }),
    maxAliasesPlugin({ n: GRAPHQL_LIMITS.maxAliases, ...reportAsValidationError }),
    // Counted while parsing, where a thrown limit is already a 400 parse error.
    maxTokensPlugin({ n: GRAPHQL_LIMITS.maxTokens, exposeLimits: true }),
    costLimitPlugin({ maxCost: GRAPHQL_LIMITS.maxCost, ...reportAsValidationError }),
  ] as Plugin[];
  if (deps.production) {
    hardening.push(
      {
        onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule),
      },
      noSuggestions,
    );
  }

  const yoga = createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    // HTTP requests carry the caller route() authenticated; a socket's operation, the one
    // onSubscribe authenticated for it. A request handed to yoga directly (yoga.fetch, as the
    // in-process tests do) carries neither: it is authenticated here from its own Authorization
    // header, and refused as route() refuses it (401, the same body). Unlike route(), yoga has
    // parsed and validated the document by now.
    context: async (initial) => {
      const caller =
        (initial as WithCaller).caller ??
        (initial.req as WithCaller | undefined)?.caller ??
        (await authenticate(deps.callers, initial.request?.headers.get('authorization')));
      if (typeof caller === 'string') {
        throw new GraphQLError(caller, {
          extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
        });
      }
      return { ...deps.context, caller };
    },
    graphqlEndpoint: '/graphql',
    graphiql: deps.production
      ? false
      : () => ({
          title: 'WhatsApp onboarding gateway',
          // GraphiQL subscribes with a GET (GraphQL over SSE), which the CSRF prevention refuses
          // without this header.
          additionalHeaders: { 'x-graphql-yoga-csrf': 'graphiql' },
          ...deps.graphiql?.(),
        }),
    renderGraphiQL: renderGraphiQLPage,
    plugins: hardening,
    // Unexpected errors reach the client as "Unexpected error." only; the log has the detail.
    maskedErrors: true,
    batching: false,
    // route() already refused a POST without a Content-Length or over the limit, and node's parser
    // holds a body to its Content-Length: yoga's own limit would only pipe every body through a
    // second stream (a fifth of a small query's cost, measured).
    maxRequestBodySize: false,
    // Yoga logs three debug lines per request: built only when debug is on.
    logging: {
      debug: deps.logger.isLevelEnabled('debug')
        ? (...args) => deps.logger.debug({ args: args.map(String) }, 'yoga')
        : () => {},
      info: (...args) => deps.logger.info({ args: args.map(String) }, 'yoga'),
      warn: (...args) => deps.logger.warn({ args: args.map(String) }, 'yoga'),
      error: (...args) =>
        deps.logger.error(
          { args: args.map((a) => (a instanceof Error ? a.stack : String(a))) },
          'yoga',
        ),
    },
  });

  let accepting = true;
  let inFlight = 0;
  const server = createServer((req, res) => {
    if (!accepting) {
      res.setHeader('connection', 'close');
      return sendJson(res, 503, { error: 'shutting_down' });
    }
    inFlight++;
    res.once('close', () => inFlight--);
    route(deps, yoga, req as IncomingMessage & WithCaller, res).catch((error: unknown) => {
      deps.logger.error(
        { error: error instanceof Error ? error.stack : String(error), path: req.url },
        'request failed',
      );
      if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  /** Open graphql-ws connections, whose `subscriptions` list the operations still running. */
  const sockets = new Set<{ subscriptions: Record<string, unknown> }>();
  type EnvelopedArgs = ExecutionArgs & {
    rootValue: { execute: (a: unknown) => unknown; subscribe: (a: unknown) => unknown };
  };
  const ws = useServer(
    {
      execute: (args) => (args as EnvelopedArgs).rootValue.execute(args) as never,
      subscribe: (args) => (args as EnvelopedArgs).rootValue.subscribe(args) as never,
      // The browser's WebSocket cannot set headers: the credential comes in connection params.
      onConnect: async (ctx) => {
        const caller = await authenticate(deps.callers, socketCredential(ctx));
        if (typeof caller === 'string') return false;
        sockets.add(ctx);
        return true;
      },
      onClose: (ctx) => {
        sockets.delete(ctx);
      },
      // Yoga turns an error's `extensions.http` (a 429's status and Retry-After) into the HTTP
      // response and leaves it out of the body; a socket has no response to set, so it goes.
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!result.errors?.some((error) => error.extensions?.http)) return;
        return {
          ...result,
          errors: result.errors.map((error) => {
            const { http: _http, ...extensions } = error.extensions ?? {};
            return { ...error.toJSON(), extensions };
          }),
        };
      },
      onSubscribe: async (ctx, _id, params) => {
        // Checked again for every operation: a key revoked since the socket connected starts
        // nothing more (the operation answers UNAUTHENTICATED).
        const resolved = await deps.callers.resolve(socketCredential(ctx));
        const caller: Caller = resolved === INVALID ? { kind: 'invalid' } : resolved;
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
          caller,
        });
        const args = {
          schema,
          operationName: params.operationName,
          document: parse(params.query),
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        return errors.length ? errors : args;
      },
    },
    wss,
  );

  let closed: Promise<void> | undefined;
  let socketsClosed: Promise<void> | undefined;
  return {
    server,
    yoga,
    stopAccepting() {
      if (!accepting) return;
      accepting = false;
      closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
    },
    closeSockets(deadline) {
      socketsClosed ??= settledBy(
        () => [...sockets].every((ctx) => Object.keys(ctx.subscriptions).length === 0),
        deadline,
      ).then(() => ws.dispose());
      return socketsClosed;
    },
    async close(deadline = Date.now()) {
      this.stopAccepting();
      await this.closeSockets(deadline);
      await settledBy(() => inFlight === 0, deadline);
      server.closeAllConnections();
      await closed;
    },
  };
}

/** Every check at once, each `ok` or `failing`. */
async function readiness(
  checks: ServerDeps['readiness'],
): Promise<Record<string, 'ok' | 'failing'>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      const ok = await check().catch(() => false);
      return [name, ok ? 'ok' : 'failing'] as const;
    }),
  );
  return Object.fromEntries(entries);
}

async function route(
  deps: ServerDeps,
  yoga: GatewayServer['yoga'],
  req: IncomingMessage & WithCaller,
  res: ServerResponse,
): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://gateway').pathname;
  if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
  if (path === '/readyz') {
    const checks = await readiness(deps.readiness);
    const ready = Object.values(checks).every((c) => c === 'ok');
    return sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready', checks });
  }
  // Prometheus scrapes without a credential; nothing in it names a customer (see metrics.ts).
  if (path === '/metrics' && deps.serveMetrics) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendJson(res, 405, { error: 'method_not_allowed' });
    }
    const { contentType, body } = await deps.metrics.exposition();
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  if (await handleWebhook(deps.webhooks, req, res, path)) return;
  if (path !== yoga.graphqlEndpoint) {
    if (!deps.production && (await serveGraphiQLAsset(req, res, path))) return;
    for (const handle of deps.routes) if (await handle(req, res, path)) return;
    return sendJson(res, 404, { error: 'not_found' });
  }

  // GraphiQL's page itself is public (outside live mode); every GraphQL operation is not.
  const wantsGraphiQL =
    !deps.production && req.method === 'GET' && (req.headers.accept ?? '').includes('text/html');
  if (!wantsGraphiQL) {
    const caller = await authenticate(deps.callers, req.headers.authorization);
    if (typeof caller === 'string') return sendJson(res, 401, unauthenticated(caller));
    req.caller = caller;
  }
  if (req.method === 'POST') {
    // Refused before anything is read: a length is required so the limit can hold for every body.
    const length = req.headers['content-length'];
    if (length === undefined)
      return sendJson(res, 411, { errors: [{ message: 'Content-Length is required' }] });
    if (Number(length) > GRAPHQL_LIMITS.maxBodyBytes) {
      return sendJson(res, 413, {
        errors: [{ message: `The request body is over ${GRAPHQL_LIMITS.maxBodyBytes} bytes` }],
      });
    }
  }
  await yoga(req, res);
}
