// `npm run sandbox:reset`: starts the sandbox afresh. Removes the gateway's SQLite database (and
// its WAL and shared-memory files) and the bundled fake's state file beside it, so every
// onboarding goes, on both sides at once. Keeps the development API key (data/dev-api-key: the
// next start registers it again, so GraphiQL and scripts that hold it keep working) and the
// sealing key (data/secrets.key). Reads the same variables as `npm start` (GATEWAY_MODE,
// DATABASE_FILE, DATABASE_URL, HOST, PORT). Refuses in live mode, with a PostgreSQL database (use
// `POST /sandbox/reset` on the running gateway) and while a gateway answers on HOST:PORT. Plain
// JavaScript: it runs without a build.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

const env = process.env;

function refuse(message) {
  process.stderr.write(`sandbox:reset: ${message}\n`);
  process.exit(1);
}

if ((env.GATEWAY_MODE ?? 'sandbox') !== 'sandbox') {
  refuse(`GATEWAY_MODE=${env.GATEWAY_MODE}: this only resets the sandbox, never a live database.`);
}
if (env.DATABASE_URL) {
  refuse(
    'DATABASE_URL is set: the onboardings are in PostgreSQL, which this script does not touch. ' +
      'Start the sandbox and POST /sandbox/reset to it instead.',
  );
}

const host = !env.HOST || ['0.0.0.0', '::'].includes(env.HOST) ? '127.0.0.1' : env.HOST;
const gatewayUrl = `http://${host.includes(':') ? `[${host}]` : host}:${env.PORT ?? '4000'}`;
try {
  await fetch(`${gatewayUrl}/readyz`, { signal: AbortSignal.timeout(1000) });
  refuse(
    `a gateway is running at ${gatewayUrl}: stop it first (Ctrl-C), or POST ${gatewayUrl}/sandbox/reset to it.`,
  );
} catch {
  // Nothing answers there: nothing has the database open.
}

const databaseFile = resolve(env.DATABASE_FILE ?? './data/gateway.sqlite');
const folder = dirname(databaseFile);
const stateFile = join(folder, 'sandbox-state.json');
const candidates = [
  databaseFile,
  `${databaseFile}-wal`,
  `${databaseFile}-shm`,
  `${databaseFile}-journal`,
  stateFile,
];
// A state file's temporary copy, left by a process killed mid-write.
if (existsSync(folder)) {
  for (const name of readdirSync(folder)) {
    if (name.startsWith(`${basename(stateFile)}.`) && name.endsWith('.tmp')) {
      candidates.push(join(folder, name));
    }
  }
}

const removed = candidates.filter((file) => existsSync(file));
for (const file of removed) rmSync(file, { force: true });

if (removed.length === 0) {
  process.stdout.write(`Nothing to remove: the sandbox in ${folder} is already empty.\n`);
} else {
  process.stdout.write(`Removed:\n${removed.map((file) => `  ${file}\n`).join('')}`);
}
process.stdout.write(
  `Kept the development API key and the sealing key in ${folder}. The next \`npm start\` begins with no onboardings.\n`,
);
