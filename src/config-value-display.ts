import { maskUrlPassword } from './database/masked-url.ts';

/** Variables whose whole value is a secret: an error names them and says how long the value was, nothing more. */
const SECRET_VARIABLES = new Set(['JWT_SECRET', 'JWT_PREVIOUS_SECRETS', 'GATEWAY_SECRET_KEY', 'METRICS_TOKEN']);

/** Variables holding a URL whose `user:password@` part must not be printed. */
const URL_VARIABLES = new Set(['DATABASE_URL', 'EVENT_STORE_URL', 'REDIS_URL']);

/**
 * How a configuration error shows the value it refused: secrets never, URLs with their password masked
 * (`user:***@`), other values as given (they help the operator find the typo).
 */
export function describeRejectedValue(variable: string, value: string | undefined): string {
  if (value === undefined) return 'nothing';
  if (SECRET_VARIABLES.has(variable) || /SECRET|PASSWORD|TOKEN|KEY/i.test(variable)) {
    return `a value of ${value.length} characters, not shown`;
  }
  if (URL_VARIABLES.has(variable) || /_URL$/.test(variable)) return JSON.stringify(maskUrlPassword(value));
  return JSON.stringify(value);
}
