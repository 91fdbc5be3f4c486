import type { Knex } from 'knex';
import { firstValueFrom, race, ReplaySubject, timer } from 'rxjs';
import type { EventStore, Position, RecordedEvent } from '../eventstore/port.ts';
import type { Logger } from '../logger.ts';
import { CHECKPOINTS_TABLE } from './checkpoints.ts';
import type { Projection } from './projection.ts';
import { NO_REJECTIONS, readRejectionSummary, type RejectionSummary } from './rejected-events.ts';

/** Counting further than this says nothing more to an operator, and keeps a sample of a far-behind log cheap. */
export const LAG_COUNT_LIMIT = 10_000;

/** One projection as the database shows it, whichever process applies it. */
/** An unapplied event younger than this is in flight, not lag worth counting. */
const COUNT_AFTER_MS = 2000;

export interface ProjectionLagSample {
  name: string;
  checkpoint: Position | null;
  /**
   * Events it handles in the log after its checkpoint, counted up to LAG_COUNT_LIMIT once the oldest has waited
   * more than 2 s (1 before that: in flight).
   */
  lagEvents: number;
  /** Age of the oldest event it has not applied (0 when caught up). */
  lagSeconds: number;
  /**
   * How long the log has held an event it handles past its checkpoint without the checkpoint moving: since that
   * event was written or since the checkpoint last moved, whichever is later (0 when caught up).
   */
  stalledSeconds: number;
  /** Events it could not apply and recorded as dead letters. */
  rejected: RejectionSummary;
}

export interface ProjectionLagSnapshot {
  sampledAt: Date;
  /** The head of the log this sample measured against (every projection's lag is behind it). */
  head: Position | null;
  projections: readonly ProjectionLagSample[];
}

interface Tracked {
  checkpoint: Position | null;
  /** When this sampler first saw the checkpoint where it is (its start, for the first sample). */
  since: number;
  /** The head of the log at the last scan after the checkpoint: unchanged head and checkpoint, no new scan. */
  scannedHead: Position | null | undefined;
  oldest: RecordedEvent | undefined;
  lagEvents: number;
  rejected: RejectionSummary;
}

export interface LagSamplerOptions {
  intervalMs?: number;
  clock?: () => number;
}

/**
 * Samples every projection's progress against the head of the log once a second (by default), from the
 * checkpoint rows — so every node judges the same way, applier or not. `/readyz` and `/metrics` read the last
 * sample; neither queries at page reads. Per sample: the head and every checkpoint (two reads), plus, for each
 * projection whose checkpoint or the head moved, a read of its oldest unapplied event and a bounded count.
 */
export class ProjectionLagSampler {
  private readonly tracked = new Map<string, Tracked>();
  private readonly stop$ = new ReplaySubject<void>(1);
  private snapshot: ProjectionLagSnapshot | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly intervalMs: number;
  private readonly clock: () => number;

  constructor(
    private readonly store: EventStore,
    private readonly knex: Knex,
    private readonly projections: readonly Projection[],
    private readonly logger: Logger,
    options: LagSamplerOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.clock = options.clock ?? Date.now;
  }

  /** Takes the first sample (so readiness has one from the start), then samples on the interval. */
  async start(): Promise<void> {
    await this.sample();
    this.running = this.loop();
  }

  latest(): ProjectionLagSnapshot | null {
    return this.snapshot;
  }

  async sample(): Promise<ProjectionLagSnapshot> {
    const head = await this.store.headPosition();
    const rows = await this.knex(CHECKPOINTS_TABLE).select<Array<{ name: string; position: Position | null }>>(
      'name',
      'position',
    );
    const checkpoints = new Map(rows.map((row) => [row.name, row.position]));
    const now = this.clock();
    const projections = await Promise.all(
      this.projections.map(async (projection) => {
        const tracked = await this.track(projection, checkpoints.get(projection.name) ?? null, head, now);
        return this.describe(projection.name, tracked, now);
      }),
    );
    this.snapshot = { sampledAt: new Date(now), head, projections };
    return this.snapshot;
  }

  private async track(projection: Projection, checkpoint: Position | null, head: Position | null, now: number) {
    let tracked = this.tracked.get(projection.name);
    const moved = tracked === undefined || tracked.checkpoint !== checkpoint;
    if (moved) {
      const rejected = await readRejectionSummary(this.knex, projection.name);
      tracked = { checkpoint, since: now, scannedHead: undefined, oldest: undefined, lagEvents: 0, rejected };
      this.tracked.set(projection.name, tracked);
    }
    if (tracked!.scannedHead !== head) {
      const filter = { eventTypes: projection.eventTypes };
      const [oldest] = await this.store.readAll({ after: checkpoint, filter, maxCount: 1 });
      tracked!.oldest = oldest;
      // Counted only when the oldest waits longer than an applier takes: under load most scans find an event
      // written a moment ago, and counting those would double the sampler's statements for nothing.
      const waiting = oldest !== undefined && now - oldest.created.getTime() > COUNT_AFTER_MS;
      tracked!.lagEvents = waiting ? await this.countBehind(projection, checkpoint) : oldest ? 1 : 0;
      tracked!.scannedHead = head;
    }
    return tracked!;
  }

  private async countBehind(projection: Projection, checkpoint: Position | null): Promise<number> {
    const filter = { eventTypes: projection.eventTypes };
    if (this.store.countEvents) return this.store.countEvents({ after: checkpoint, filter, limit: LAG_COUNT_LIMIT });
    return (await this.store.readAll({ after: checkpoint, filter, maxCount: 1000 })).length;
  }

  private describe(name: string, tracked: Tracked, now: number): ProjectionLagSample {
    const writtenAt = tracked.oldest?.created.getTime();
    const seconds = (since: number) => Math.max(0, (now - since) / 1000);
    return {
      name,
      checkpoint: tracked.checkpoint,
      lagEvents: tracked.lagEvents,
      lagSeconds: writtenAt === undefined ? 0 : seconds(writtenAt),
      stalledSeconds: writtenAt === undefined ? 0 : seconds(Math.max(writtenAt, tracked.since)),
      rejected: tracked.rejected ?? NO_REJECTIONS,
    };
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      await firstValueFrom(race(timer(this.intervalMs), this.stop$));
      if (this.stopped) return;
      try {
        await this.sample();
      } catch (error) {
        // The last sample stays; readiness treats one that got old as not ready.
        this.logger.warn({ err: error }, 'projection lag sample failed; retrying');
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stop$.next();
    await this.running;
  }
}
