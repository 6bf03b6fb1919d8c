// The bundled fake of SendZen and Sinch, served as a real HTTP server: msw's in-process
// interception does not see undici Pool traffic, so the msw handlers answer real sockets here
// (ARCHITECTURE decision 1). Also the `npm run sandbox` CLI.
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { FakeApp } from './app.ts';
import { SANDBOX_CREDENTIALS, type SandboxCredentials } from './credentials.ts';
import {
  DEFAULT_CONFIG,
  type FakeUpstreamsOptions,
  type SandboxConfig,
  sandboxConfigSchema,
} from './sandbox/config.ts';
import { type SandboxUrls, urlsFor } from './sandbox/upstreams.ts';

/** The fake SendZen iframe's path (handlers/sendzen.ts), the only one its own port serves. */
const IFRAME_PATH = '/sendzen/onboard/iframe';

export type { FakeUpstreamsOptions };

export interface FakeUpstreams {
  /** e.g. http://127.0.0.1:4010 */
  url: string;
  urls: SandboxUrls;
  credentials: SandboxCredentials;
  /** Stops the server, timers and pending deliveries; hung requests are cut off. */
  close(): Promise<void>;
}

export const DEFAULT_PORT = 4010;
export const DEFAULT_HOST = '127.0.0.1';

function configFrom(options: FakeUpstreamsOptions): SandboxConfig {
  const given = {
    senderActivationMs: options.senderActivationMs,
    subprojectWarmupMs: options.subprojectWarmupMs,
    tokenTtlSeconds: options.tokenTtlSeconds,
    iframeTtlMs: options.iframeTtlMs,
    metaCodeTtlMs: options.metaCodeTtlMs,
    callbackRetryDelaysMs: options.callbackRetryDelaysMs,
  };
  const defined = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
  return sandboxConfigSchema.parse({ ...DEFAULT_CONFIG, ...defined });
}

/**
 * Binds the port at once; the fake itself (msw's handlers, @msw/data's collections: about half of
 * a sandbox gateway's start time and a fifth of its memory) is loaded by the first request that
 * reaches it. The gateway needs only the fake's URLs to start, and a sandbox that is never called
 * never pays for it.
 */
