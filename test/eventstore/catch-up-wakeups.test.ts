import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { catchUpSubscription } from '../../src/eventstore/catch-up-subscription.ts';
import type { RecordedEvent } from '../../src/eventstore/port.ts';
import { encodePosition } from '../../src/eventstore/position.ts';
import { decodeWakeupPayload, encodeWakeupPayload, wakeupConcerns, type Wakeup } from '../../src/eventstore/wakeup.ts';

const event = (txid: number, type: string): RecordedEvent => ({
  id: `e${txid}`,
  streamName: 'gateway-1',
  revision: 0,
  position: encodePosition(txid, 1),
  type,
  data: {},
  metadata: {},
  created: new Date(),
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('wake-ups', () => {
  it('concern a subscriber only when its filter can match', () => {
    const types = { eventTypes: ['GatewayRevoked'] };
    const prefixes = { streamPrefixes: ['gateway-'] };
    expect(wakeupConcerns(types, { types: ['DeviceStatesReported'] })).toBe(false);
    expect(wakeupConcerns(types, { types: ['DeviceStatesReported', 'GatewayRevoked'] })).toBe(true);
    expect(wakeupConcerns(types, {})).toBe(true); // unknown: a poll, an older process
    expect(wakeupConcerns(prefixes, { types: ['X'], stream: 'gateway_telemetry-1' })).toBe(false);
    expect(wakeupConcerns(prefixes, { types: ['X'], stream: 'gateway-1' })).toBe(true);
    expect(wakeupConcerns(prefixes, { types: ['X'] })).toBe(true); // NOTIFYs carry no stream
    expect(wakeupConcerns(undefined, { types: ['X'] })).toBe(true);
  });

  it('travel in NOTIFY payloads as type lists; an empty or oversized list means anything', () => {
    expect(decodeWakeupPayload(encodeWakeupPayload(['A', 'B']))).toEqual({ types: ['A', 'B'] });
    expect(decodeWakeupPayload('')).toEqual({});
    expect(encodeWakeupPayload(Array.from({ length: 500 }, (_, i) => `SomeLongEventTypeName${i}`))).toBe('');
  });
});

describe('catch-up subscription with filtered wake-ups', () => {
  it('does not read for appends its filter cannot match', async () => {
    const wakeups = new Subject<Wakeup>();
    let reads = 0;
    const subscription = catchUpSubscription(
      { readPage: async () => (reads++, []), pageSize: 10, wakeups, filter: { eventTypes: ['GatewayRevoked'] }, pollIntervalMs: 60_000 },
      null,
    ).subscribe();
    await sleep(20);
    expect(reads).toBe(1); // the catch-up read
    for (let i = 0; i < 50; i++) wakeups.next({ types: ['DeviceStatesReported'], stream: 'gateway_telemetry-1' });
    await sleep(20);
    expect(reads).toBe(1);
    wakeups.next({ types: ['GatewayRevoked'], stream: 'gateway-1' });
    await sleep(20);
    expect(reads).toBe(2);
    subscription.unsubscribe();
  });

  it('re-reads soon when the concerning append was still hidden by an older transaction', async () => {
    const wakeups = new Subject<Wakeup>();
    let visible = false;
    let reads = 0;
    const received: RecordedEvent[] = [];
    const subscription = catchUpSubscription(
      {
        readPage: async (after) => {
          reads += 1;
          return visible && after === null ? [event(7, 'GatewayRevoked')] : [];
        },
        pageSize: 10,
        wakeups,
        filter: { eventTypes: ['GatewayRevoked'] },
        pollIntervalMs: 60_000,
      },
      null,
    ).subscribe((e) => received.push(e));
    await sleep(20);
    wakeups.next({ types: ['GatewayRevoked'], stream: 'gateway-1', notBefore: encodePosition(7, 0) });
    await sleep(30); // read too early (hidden), then re-read on a short timer, not after the 60 s poll
    expect(received).toHaveLength(0);
    visible = true;
    await sleep(400); // retries double from 2 ms: well under a second, far under the poll
    expect(received.map((e) => e.id)).toEqual(['e7']);
    const readsWhenCaughtUp = reads;
    await sleep(100);
    expect(reads).toBe(readsWhenCaughtUp); // past the append: back to waiting for wake-ups
    subscription.unsubscribe();
  });
});
