import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';

/**
 * JWT_SECRET, or in development a secret generated once and kept in DATA_DIR (so tokens survive a restart).
 * Production refuses to start without JWT_SECRET (checked in config.ts).
 */
export function resolveJwtSecret(config: Config, logger: Logger): string {
  if (config.JWT_SECRET) return config.JWT_SECRET;
  const file = path.join(config.DATA_DIR, 'jwt-secret');
  if (fs.existsSync(file)) {
    logger.warn({ file }, 'JWT_SECRET is not set: using the development secret kept in DATA_DIR');
    return fs.readFileSync(file, 'utf8').trim();
  }
  fs.mkdirSync(config.DATA_DIR, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  fs.writeFileSync(file, secret, { mode: 0o600 });
  logger.warn({ file }, 'JWT_SECRET is not set: generated a development secret and kept it in DATA_DIR');
  return secret;
}
