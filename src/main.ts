// `npm start`: load the configuration, start the bundled fake in sandbox mode, start the gateway.

import type { FakeUpstreams } from '../mocks/serve.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createDemoRoutes } from './demo/routes.ts';
import { startGateway } from './gateway.ts';
import { startSandboxUpstreams } from './sandbox.ts';

async function main() {
  let config = loadConfig();
  let fake: FakeUpstreams | undefined;
  if (config.mode === 'sandbox') ({ fake, config } = await startSandboxUpstreams(config));
  const gateway = await startGateway(config, {
    sandboxDevKey: config.mode === 'sandbox',
    // Sandbox mode only: the partner-panel demo at `/`, its backend holding the development key.
    extraRoutes: fake
      ? ({ url, devApiKey }) =>
          createDemoRoutes({ gatewayUrl: url, apiKey: devApiKey!, sendzenOrigin: fake.url })
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
      `  partner-panel demo   ${gateway.url}/`,
      `  bundled fake         ${fake.url}  (controls: ${fake.urls.sandbox})`,
      `  database             ${config.databaseFile}`,
    );
  }
  const devKey = gateway.devApiKey;
  if (devKey?.created) {
    lines.push(
      '',
      'Created a development API key (read, write, admin). It is shown only this once, and kept in',
      `${devKey.file} (GraphiQL already uses it):`,
      `  ${devKey.key}`,
    );
  } else if (devKey) {
    lines.push(`  development API key  in ${devKey.file} (GraphiQL already uses it)`);
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await gateway.close();
    await fake?.close();
    process.exit(0);
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
