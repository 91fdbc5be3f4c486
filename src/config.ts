import { z } from 'zod';
import { REFRESH_TOKEN_REUSE_MODES } from './domain/accounts/token-family.ts';
import { describeRejectedValue } from './config-value-display.ts';
import { DEFAULT_PGLITE_THREAD, PGLITE_THREADS } from './database/pglite-thread.ts';

/** Every setting comes from the environment; README.md documents each one. */
const booleanFlag = z.enum(['0', '1', 'true', 'false']).transform((value) => value === '1' || value === 'true');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  /**
   * Embedded PGlite only: `worker` runs it in a thread of its own, so its statements' CPU does not hold up HTTP and
   * WebSocket work (ARCHITECTURE.md, "Where PGlite runs"); `main` runs it in the server's event loop.
   */
  PGLITE_THREAD: z.enum(PGLITE_THREADS).default(DEFAULT_PGLITE_THREAD),
  EVENT_STORE_URL: z
    .string()
    .regex(/^(postgres(ql)?|esdb(\+discover)?):\/\//, 'must start with postgres://, postgresql:// or esdb://')
    .optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  /**
   * EventStoreDB only: how long an append or a read keeps retrying through transient server states (not ready,
   * busy, leader election, commit timeout, unreachable) before it fails with 503. Longer than an election.
   */
  EVENT_STORE_RETRY_TOTAL_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
  /**
   * EventStoreDB only: deadline of one call (a read, an append, the confirmation of a subscription); a node that
   * accepts connections and never answers fails the call after it, and the retry goes on.
   */
  EVENT_STORE_CALL_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5_000),
  /**
   * EventStoreDB only: silence after which a confirmed `$all` subscription is checked against the head of the log
   * and, if the log has grown past it, resubscribed (a server that stalls one subscription but answers keepalives).
   */
  EVENT_STORE_SUBSCRIPTION_IDLE_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
  /**
   * EventStoreDB only: how long start-up waits for an unreachable or not-ready store (reading the head of `$all`)
   * before it gives up; meanwhile /healthz answers 200 and /readyz 503.
   */
  EVENT_STORE_STARTUP_WAIT_MS: z.coerce.number().int().min(0).max(3_600_000).default(600_000),
  /** Connections each PostgreSQL pool (event store, read models) opens at most. */
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(20),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /**
   * Secrets a rotation retired: tokens they signed (found by their `kid`) still verify until they expire, so a
   * rotation logs nobody out. Comma-separated, each at least 32 characters.
   */
  JWT_PREVIOUS_SECRETS: z
    .string()
    .transform((value) => value.split(',').map((secret) => secret.trim()))
    .pipe(z.array(z.string().min(32, 'each secret must be at least 32 characters')).max(10, 'at most 10 secrets'))
    .default([]),
  /**
   * An Ed25519 private key (PEM, PKCS#8) that signs tokens with EdDSA instead of JWT_SECRET's HS256, so other
   * services can verify them with the public keys at `/.well-known/jwks.json`.
   */
  JWT_PRIVATE_KEY_FILE: z.string().min(1).max(4096).optional(),
  /**
   * Ed25519 keys a rotation retired (PEM files, public or private; comma-separated): their tokens still verify and
   * the JWKS still lists them. Needs JWT_PRIVATE_KEY_FILE.
   */
  JWT_PREVIOUS_PUBLIC_KEY_FILES: z
    .string()
    .transform((value) => value.split(',').map((file) => file.trim()))
    .pipe(z.array(z.string().min(1, 'a file name is empty').max(4096)).max(10, 'at most 10 files'))
    .default([]),
  ACCESS_TOKEN_TTL_S: z.coerce.number().int().min(30).max(86_400).default(900),
  REFRESH_TOKEN_TTL_S: z.coerce.number().int().min(300).max(31_536_000).default(2_592_000),
  /**
   * `tolerant`: a refresh-token family accepts its last presented token again while the rotated successor was
   * never presented (clients that ignore rotation stay signed in); `strict`: any reuse revokes the family.
   */
  REFRESH_TOKEN_REUSE: z.enum(REFRESH_TOKEN_REUSE_MODES).default('tolerant'),
  SCRYPT_LOG_N: z.coerce.number().int().min(1).max(20).default(15),
  LOGIN_RATE_LIMIT: z.coerce.number().int().min(1).default(10),
  LOGIN_RATE_WINDOW_S: z.coerce.number().int().min(1).default(900),
  GATEWAY_SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  /**
   * The master key that wraps every data key personal data is sealed under (crypto-shredding), and keys the
   * e-mail claim digests. Unset (development): derived from the JWT secret.
   */
  DATA_KEY_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  PAIRING_CODE_TTL_S: z.coerce.number().int().min(1).max(86_400).default(600),
  PAIRING_RATE_LIMIT: z.coerce.number().int().min(1).default(10),
  PAIRING_RATE_WINDOW_S: z.coerce.number().int().min(1).default(900),
  READ_YOUR_WRITES_TIMEOUT_MS: z.coerce.number().int().min(0).max(60_000).default(5000),
  /**
   * How long a claim (an e-mail, a home's gateway slot, a redeemed pairing code) whose holder never wrote its
   * first event stands before the next command that meets it frees it (a crash between the two appends).
   */
  ABANDONED_CLAIM_GRACE_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  /**
   * Tests only: the process kills itself (SIGKILL) right after its Nth successful append. Refused unless
   * NODE_ENV=test or ALLOW_FAULT_INJECTION=1.
   */
  FAULT_EXIT_AFTER_APPENDS: z.coerce.number().int().min(1).optional(),
  ALLOW_FAULT_INJECTION: booleanFlag.default(false),
  /** `/readyz` is 503 when a projection has not advanced for this long while events waited for it. */
  READY_MAX_LAG_S: z.coerce.number().min(0).max(86_400).default(30),
  HEARTBEAT_TIMEOUT_S: z.coerce.number().positive().default(90),
  HEARTBEAT_INTERVAL_S: z.coerce.number().positive().default(30),
  BRIDGE_MAX_FRAME_BYTES: z.coerce.number().int().min(1024).default(262_144),
  BRIDGE_RATE_LIMIT_PER_S: z.coerce.number().int().min(1).default(50),
  BRIDGE_AUTH_FAILURE_LIMIT: z.coerce.number().int().min(1).max(10_000).default(10),
  BRIDGE_TELEMETRY_BYTES_PER_MIN: z.coerce.number().int().min(1024).max(1_073_741_824).default(4_194_304),
  BRIDGE_MAX_REFUSED_FRAMES: z.coerce.number().int().min(1).max(100_000).default(20),
  /**
   * How long a reconnect answered from the credential cache waits for the credential follower before the gateway's
   * stream is read instead (the session stays while its credentials hold).
   */
  BRIDGE_ADMISSION_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  NODE_ID: z.string().min(1).optional(),
  REMOTE_COMMAND_QUEUE_LIMIT: z.coerce.number().int().min(1).default(100),
  REMOTE_COMMAND_SWEEP_INTERVAL_MS: z.coerce.number().int().min(10).default(5000),
  /** Live app sockets (`/ws/home/{id}/`) one user may hold open on one process. */
  APP_SOCKETS_PER_USER: z.coerce.number().int().min(1).max(1000).default(10),
  TRUST_PROXY: booleanFlag.default(false),
  /**
   * Browser origins allowed to call the API (exact `scheme://host[:port]`, comma-separated). Unset: no CORS
   * headers at all, so browsers keep to the same origin.
   */
  CORS_ORIGINS: z
    .string()
    .transform((value) => value.split(',').map((origin) => origin.trim()))
    .pipe(z.array(z.string().regex(/^https?:\/\/[^/\s,]+$/, 'each origin must be scheme://host[:port], no path')))
    .default([]),
  /**
   * `Strict-Transport-Security` on every answer. Default: on when TRUST_PROXY is (a TLS-terminating proxy in
   * front); a plain-HTTP deployment must not send it.
   */
  HSTS: booleanFlag.optional(),
  AUTO_REBUILD: booleanFlag.default(false),
  /** A rebuild started from the admin API records its progress as an event at most this often. */
  REBUILD_PROGRESS_INTERVAL_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  /** Events per page of a rebuild started from the admin API (smaller pages: finer progress, more round trips). */
  REBUILD_PAGE_SIZE: z.coerce.number().int().min(1).max(50_000).default(5000),
  /** Shared limits (login, change-password, pairing, bridge handshakes) in Redis; unset: per process, in memory. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  /** Prefix of every limit key in Redis (`<prefix>:<limit>:<key>`): several deployments may share one Redis. */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (at most 64)')
    .default('smarthome'),
  /** `GET /metrics` on the main port needs `Authorization: Bearer <METRICS_TOKEN>`; unset, it is 404 there. */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** A separate listener (on HOST) that serves only `/metrics`, without a token. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment; the first invalid variable stops start-up with one message naming it. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = issue.path.join('.');
    throw new ConfigError(
      `Invalid configuration: ${variable} ${issue.message} (got ${describeRejectedValue(variable, present[variable])})`,
    );
  }
  if (
    parsed.data.FAULT_EXIT_AFTER_APPENDS !== undefined &&
    parsed.data.NODE_ENV !== 'test' &&
    !parsed.data.ALLOW_FAULT_INJECTION
  ) {
    throw new ConfigError(
      'Invalid configuration: FAULT_EXIT_AFTER_APPENDS kills the process on purpose; it is honoured only with NODE_ENV=test or ALLOW_FAULT_INJECTION=1',
    );
  }
  if (parsed.data.NODE_ENV === 'production' && !parsed.data.JWT_SECRET) {
    throw new ConfigError('Invalid configuration: JWT_SECRET is required when NODE_ENV=production');
  }
  if (parsed.data.NODE_ENV === 'production' && !parsed.data.GATEWAY_SECRET_KEY) {
    throw new ConfigError(
      'Invalid configuration: GATEWAY_SECRET_KEY is required when NODE_ENV=production (without it the gateway-secret digests are keyed by JWT_SECRET, and rotating JWT_SECRET would lock out every gateway)',
    );
  }
  if (parsed.data.NODE_ENV === 'production' && !parsed.data.DATA_KEY_SECRET) {
    throw new ConfigError(
      'Invalid configuration: DATA_KEY_SECRET is required when NODE_ENV=production (it wraps the data keys personal data is sealed under; without it they would be keyed by JWT_SECRET, and rotating JWT_SECRET would make every person read as erased)',
    );
  }
  return parsed.data;
}
