// JSON logs through pino. Three layers keep credentials out: pino's own redaction of known paths
// (authorization headers), a pass over every field object that replaces secret-named fields, and
// a scrub of the final line for any credential the process has handled (see upstreams/redact.ts).
import { pino } from 'pino';
import { redactFields, redactor } from './upstreams/redact.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface GatewayLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  /** Whether a line at this level would be written: lets a hot path skip building it. */
  isLevelEnabled(level: Exclude<LogLevel, 'silent'>): boolean;
  /**
   * A logger whose every line carries these fields (`{ onboardingId, step }`), so a line about a
   * step can be found by either without each call remembering to add them.
   */
  child(bindings: Record<string, string | number>): GatewayLogger;
}

export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => process.stderr.write(line),
): GatewayLogger {
  const logger = pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          'authorization',
          'headers.authorization',
          'req.headers.authorization',
          'connectionParams.authorization',
        ],
        censor: '[REDACTED]',
      },
      formatters: {
        level: (label) => ({ level: label }),
        log: (fields) => redactFields(fields) as Record<string, unknown>,
      },
    },
    { write: (line: string) => write(redactor.text(line)) },
  );
  return wrap(logger);
}

function wrap(logger: pino.Logger): GatewayLogger {
  return {
    debug: (fields, message) => logger.debug(fields, message),
    info: (fields, message) => logger.info(fields, message),
    warn: (fields, message) => logger.warn(fields, message),
    error: (fields, message) => logger.error(fields, message),
    isLevelEnabled: (level) => logger.isLevelEnabled(level),
    child: (bindings) => wrap(logger.child(bindings)),
  };
}
