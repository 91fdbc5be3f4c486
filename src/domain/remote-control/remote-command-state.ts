/**
 * A remote command as its stream tells it (the remote-command decider's state): what the API answers and the bridge
 * sends. Apart from the decider, so that readers of the state need not import the decider.
 */
export type RemoteCommandStatus = 'none' | 'issued' | 'dispatched' | 'succeeded' | 'failed' | 'timed_out' | 'expired';
export type FinalStatus = 'succeeded' | 'failed' | 'timed_out' | 'expired';

export const FINAL_STATUSES: readonly RemoteCommandStatus[] = ['succeeded', 'failed', 'timed_out', 'expired'];
export const isFinal = (status: RemoteCommandStatus): status is FinalStatus => FINAL_STATUSES.includes(status);

export interface RemoteCommandState {
  status: RemoteCommandStatus;
  commandId: string | null;
  gatewayId: string | null;
  homeId: string | null;
  deviceId: string | null;
  action: string | null;
  params: Record<string, unknown>;
  issuedBy: string | null;
  issuedAt: string | null;
  timeoutS: number;
  ttlS: number;
  expiresAt: string | null;
  fingerprint: string | null;
  /** Session of the latest dispatch, and when. */
  sessionId: string | null;
  dispatchedAt: string | null;
  attempts: number;
  completedAt: string | null;
  result: unknown;
  error: { code: string; message: string } | null;
  lateAcks: number;
}
