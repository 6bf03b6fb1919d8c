// The gateway's HTTP surface on one port: /graphql (GraphQL over HTTP, SSE subscriptions, and
// graphql-ws on the same path), the webhook routes, and health.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import type { GatewayLogger } from './logger.ts';
import type { GraphQLContext } from './schema/builder.ts';
import { schema } from './schema/index.ts';
import { sendJson } from './webhooks/http.ts';
import { handleWebhook, type WebhookRouteDeps } from './webhooks/routes.ts';

export interface ServerDeps {
  context: GraphQLContext;
  webhooks: WebhookRouteDeps;
  logger: GatewayLogger;
  /** Database open and migrations applied. */
  ready: () => boolean;
}

export interface GatewayServer {
  server: Server;
  yoga: YogaServerInstance<Record<string, unknown>, GraphQLContext>;
  close(): Promise<void>;
}

export function createGatewayServer(deps: ServerDeps): GatewayServer {
  const yoga = createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    context: () => deps.context,
    graphqlEndpoint: '/graphql',
    // Unexpected errors reach the client as "Unexpected error." only; the log has the detail.
    maskedErrors: true,
    batching: false,
    logging: {
      debug: (...args) => deps.logger.debug({ args: args.map(String) }, 'yoga'),
      info: (...args) => deps.logger.info({ args: args.map(String) }, 'yoga'),
      warn: (...args) => deps.logger.warn({ args: args.map(String) }, 'yoga'),
      error: (...args) =>
        deps.logger.error(
          { args: args.map((a) => (a instanceof Error ? a.stack : String(a))) },
          'yoga',
        ),
    },
  });

  const server = createServer((req, res) => {
    route(deps, yoga, req, res).catch((error: unknown) => {
      deps.logger.error(
        { error: error instanceof Error ? error.stack : String(error), path: req.url },
        'request failed',
      );
      if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  type EnvelopedArgs = ExecutionArgs & {
    rootValue: { execute: (a: unknown) => unknown; subscribe: (a: unknown) => unknown };
  };
  const ws = useServer(
    {
      execute: (args) => (args as EnvelopedArgs).rootValue.execute(args) as never,
      subscribe: (args) => (args as EnvelopedArgs).rootValue.subscribe(args) as never,
      onSubscribe: async (ctx, _id, params) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
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

  return {
    server,
    yoga,
    async close() {
      await ws.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function route(
  deps: ServerDeps,
  yoga: GatewayServer['yoga'],
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://gateway').pathname;
  if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
  if (path === '/readyz') {
    const ready = deps.ready();
    return sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready' });
  }
  if (await handleWebhook(deps.webhooks, req, res, path)) return;
  if (path === yoga.graphqlEndpoint) return void (await yoga(req, res));
  sendJson(res, 404, { error: 'not_found' });
}
