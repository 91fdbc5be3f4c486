import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs. Secrets never reach a log line: the redaction list is the last line of defence. */
export function createLogger(level: string, bindings: Record<string, unknown> = {}, destination?: DestinationStream): Logger {
  return pino(
    {
    level,
    base: { service: 'smarthome-cloud', ...bindings },
    redact: {
      paths: [
        'password',
        '*.password',
        'secret',
        '*.secret',
        'token',
        '*.token',
        'refresh',
        '*.refresh',
        'access',
        '*.access',
        'req.headers.authorization',
        'headers.authorization',
      ],
      censor: '[redacted]',
    },
  },
    destination,
  );
}
