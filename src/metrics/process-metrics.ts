import { collectDefaultMetrics, Registry } from 'prom-client';
import type { MetricsSource } from '../api/routes/metrics-routes.ts';
import { PromBridgeMetrics } from './bridge-metrics.ts';
import { CommandMetrics } from './command-metrics.ts';
import { HttpMetrics } from './http-metrics.ts';
import { AppendMetrics } from './metered-event-store.ts';
import { registerPoolMetrics, type PooledDatabase } from './pool-metrics.ts';
import { registerProjectionMetrics, type ProjectionSource } from './projection-metrics.ts';

/**
 * Every series of one process, in one registry made here (never prom-client's global one, so several servers in
 * one test process do not collide). The composition root makes it first and hands each part its recorder; what
 * is read at scrape time (projections, pools, sessions) is attached with `watch…` once it exists.
 */
export class ProcessMetrics implements MetricsSource {
  readonly registry = new Registry();
  readonly http = new HttpMetrics(this.registry);
  readonly bridge = new PromBridgeMetrics(this.registry);
  readonly commands = new CommandMetrics(this.registry);
  readonly appends = new AppendMetrics(this.registry);
  private projections: ProjectionSource | null = null;
  private databases: readonly PooledDatabase[] = [];

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    registerProjectionMetrics(this.registry, () => this.projections);
    registerPoolMetrics(this.registry, () => this.databases);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  watchProjections(source: ProjectionSource): void {
    this.projections = source;
  }

  watchPools(databases: readonly PooledDatabase[]): void {
    this.databases = databases;
  }

  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
