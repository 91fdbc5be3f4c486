import type { Config } from './config.ts';
import { resolveJwtSecret } from './jwt-secret.ts';
import type { Logger } from './logger.ts';

/**
 * DATA_KEY_SECRET, or in development the JWT secret (JWT_SECRET, or the one kept in DATA_DIR): the key store
 * derives its wrapping key with HKDF under its own label, so the two keys stay unrelated. Production refuses to
 * start without DATA_KEY_SECRET (config.ts): rotating JWT_SECRET must not make every person read as erased.
 */
export function resolveDataKeySecret(config: Config, logger: Logger): string {
  return config.DATA_KEY_SECRET ?? resolveJwtSecret(config, logger);
}
