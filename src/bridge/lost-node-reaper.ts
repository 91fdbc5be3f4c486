import { performance } from 'node:perf_hooks';
import type { Logger } from '../logger.ts';
import type { NodeLeases } from '../projections/queries/node-leases.ts';

export interface LostNodeReaperOptions {
  /** This node (never claimed by itself) and this run of it (the claim's owner). */
  nodeId: string;
  incarnation: () => string;
  leases: NodeLeases;
  /** How often to look for lost nodes. */
  intervalMs: number;
  /** How long a claim holds: another node may take over a claim whose reaper died half-way. */
  claimMs: number;
  /** Resolves once the sessions read model caught up with the head of the log (read after the claim). */
  caughtUp: () => Promise<void>;
  /** Closes the sessions the read model shows open for that node, with `node_lost`; how many it closed. */
  closeSessionsOf: (nodeId: string) => Promise<number>;
  logger: Logger;
}

/**
 * On every node: claims nodes whose lease ran out and closes their sessions with `node_lost`. The claim is one
 * conditional update (node-leases.ts), so one node closes a lost node's sessions; the closes are written only after
 * the read model caught up with the log as it stood after the claim, so sessions already closed (by their node
 * before it died, or by an earlier reaper that died half-way) are not closed twice. A claim that this node could
 * not finish while it was sure to hold it is left to lapse, for another node to take.
 */
export class LostNodeReaper {
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;

  constructor(private readonly options: LostNodeReaperOptions) {}

  start(): void {
    this.timer ??= setInterval(() => void this.reapOnce(), this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.pass;
  }

  /** One look for lost nodes (skipped while the previous one runs). */
  reapOnce(): Promise<void> {
    this.pass ??= this.claimAndClose()
      .catch((error: unknown) => this.options.logger.warn({ err: error }, 'could not close the sessions of lost nodes'))
      .finally(() => {
        this.pass = null;
      });
    return this.pass;
  }

  private async claimAndClose(): Promise<void> {
    const { leases, nodeId, claimMs } = this.options;
    const reaper = `${nodeId}/${this.options.incarnation()}`;
    const claimedAt = performance.now();
    const lost = await leases.claimLost(nodeId, reaper, claimMs);
    if (lost.length === 0) return;
    await this.options.caughtUp();
    for (const lostNodeId of lost) {
      // Closing must end well inside the claim: past it, another node may already be closing the same sessions.
      if (performance.now() - claimedAt > (claimMs * 2) / 3) {
        this.options.logger.warn({ node_id: lostNodeId }, 'claim on a lost node left to lapse (this node was slow)');
        continue;
      }
      const closed = await this.options.closeSessionsOf(lostNodeId);
      await leases.finishReaping(lostNodeId, reaper);
      this.options.logger.warn({ node_id: lostNodeId, sessions_closed: closed }, 'node lost: its lease ran out');
    }
  }
}
