// JSON lines on stderr, with every field and message passed through redaction: secret-named
// fields are replaced, and any remembered credential is scrubbed from the text.
import { redactFields, redactor } from './upstreams/redact.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface GatewayLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): GatewayLogger {
  const log = (at: Exclude<LogLevel, 'silent'>) => (fields: object, message: string) => {
    if (ORDER[at] < ORDER[level]) return;
    const entry = {
      level: at,
      time: new Date().toISOString(),
      msg: message,
      ...(redactFields(fields) as object),
    };
    write(redactor.text(JSON.stringify(entry)));
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
