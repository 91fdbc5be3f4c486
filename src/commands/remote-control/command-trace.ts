import { channel } from 'node:diagnostics_channel';

/** The hops a remote command passes on its way (bench/support/command-trace.ts prints their timeline). */
export type CommandHop =
  | 'request_parsed'
  | 'authorised'
  | 'command_appended'
  | 'relay_woken'
  | 'frame_sent'
  | 'ack_received'
  | 'ack_appended'
  | 'waiter_woken_local'
  | 'waiter_woken_subscription'
  | 'response_written';

/** One mark: which hop, the command when the hop knows it, and `performance.now()` in this process. */
export interface CommandHopMark {
  hop: CommandHop;
  commandId: string | undefined;
  at: number;
}

const hops = channel('smarthome:remote-command-hops');

/**
 * Marks a hop of a remote command on a diagnostics channel. Nothing subscribes in production, so a mark costs one
 * property read; the bench's trace (BENCH_TRACE) subscribes to see where a command's round trip spends its time.
 */
export function markCommandHop(hop: CommandHop, commandId?: string): void {
  if (hops.hasSubscribers) hops.publish({ hop, commandId, at: performance.now() } satisfies CommandHopMark);
}

/** For the bench: every mark, as it happens. Returns the unsubscribe. */
export function onCommandHops(listener: (mark: CommandHopMark) => void): () => void {
  const handler = (message: unknown) => listener(message as CommandHopMark);
  hops.subscribe(handler);
  return () => hops.unsubscribe(handler);
}
