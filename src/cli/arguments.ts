// Reads the command line into one command, a request for help, or a usage error, before anything
// loads the configuration or opens the database: help and mistakes cost nothing and touch nothing.
import { parseArgs } from 'node:util';
import { parseScopes } from '../auth/api-keys.ts';
import type { ApiKeyScope } from '../db/schema.ts';
import { USAGE, type UsageTopic } from './usage.ts';

export type Command =
  | { name: 'keys create'; keyName: string; scopes: ApiKeyScope[] }
  | { name: 'keys list' }
  | { name: 'keys revoke'; id: string }
  | { name: 'secrets rotate' }
  | { name: 'secrets reseal' };

export type Invocation = { help: string } | { command: Command };

/** The command line is wrong: `message` (one line, or none for a bare area) then `usage`. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

const AREAS = {
  keys: ['create', 'list', 'revoke'],
  secrets: ['rotate', 'reseal'],
} as const;

type CommandName = Command['name'];

/** The options each command takes besides --help, all of them strings. */
const OPTIONS: Record<CommandName, string[]> = {
  'keys create': ['name', 'scopes'],
  'keys list': [],
  'keys revoke': [],
  'secrets rotate': [],
  'secrets reseal': [],
};

/** Every option any command takes, so `--name ci` reads `ci` as its value wherever it stands. */
const ANY_OPTION = {
  help: { type: 'boolean', short: 'h' },
  name: { type: 'string' },
  scopes: { type: 'string' },
} as const;

export function readArguments(argv: string[]): Invocation {
  // Not strict: an unknown option would make parseArgs throw its own message, which names no
  // command and shows no usage; the checks below say what is wrong in the command's terms.
  const { tokens } = parseArgs({
    args: argv,
    options: ANY_OPTION,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const words = tokens.flatMap((t) => (t.kind === 'positional' ? [t.value] : []));
  const options = tokens.flatMap((t) => (t.kind === 'option' ? [t] : []));
  const help = options.some((o) => o.name === 'help');

  const [area, commandWord, ...operands] = words;
  let topic: UsageTopic = 'program';
  if (area !== undefined) {
    if (!Object.hasOwn(AREAS, area))
      throw new UsageError(`unknown command: ${area}`, USAGE.program);
    topic = area as keyof typeof AREAS;
  }
  if (area !== undefined && commandWord !== undefined) {
    const known: readonly string[] = AREAS[area as keyof typeof AREAS];
    if (!known.includes(commandWord)) {
      throw new UsageError(`unknown command: ${area} ${commandWord}`, USAGE[topic]);
    }
    topic = `${area} ${commandWord}` as CommandName;
  }
  if (help) return { help: USAGE[topic] };

  const usage = USAGE[topic];
  const allowed = Object.hasOwn(OPTIONS, topic) ? OPTIONS[topic as CommandName] : [];
  const values: Record<string, string> = {};
  for (const option of options) {
    if (!allowed.includes(option.name)) {
      const where = topic === 'program' ? '' : ` for ${topic}`;
      throw new UsageError(`unknown option${where}: ${option.rawName}`, usage);
    }
    // `--name --scopes read` leaves --name without a value; `--name=-x` is how to mean "-x".
    if (option.value === undefined || (!option.inlineValue && option.value.startsWith('-'))) {
      throw new UsageError(`${option.rawName} needs a value`, usage);
    }
    values[option.name] = option.value;
  }
  if (topic === 'program' || topic === 'keys' || topic === 'secrets') {
    throw new UsageError('', usage);
  }
  return { command: command(topic, values, operands, usage) };
}

function command(
  name: CommandName,
  values: Record<string, string>,
  operands: string[],
  usage: string,
): Command {
  const expected = name === 'keys revoke' ? 1 : 0;
  if (operands.length > expected) {
    throw new UsageError(`unexpected argument for ${name}: ${operands[expected]}`, usage);
  }
  switch (name) {
    case 'keys create': {
      const keyName = values.name;
      if (!keyName?.trim()) throw new UsageError('keys create needs --name', usage);
      let scopes: ApiKeyScope[];
      try {
        scopes = parseScopes(values.scopes ?? 'read,write');
      } catch (error) {
        throw new UsageError((error as Error).message, usage);
      }
      return { name, keyName, scopes };
    }
    case 'keys revoke': {
      const [id] = operands;
      if (!id) throw new UsageError('keys revoke needs the key id', usage);
      return { name, id };
    }
    default:
      return { name };
  }
}
