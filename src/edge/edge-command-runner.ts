import { buildCommandAck, encodeFrame, type AckOutcome, type CommandFrame } from '../bridge/protocol/index.ts';
import type { ResolvedEdgeClientOptions } from './edge-client-options.ts';
import { RecentCommandOutcomes } from './recent-command-outcomes.ts';

/**
 * Runs the cloud's commands through `onCommand`, once each, and acks them in the configured dialect. Commands
 * are delivered at least once: a redelivery while one runs is ignored (its ack follows), one that already ran is
 * re-acked with its outcome. Acks that cannot be sent (offline) wait for the next session.
 */
export class EdgeCommandRunner {
  private readonly outcomes: RecentCommandOutcomes;
  /** Acks for commands that finished while we were offline; sent after the next welcome. */
  private pendingAcks: string[] = [];

  constructor(
    private readonly options: ResolvedEdgeClientOptions,
    /** Sends a frame if a session is ready; false otherwise. */
    private readonly sendIfReady: (text: string) => boolean,
    private readonly reportHandlerError: (message: string) => void,
  ) {
    this.outcomes = new RecentCommandOutcomes(options.maxUnackedStateFrames);
  }

  async run(frame: CommandFrame): Promise<void> {
    const commandId = frame.request_id;
    const progress = this.outcomes.get(commandId);
    if (progress?.state === 'running') return; // a redelivery while it runs; its ack follows
    if (progress?.state === 'done') {
      this.sendAck(commandId, progress.outcome);
      return;
    }
    this.outcomes.markRunning(commandId);
    const outcome = await this.execute(frame);
    this.outcomes.markDone(commandId, outcome);
    this.sendAck(commandId, outcome);
  }

  /** The acks that waited for a session, oldest first; they are the caller's to send now. */
  takePendingAcks(): string[] {
    const acks = this.pendingAcks;
    this.pendingAcks = [];
    return acks;
  }

  /** The client stopped: acks that waited for a session will never be sent. */
  dropPendingAcks(): void {
    this.pendingAcks = [];
  }

  private async execute(frame: CommandFrame): Promise<AckOutcome> {
    try {
      return await this.options.onCommand({
        commandId: frame.request_id,
        deviceId: frame.payload.device_id,
        action: frame.payload.action,
        params: frame.payload.params,
        issuedAt: frame.timestamp,
      });
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      this.reportHandlerError(`onCommand failed for ${frame.request_id}: ${message}`);
      return { status: 'error', error: { code: 'command_failed', message } };
    }
  }

  private sendAck(commandId: string, outcome: AckOutcome): void {
    const ack = buildCommandAck({
      dialect: this.options.dialect,
      commandId,
      timestamp: this.options.now() / 1000,
      outcome,
    });
    const text = encodeFrame(ack);
    if (this.sendIfReady(text)) return;
    this.pendingAcks.push(text);
    // Same bound as state reports; the cloud expires commands whose ack never comes.
    if (this.pendingAcks.length > this.options.maxUnackedStateFrames) this.pendingAcks.shift();
  }
}
