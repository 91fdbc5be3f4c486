/**
 * What an EdgeClient reports. Tests and operators await these instead of sleeping; nothing in an event ever
 * contains the gateway secret.
 */

export type EdgeClientStatus =
  | 'idle' // constructed, start() not called
  | 'connecting' // TCP + WebSocket handshake
  | 'awaiting_welcome' // socket open, the cloud has not greeted us yet
  | 'syncing' // welcomed; sending the snapshot and the unacked backlog
  | 'ready' // frames flow
  | 'backing_off' // waiting before the next attempt
  | 'stopped'; // close() called, or the cloud refused our credentials

export type StopReason = 'closed_by_client' | 'credentials_refused' | 'invalid_configuration';

export type EdgeClientErrorSource =
  | 'socket' // transport errors (connection refused, reset…)
  | 'protocol' // the cloud sent a frame we could not parse
  | 'cloud' // the cloud sent an `error` frame
  | 'heartbeat' // pongs stopped coming
  | 'welcome_timeout' // the socket opened but no `welcome` came
  | 'command_handler' // onCommand threw
  | 'snapshot' // snapshot() threw, or the snapshot is too large
  | 'sync_rejected'; // the cloud refused our sync

export type EdgeClientEvent =
  /** `url` is the cloud URL this attempt goes to (without the path and credentials). */
  | { type: 'connecting'; attempt: number; url: string }
  | { type: 'connected'; sessionId: string; heartbeatIntervalS: number; resentStateFrames: number }
  | {
      type: 'disconnected';
      code: number;
      reason: string;
      /** False when the socket closed before a `welcome` (e.g. connection refused). */
      hadSession: boolean;
      willReconnect: boolean;
      reconnectInMs: number | null;
    }
  | { type: 'stopped'; reason: StopReason; closeCode: number | null; httpStatus: number | null }
  | { type: 'error'; source: EdgeClientErrorSource; message: string; code?: string }
  | { type: 'warning'; kind: 'unacked_buffer_overflow'; message: string; droppedRequestId: string }
  | { type: 'sync_acked'; requestId: string };

export type EdgeClientEventOf<T extends EdgeClientEvent['type']> = Extract<EdgeClientEvent, { type: T }>;
