import { EMPTY, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { CompensationFailures } from '../../src/commands/compensation-failures.ts';
import type { EventStore, RecordedEvent } from '../../src/eventstore/port.ts';
import { createLogger } from '../../src/logger.ts';
import { MeteredEventStore } from '../../src/metrics/metered-event-store.ts';
import { ProcessMetrics } from '../../src/metrics/process-metrics.ts';

/** A store whose appends fail: what the metered store wraps when the database is gone. */
const unreachableStore: EventStore = {
  kind: 'postgres',
  appendToStream: () => Promise.reject(new Error('connection refused')),
  readStream: () => Promise.resolve([]),
  readAll: () => Promise.resolve([]),
  headPosition: () => Promise.resolve(null),
  subscribeToAll: (): Observable<RecordedEvent> => EMPTY,
  ping: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

function lineOf(scrape: string, prefix: string): string | undefined {
  return scrape.split('\n').find((line) => line.startsWith(prefix));
}

describe('process metrics labels stay bounded', () => {
  it('a frame type nobody knows is counted as other, never as a series of its own', async () => {
    const metrics = new ProcessMetrics();
    metrics.bridge.frameIn('bridge', 'x'.repeat(40));
    metrics.bridge.frameIn('field', 'state_update');
    metrics.bridge.frameOut('bridge', 'made_up');
    const text = await metrics.scrape();
    expect(text).not.toContain('x'.repeat(40));
    expect(text).not.toContain('made_up');
    expect(lineOf(text, 'smarthome_bridge_frames_in_total{dialect="bridge",type="other"}')).toMatch(/ 1$/);
    expect(lineOf(text, 'smarthome_bridge_frames_in_total{dialect="field",type="state_update"}')).toMatch(/ 1$/);
    expect(lineOf(text, 'smarthome_bridge_frames_out_total{dialect="bridge",type="other"}')).toMatch(/ 1$/);
  });

  it('a request with a made-up method is labelled other, and one request is one sample', async () => {
    const metrics = new ProcessMetrics();
    metrics.http.observe('BREW', 'unmatched', 404, 0.001);
    metrics.http.observe('GET', '/healthz', 200, 0.001);
    metrics.http.observe('GET', '/healthz', 200, 0.002);
    const text = await metrics.scrape();
    expect(text).not.toContain('BREW');
    expect(lineOf(text, 'smarthome_http_requests_total{method="other",route="unmatched",status="404"}')).toMatch(/ 1$/);
    expect(lineOf(text, 'smarthome_http_requests_total{method="GET",route="/healthz",status="200"}')).toMatch(/ 2$/);
  });

  it('a failed append is still timed and counted, and the failure reaches the caller', async () => {
    const metrics = new ProcessMetrics();
    const store = new MeteredEventStore(unreachableStore, metrics.appends);
    expect(store.appendToStreams).toBeUndefined();
    const events = [{ id: '7d4f3d52-4ac8-4c5e-9a59-2a6d3c0c2f11', type: 'Noted', data: {}, metadata: {} }];
    await expect(store.appendToStream('notes-1', events, { expectedRevision: 'any' })).rejects.toThrow('refused');
    const text = await metrics.scrape();
    expect(lineOf(text, 'smarthome_event_store_append_duration_seconds_count{operation="append_to_stream"}')).toMatch(
      / 1$/,
    );
    expect(lineOf(text, 'smarthome_event_store_append_events_sum{operation="append_to_stream"}')).toMatch(/ 1$/);
  });

  it('a failed compensation is counted in the process registry, so /metrics shows it', async () => {
    const metrics = new ProcessMetrics();
    const compensations = new CompensationFailures(createLogger('silent'), metrics.registry);
    await compensations.attempt('free_gateway_slot', 'home-1', () => Promise.reject(new Error('down')));
    const text = await metrics.scrape();
    expect(lineOf(text, 'smarthome_compensation_failures_total{compensation="free_gateway_slot"}')).toMatch(/ 1$/);
  });

  it('two servers in one process keep separate registries', async () => {
    const [first, second] = [new ProcessMetrics(), new ProcessMetrics()];
    first.http.observe('GET', '/healthz', 200, 0.001);
    expect(lineOf(await second.scrape(), 'smarthome_http_requests_total{')).toBeUndefined();
  });
});
