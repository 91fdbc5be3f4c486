import { pino, type DestinationStream, type Logger } from 'pino';
import { scrubLogLine, serializeErrorWithoutQueryDetail } from './log-hygiene.ts';

export type { Logger };

/**
 * Structured JSON logs. Secrets never reach a log line: errors lose the failed query's text and parameters, the
 * redaction list removes known secret fields, and every written line is scrubbed of digests, hashes and tokens.
 */
export function createLogger(
  level: string,
  bindings: Record<string, unknown> = {},
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      level,
      base: { service: 'smarthome-cloud', ...bindings },
      serializers: { err: serializeErrorWithoutQueryDetail, error: serializeErrorWithoutQueryDetail },
      hooks: { streamWrite: scrubLogLine },
      redact: {
        paths: [
          'password',
          '*.password',
          'password_hash',
          '*.password_hash',
          'secret',
          '*.secret',
          'secret_digest',
          '*.secret_digest',
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
