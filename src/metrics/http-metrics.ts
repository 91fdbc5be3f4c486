import { Counter, Histogram, type Registry } from 'prom-client';
import type { HttpRequestRecorder } from '../api/middleware/request-metrics.ts';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Seconds: from a cached read (ms) to a slow write waiting for its read models or a remote command (seconds). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

interface RouteSeries {
  requests: Counter.Internal;
  duration: Histogram.Internal<'method' | 'route' | 'status'>;
}

/**
 * `smarthome_http_requests_total` and `smarthome_http_request_duration_seconds` by method, route template and
 * status. The children of each (method, route, status) are looked up once and kept, so a request costs a map
 * lookup and two increments. Labels stay bounded: templates (never raw paths), the standard methods, status codes.
 */
export class HttpMetrics implements HttpRequestRecorder {
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly duration: Histogram<'method' | 'route' | 'status'>;
  private readonly series = new Map<string, RouteSeries>();

  constructor(registry: Registry) {
    const labelNames = ['method', 'route', 'status'] as const;
    this.requests = new Counter({
      name: 'smarthome_http_requests_total',
      help: 'HTTP requests answered, by method, route template (unmatched: no route) and status',
      labelNames,
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'smarthome_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method, route template and status',
      labelNames,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let series = this.series.get(key);
    if (!series) {
      const labels = { method: METHODS.has(method) ? method : 'other', route, status: String(status) };
      series = { requests: this.requests.labels(labels), duration: this.duration.labels(labels) };
      this.series.set(key, series);
    }
    series.requests.inc();
    series.duration.observe(seconds);
  }
}
