import { randomUUID } from 'node:crypto';
import {
  DEFAULT_MAX_FRAME_BYTES,
  type AckErrorDetail,
  type Dialect,
  type JsonObject,
} from '../bridge/protocol/index.ts';
import { DEFAULT_BACKOFF_POLICY, type BackoffPolicy } from './backoff.ts';
import type { GatewayAuthMode } from './gateway-connection-target.ts';

/** A command from the cloud, as handed to `onCommand`. */
export interface EdgeCommand {
  /** The remote command's id; the client acks with it. */
  commandId: string;
  deviceId: string;
  action: string;
  params: JsonObject;
  /** When the cloud sent it (Unix seconds), if it said. */
  issuedAt: number | null;
}

export type CommandOutcome = { status: 'ok'; result?: unknown } | { status: 'error'; error: AckErrorDetail };

export interface EdgeClientOptions {
  /**
   * `ws://host:port` or `wss://host`; `path` is appended. Several (an array, or comma-separated) for failover: the
   * client starts with the first and moves to the next one whenever a connection fails or drops, round-robin,
   * with the same backoff as with one.
   */
  url: string | readonly string[];
  gatewayId: string;
  secret: string;
  /** Default `basic`: keeps the secret out of URLs and proxy logs. */
  auth?: GatewayAuthMode;
  /** Default `/bridge/`. */
  path?: string;
  /** Runs a command on the edge; a throw is acked as `{status:'error', error:{code:'command_failed'}}`. */
  onCommand: (command: EdgeCommand) => Promise<CommandOutcome>;
  /** The full metadata snapshot (devices, rooms, scenes…) sent as `sync` on every (re)connect. */
  snapshot: () => JsonObject | Promise<JsonObject>;
  /** Default `current`. `legacy` speaks like field gateways: ISO timestamps, id-less pings, success/data acks. */
  dialect?: Dialect;
  /** Reconnect backoff (full jitter). Defaults: base 500 ms, cap 30 s. */
  reconnect?: Partial<BackoffPolicy>;
  /** Close codes after which reconnecting is pointless. Default `[4401]` (credentials refused). */
  stopOnCloseCodes?: readonly number[];
  /** HTTP statuses refusing the upgrade that mean the same. Default `[401, 403]`. */
  stopOnHttpStatuses?: readonly number[];
  /** Unacked state frames kept for resending; when full the oldest is dropped. Default 1000. */
  maxUnackedStateFrames?: number;
  /** Default 256 KiB, as on the cloud. */
  maxFrameBytes?: number;
  /** How long to wait for `welcome` after the socket opens before reconnecting. Default 10 s. */
  welcomeTimeoutMs?: number;
  /** Consecutive unanswered pings before the connection is declared dead. Default 2. */
  maxUnansweredPings?: number;
  /** TCP + HTTP upgrade timeout. Default 10 s. */
  handshakeTimeoutMs?: number;
  /** Injectable for tests: uniform [0, 1) source for the backoff jitter. */
  random?: () => number;
  /** Injectable for tests: wall clock in milliseconds. */
  now?: () => number;
  /** Injectable for tests: request ids of outgoing frames. */
  newRequestId?: () => string;
}

export type ResolvedEdgeClientOptions = Required<Omit<EdgeClientOptions, 'reconnect'>> & { reconnect: BackoffPolicy };

export function resolveEdgeClientOptions(options: EdgeClientOptions): ResolvedEdgeClientOptions {
  return {
    auth: 'basic',
    path: '/bridge/',
    dialect: 'current',
    stopOnCloseCodes: [4401],
    stopOnHttpStatuses: [401, 403],
    maxUnackedStateFrames: 1000,
    maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
    welcomeTimeoutMs: 10_000,
    maxUnansweredPings: 2,
    handshakeTimeoutMs: 10_000,
    random: Math.random,
    now: Date.now,
    newRequestId: randomUUID,
    ...withoutUndefined(options),
    reconnect: { ...DEFAULT_BACKOFF_POLICY, ...withoutUndefined(options.reconnect ?? {}) },
  };
}

/** `{...defaults, ...options}` would let an explicit `undefined` erase a default. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