export async function startFakeUpstreams(
  options: FakeUpstreamsOptions = {},
): Promise<FakeUpstreams> {
  const host = options.host ?? DEFAULT_HOST;
  // Checked now, so a bad option fails the start rather than the first request.
  const config = configFrom(options);
  let app: Promise<FakeApp> | undefined;
  let url = '';
  let iframeUrl = '';
  let metaUrl = '';
  const loadApp = () => {
    app ??= import('./app.ts').then(({ createFakeApp }) =>
      createFakeApp(options, config, urlsFor(url, iframeUrl, metaUrl)),
    );
    return app;
  };

  const handleWith =
    (pick: (app: FakeApp) => FakeApp['handle']) => (req: IncomingMessage, res: ServerResponse) => {
      loadApp().then(
        (loaded) => pick(loaded)(req, res),
        (error: unknown) => {
          res.statusCode = 500;
          res.end(`the fake upstreams could not load: ${String(error)}`);
        },
      );
    };
  const handle = handleWith((loaded) => loaded.handle);
  const sockets = new Set<Socket>();
  const listen = async (port: number, serve: typeof handle) => {
    const server = createServer(serve);
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const bound = (server.address() as AddressInfo).port;
    return { server, url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}` };
  };

  const main = await listen(options.port ?? DEFAULT_PORT, handle);
  url = main.url;
  const closeAll = (servers: Server[]) =>
    Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  // The SendZen iframe on a port of its own: only its page and its result endpoint answer there.
  const iframe = await listen(options.iframePort ?? 0, (req, res) => {
    if ((req.url ?? '').startsWith(IFRAME_PATH)) return handle(req, res);
    res.statusCode = 404;
    res.end('Not found: this port serves the SendZen onboarding iframe only.');
  }).catch(async (error: unknown) => {
    await closeAll([main.server]);
    throw error;
  });
  iframeUrl = iframe.url;
  // The stand-in for Meta's SDK and signup window on a third port: the vendor's page must see
  // Meta's message come from another origin, as it does from facebook.com. It answers its own
  // paths only (app.ts).
  const meta = await listen(
    options.metaPort ?? 0,
    handleWith((loaded) => loaded.handleMeta),
  ).catch(async (error: unknown) => {
    await closeAll([main.server, iframe.server]);
    throw error;
  });
  metaUrl = meta.url;
  if (options.stateFile && existsSync(options.stateFile)) {
    // Saved state is loaded now rather than on the first request: a saved sender's activation and
    // the callbacks still to deliver must resume on their own, and a state file that cannot be
    // read must fail the start, not a request. With none yet, the fake stays lazy.
    try {
      await loadApp();
    } catch (error) {
      await closeAll([main.server, iframe.server, meta.server]);
      throw error;
    }
  }

  let closed: Promise<void> | undefined;
  return {
    url,
    urls: urlsFor(url, iframeUrl, metaUrl),
    credentials: SANDBOX_CREDENTIALS,
    close() {
      closed ??= (async () => {
        const stopped = closeAll([main.server, iframe.server, meta.server]);
        if (app) (await app.catch(() => undefined))?.stop();
        for (const socket of sockets) socket.destroy();
        await stopped;
      })();
      return closed;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// CLI: tsx mocks/serve.ts [--port N] [--host H] [--seed S] [--sender-activation-ms N]
// ---------------------------------------------------------------------------------------------

const cliSchema = z.object({
  port: z.coerce.number().int().min(0).max(65_535).default(DEFAULT_PORT),
  host: z.string().min(1).default(DEFAULT_HOST),
  seed: z.string().min(1).optional(),
  'sender-activation-ms': z.coerce.number().int().nonnegative().optional(),
  'subproject-warmup-ms': z.coerce.number().int().nonnegative().optional(),
  'iframe-port': z.coerce
    .number()
    .int()
    .min(0)
    .max(65_535)
    .default(DEFAULT_PORT + 1),
  'meta-port': z.coerce
    .number()
    .int()
    .min(0)
    .max(65_535)
    .default(DEFAULT_PORT + 2),
  quiet: z.boolean().default(false),
});

const USAGE = `Usage: tsx mocks/serve.ts [--port N] [--iframe-port N] [--meta-port N] [--host H] [--seed S]
                          [--sender-activation-ms N] [--subproject-warmup-ms N] [--quiet]`;

function describe(fake: FakeUpstreams, seed: string | undefined): string {
  const { urls, credentials } = fake;
  const rows: [string, string][] = [
    ['SendZen partner API', urls.sendzen],
    ['SendZen iframe (origin)', urls.sendzenIframe],
    ['Meta SDK stand-in', `${urls.meta}/sdk.js`],
    ['Sinch auth', urls.sinchAuth],
    ['Sinch Subprojects', urls.subprojects],
    ['Sinch Provisioning', urls.provisioning],
    ['Sinch Conversation (us)', urls.conversation.us],
    ['Sinch Conversation (eu)', urls.conversation.eu],
    ['Sinch Conversation (br)', urls.conversation.br],
  ];
  const secrets: [string, string][] = [
    ['SendZen partner key', credentials.sendzenPartnerKey],
    ['Sinch key id', credentials.sinchKeyId],
    ['Sinch key secret', credentials.sinchKeySecret],
    ['Sinch project id', credentials.sinchProjectId],
  ];
  const table = (list: [string, string][]) =>
    list.map(([name, value]) => `  ${name.padEnd(26)}${value}`).join('\n');
  return [
    `Fake upstreams listening on ${fake.url}${seed ? ` (seed ${seed})` : ''}`,
    '',
    'Upstreams:',
    table(rows),
    '',
    'Sandbox credentials:',
    table(secrets),
    '',
    `Controls: ${urls.sandbox}  (GET it for urls, credentials and config)`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  let parsed: z.infer<typeof cliSchema>;
  try {
    const { values } = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        seed: { type: 'string' },
        'sender-activation-ms': { type: 'string' },
        'subproject-warmup-ms': { type: 'string' },
        'iframe-port': { type: 'string' },
        'meta-port': { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return;
    }
    parsed = cliSchema.parse(values);
  } catch (error) {
    console.error(error instanceof z.ZodError ? z.prettifyError(error) : String(error));
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }

  const fake = await startFakeUpstreams({
    port: parsed.port,
    iframePort: parsed['iframe-port'],
    metaPort: parsed['meta-port'],
    host: parsed.host,
    seed: parsed.seed,
    senderActivationMs: parsed['sender-activation-ms'],
    subprojectWarmupMs: parsed['subproject-warmup-ms'],
    log: !parsed.quiet,
  });
  console.log(describe(fake, parsed.seed));

  const shutdown = (signal: string) => {
    console.log(`${signal}: closing the fake upstreams`);
    void fake.close().then(() => process.exit(0));
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

const runDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (runDirectly) {
  main().catch((error: unknown) => {
    console.error(
      'The fake upstreams could not start:',
      error instanceof Error ? error.message : error,
    );
    process.exit(1);
  });
}
