import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../logger.ts';
import type { NodeLeases } from '../projections/queries/node-leases.ts';

export interface NodeLivenessOptions {
  nodeId: string;
  leases: NodeLeases;
  /** How long a lease holds without renewal; renewed every third of it. */
  leaseMs: number;
  logger: Logger;
  /** Monotonic milliseconds (injectable for tests). */
  now?: () => number;
}

type LeaseState = 'unregistered' | 'held' | 'lost' | 'stopped';

/**
 * This node's lease (a row of `bridge_node_leases`): taken at start-up, renewed every third of `leaseMs`, released
 * on a clean stop. Another node closes this node's sessions (`node_lost`) once the lease ran out.
 *
 * The node trusts its lease only while its own clock says it must still hold: `leaseMs` minus a third, counted
 * from when the last successful renewal was SENT (the database set the expiry later than that, by its own clock).
 * Past that, `confirmHeld` asks the database before any session event is written: a node that stalled (a long GC
 * pause, a frozen VM) must not write a session's close after another node closed it as lost. When the renewal
 * finds the row gone or claimed, the lease is lost for good and `onLost` runs (the bridge drops its sockets
 * without writing anything, and the node registers again under a new incarnation).
 */
export class NodeLiveness {
  private currentIncarnation = randomUUID();
  private state: LeaseState = 'unregistered';
  /** Monotonic time until which the lease is trusted without asking. */
  private trustedUntil = 0;
  private renewal: Promise<boolean | null> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lostHandler: () => void = () => {};
  private readonly now: () => number;

  constructor(private readonly options: NodeLivenessOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  get incarnation(): string {
    return this.currentIncarnation;
  }

  get renewEveryMs(): number {
    return Math.max(50, Math.floor(this.options.leaseMs / 3));
  }

  /** Called once when a renewal finds the lease taken (see the class comment). */
  onLost(handler: () => void): void {
    this.lostHandler = handler;
  }

  /**
   * Takes the lease under a new incarnation, waiting while another node closes a previous run's sessions under
   * its claim (the claim is finished, or lapses, within the claim period). Starts the renewals.
   */
  async register(): Promise<void> {
    if (this.state === 'held' || this.state === 'stopped') return;
    this.currentIncarnation = randomUUID();
    let waitingLogged = false;
    for (;;) {
      const sentAt = this.now();
      if (await this.options.leases.register(this.options.nodeId, this.currentIncarnation, this.options.leaseMs)) {
        this.trust(sentAt);
        break;
      }
      if (!waitingLogged)
        this.options.logger.warn(
          { node_id: this.options.nodeId },
          "another node is closing this node id's previous sessions; waiting to register",
        );
      waitingLogged = true;
      await delay(this.renewEveryMs);
      if ((this.state as LeaseState) === 'stopped') return;
    }
    this.state = 'held';
    this.timer ??= setInterval(() => void this.renew(), this.renewEveryMs);
    this.timer.unref();
  }

  /** Whether the lease is held and trusted on this node's own clock now (no need to ask the database). */
  get trustedNow(): boolean {
    return this.state === 'held' && this.now() < this.trustedUntil;
  }

  /** Whether session events may be written: at once while the lease is trusted, else after asking the database. */
  async confirmHeld(): Promise<boolean> {
    while (this.state === 'held' && this.now() >= this.trustedUntil) {
      if ((await this.renew()) === null) await delay(Math.min(this.renewEveryMs, 1000));
    }
    return this.state === 'held';
  }

  /** A clean stop: no more renewals, and the row goes (so nobody takes this node for lost). */
  async stop(): Promise<void> {
    const wasHeld = this.state === 'held';
    this.state = 'stopped';
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.renewal;
    if (!wasHeld) return;
    await this.options.leases
      .release(this.options.nodeId, this.currentIncarnation)
      .catch((error: unknown) => this.options.logger.warn({ err: error }, 'could not release the node lease'));
  }

  /** One renewal at a time; true renewed, false lost, null unknown (the database could not be asked). */
  private renew(): Promise<boolean | null> {
    this.renewal ??= this.renewOnce().finally(() => {
      this.renewal = null;
    });
    return this.renewal;
  }

  private async renewOnce(): Promise<boolean | null> {
    if (this.state !== 'held') return false;
    const incarnation = this.currentIncarnation;
    const sentAt = this.now();
    let renewed: boolean;
    try {
      renewed = await this.options.leases.renew(this.options.nodeId, incarnation, this.options.leaseMs);
    } catch (error) {
      this.options.logger.warn({ err: error, node_id: this.options.nodeId }, 'could not renew the node lease');
      return null;
    }
    if (this.state !== 'held' || incarnation !== this.currentIncarnation) return false;
    if (renewed) {
      this.trust(sentAt);
      return true;
    }
    this.state = 'lost';
    this.options.logger.error(
      { node_id: this.options.nodeId },
      'this node was declared lost by another node (its lease ran out); dropping its gateway sessions',
    );
    this.lostHandler();
    return false;
  }

  private trust(sentAt: number): void {
    this.trustedUntil = sentAt + this.options.leaseMs - Math.floor(this.options.leaseMs / 3);
  }
}
