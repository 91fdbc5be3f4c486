import { systemContext } from '../commands/metadata.ts';
import type { RemoteCommands } from '../commands/remote-control/remote-commands.ts';
import type { Logger } from '../logger.ts';
import type { RemoteCommandQueries } from '../projections/queries/remote-command-queries.ts';

/**
 * Every `intervalMs`: expires queued commands past their time to live and times out sent commands whose ack is
 * overdue (a `wait: false` command has nobody waiting to record it). Every node sweeps; the decider makes a
 * second sweep of the same command a no-op.
 */
export class CommandSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly commands: RemoteCommands,
    private readonly queries: RemoteCommandQueries,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    /** Recorded as the sweep's `client_address`: which process acted. */
    private readonly nodeId: string,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.sweep()
        .then(() => {})
        .catch((error: unknown) => this.logger.warn({ err: error }, 'remote command sweep failed'))
        .finally(() => (this.running = null));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  async sweep(now = new Date()): Promise<number> {
    let recorded = 0;
    for (const id of await this.queries.overdue(now)) {
      try {
        recorded += (await this.commands.sweep(id, await this.contextFor(id, now))).length;
      } catch (error) {
        this.logger.warn({ err: error, command_id: id }, 'could not sweep a remote command');
      }
    }
    return recorded;
  }

  /**
   * Why the sweep acts: it belongs to the command's own flow (the correlation of its first event, usually the
   * request that issued it) and was caused by the command's last event, whose deadline passed.
   */
  private async contextFor(commandId: string, now: Date) {
    const history = await this.commands.history(commandId);
    const correlation = history[0]?.metadata.correlation_id;
    return systemContext(
      'remote_command_sweep',
      {
        nodeId: this.nodeId,
        correlationId: typeof correlation === 'string' ? correlation : commandId,
        causationId: history.at(-1)?.id,
      },
      now,
    );
  }
}
