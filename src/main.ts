// `npm start`: load the configuration, start the bundled fake in sandbox mode, start the gateway;
// on SIGTERM or SIGINT, shut down gracefully (Gateway.close) and exit 0. A second signal exits at
// once, for an operator who will not wait.
import { constants } from 'node:os';

import type { FakeUpstreams } from '../mocks/serve.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createDemoRoutes } from './demo/routes.ts';
import { startGateway } from './gateway.ts';
import { createLogger } from './logger.ts';
import {
  createSandboxResetRoute,
  SANDBOX_RESET_PATH,
  sandboxStateFile,
  startSandboxUpstreams,
} from './sandbox.ts';

async function main() {
  let config = loadConfig();
  let fake: FakeUpstreams | undefined;
  if (config.mode === 'sandbox') ({ fake, config } = await startSandboxUpstreams(config));
  const logger = createLogger(config.logLevel);
  // The demo's backend acts with the development key (admin) for whoever loads its page, and its
  // feed shows every onboarding: never served once the sandbox is opened to the network.
  const demo = fake !== undefined && !config.sandbox?.allowRemote;
  // The fake's named scenarios, for the demo's start form (the happy path is the empty choice).
  const scenarios = demo
    ? (await import('../mocks/sandbox/scenarios.ts'))
        .scenarioCatalogue()
        .filter((s) => s.name !== 'happy')
        .map((s) => ({ value: s.name, label: `${s.name}: ${s.plays}` }))
    : [];
  const gateway = await startGateway(config, {
    logger,
    sandboxDevKey: config.mode === 'sandbox',
    sandboxControlsUrl: fake?.urls.sandbox,
    // Sandbox mode only: the partner-panel demo at `/`, its backend holding the development key,
    // and POST /sandbox/reset. Neither asks for a credential: loopback only, like the fake.
    extraRoutes:
      fake && demo
        ? ({ url, devApiKey, database }) => {
            const demoRoutes = createDemoRoutes({
              gatewayUrl: url,
              apiKey: devApiKey!,
              // The iframe posts from an origin of its own, as SendZen's does.
              sendzenOrigin: fake.urls.sendzenIframe,
              // Meta's SDK (the fake's stand-in unless a Meta app is configured): the page loads it.
              metaSdkUrl: config.metaSignup?.sdkUrl,
              scenarios,
              fakeControlsUrl: fake.urls.sandbox,
            });
            const reset = createSandboxResetRoute({
              onboardings: database.onboardings,
              fakeControlsUrl: fake.urls.sandbox,
            });
            return async (req, res, path) =>
              (await reset(req, res, path)) || demoRoutes(req, res, path);
          }
        : undefined,
  });

  const lines = [
    '',
    `WhatsApp onboarding gateway (${config.mode} mode)`,
    `  GraphQL + GraphiQL   ${gateway.url}/graphql`,
    `  webhooks             ${gateway.publicUrl}/webhooks/...`,
    `  health               ${gateway.url}/healthz  ${gateway.url}/readyz`,
  ];
  if (config.metricsEnabled) lines.push(`  metrics              ${gateway.url}/metrics`);
  if (fake) {
    lines.push(
      demo
        ? `  partner-panel demo   ${gateway.url}/`
        : '  partner-panel demo   not served (SANDBOX_ALLOW_REMOTE=true)',
      demo
        ? `  reset the sandbox    POST ${gateway.url}${SANDBOX_RESET_PATH}  (or stop, npm run sandbox:reset)`
        : '  reset the sandbox    stop it, then npm run sandbox:reset',
      `  bundled fake         ${fake.url}  (controls: ${fake.urls.sandbox}; this machine only)`,
      `  Meta stand-in        ${fake.urls.meta}/sdk.js  (Embedded Signup on your own page)`,
      `  database             ${config.database ? withoutPassword(config.database.url) : config.databaseFile}`,
      `  fake's state         ${sandboxStateFile(config.databaseFile)}`,
    );
  }
  const devKey = gateway.devApiKey;
  const inGraphiql = config.sandbox?.allowRemote
    ? 'GraphiQL does not have it: paste it into its Headers tab as {"authorization": "Bearer <key>"}'
    : 'GraphiQL already uses it';
  if (devKey?.created) {
    lines.push(
      '',
      'Created a development API key (read, write, admin). It is shown only this once, and kept in',
      `${devKey.file} (${inGraphiql}):`,
      `  ${devKey.key}`,
    );
  } else if (devKey) {
    lines.push(`  development API key  in ${devKey.file} (${inGraphiql})`);
  }
  if (config.sandbox?.allowRemote) {
    lines.push(
      '',
      `SANDBOX_ALLOW_REMOTE=true: listening on ${config.host}, port ${new URL(gateway.url).port}.`,
      'Anyone who can reach it can load GraphiQL, which asks for a key; the demo is not served.',
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'shutdown: second signal, exiting at once');
      process.exit(128 + constants.signals[signal]);
    }
    stopping = true;
    logger.info({ signal }, 'shutdown: signal received');
    gateway
      .close()
      // The fake saves its state as it closes: even after a failed shutdown of the gateway.
      .finally(() => fake?.close())
      .then(
        () => {
          logger.info({}, 'shutdown: done');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error(
            { error: error instanceof Error ? error.stack : String(error) },
            'shutdown failed',
          );
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(
      `The gateway could not start: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
  }
  process.exit(1);
});

/** A database URL fit to print: the password, if any, masked. */
function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
