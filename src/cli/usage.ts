// What `--help` prints, and what follows a usage error's one line. Plain text with no imports, so
// help is printed without loading the configuration or opening the database.

/** The exit codes every command shares; the usage text and the README's CLI section list them. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const EXIT_CODES = `exit codes:
  0  done (revoking a key that was already revoked included: it stays refused)
  1  failed: no such key, invalid configuration, a database or sealing error
  2  usage error: unknown command or option, missing or invalid argument`;

const HELP_OPTION = `  -h, --help                                 print this usage`;

const KEYS_COMMANDS = `  keys create --name NAME [--scopes SCOPES]  make a partner API key; it is printed only once
  keys list                                  every API key, its scopes, when made, if revoked
  keys revoke ID                             refuse a key from the next request on`;

const SECRETS_COMMANDS = `  secrets rotate                             sandbox mode: a new key file key, every secret
                                             re-sealed under it, the old key dropped
  secrets reseal                             live mode: every secret re-sealed under
                                             SECRETS_KEY, so SECRETS_PREVIOUS_KEYS can go`;

const program = `usage: npm run gateway -- <command> [options]

Operator commands against the gateway's database, with the configuration \`npm start\` uses
(DATABASE_FILE or DATABASE_URL, SECRETS_KEY, SECRETS_PREVIOUS_KEYS).

commands:
${KEYS_COMMANDS}
${SECRETS_COMMANDS}

options:
  -h, --help                                 print this usage, or a command's when after it
                                             (npm run gateway -- keys create --help)

${EXIT_CODES}`;

const keys = `usage: npm run gateway -- keys <command> [options]

Partner API keys. A key is printed once, when made: only its hash is stored.

commands:
${KEYS_COMMANDS}

options:
  -h, --help                                 print this usage, or a command's when after it

${EXIT_CODES}`;

const keysCreate = `usage: npm run gateway -- keys create --name NAME [--scopes SCOPES]

Makes a partner API key and prints it once: only its hash is stored, so it cannot be shown again.
A running gateway takes it at once.

options:
  --name NAME                                who holds the key (keys list shows it)
  --scopes SCOPES                            comma-separated read, write, admin (write includes
                                             read, admin includes write); default read,write
${HELP_OPTION}

${EXIT_CODES}`;

const keysList = `usage: npm run gateway -- keys list

Lists every API key, newest first: its id, name, scopes, when it was made, and whether it is
active or when it was revoked. Times are UTC. The keys themselves are never shown.

options:
${HELP_OPTION}

${EXIT_CODES}`;

const keysRevoke = `usage: npm run gateway -- keys revoke ID

Revokes the key with this id (keys list shows ids): it is refused from the next request on, also
on a WebSocket it opened. Revoking it again changes nothing, says when it was revoked, and exits 0.

options:
${HELP_OPTION}

${EXIT_CODES}`;

const secrets = `usage: npm run gateway -- secrets <command> [options]

The key that seals the secrets the gateway keeps (customers' API keys, bearer tokens, webhook
secrets): rotate it, and re-seal every secret under the new one.

commands:
${SECRETS_COMMANDS}

options:
  -h, --help                                 print this usage, or a command's when after it

${EXIT_CODES}`;

const secretsRotate = `usage: npm run gateway -- secrets rotate

Sandbox mode, where the key lives in a file beside the database: writes a new key to that file,
re-seals every secret under it, then drops the old key. Stop the gateway first. With SECRETS_KEY
set (live mode), use secrets reseal instead.

options:
${HELP_OPTION}

${EXIT_CODES}`;

const secretsReseal = `usage: npm run gateway -- secrets reseal

Live mode: re-seals every secret under SECRETS_KEY, opening the old ones with
SECRETS_PREVIOUS_KEYS, after which SECRETS_PREVIOUS_KEYS can be removed. Run it with both set:

  SECRETS_KEY=<new> SECRETS_PREVIOUS_KEYS=<old> npm run gateway -- secrets reseal

options:
${HELP_OPTION}

${EXIT_CODES}`;

export const USAGE = {
  program,
  keys,
  'keys create': keysCreate,
  'keys list': keysList,
  'keys revoke': keysRevoke,
  secrets,
  'secrets rotate': secretsRotate,
  'secrets reseal': secretsReseal,
} as const;

export type UsageTopic = keyof typeof USAGE;
