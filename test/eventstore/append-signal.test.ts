import { describe, expect, it } from 'vitest';
import { wakeupFor } from '../../src/eventstore/append-signal.ts';
import {
  appendNotificationPayload,
  parseAppendNotification,
} from '../../src/eventstore/postgres/append-notification.ts';
import { encodePosition } from '../../src/eventstore/position.ts';

const at = (txid: number) => encodePosition(txid, 0);

describe('append signals: which subscriptions an append wakes', () => {
  it('wakes a type-filtered subscription only for the types it follows, to be read up to their highest position', () => {
    const signal = { types: { A: at(5), B: at(7) }, streamName: 'x-1' };
    expect(wakeupFor({ eventTypes: ['C'] }, signal)).toBe(false);
    expect(wakeupFor({ eventTypes: ['A', 'C'] }, signal)).toEqual({ reach: at(5) });
    expect(wakeupFor({ eventTypes: ['A', 'B'] }, signal)).toEqual({ reach: at(7) });
    expect(wakeupFor(undefined, signal)).toEqual({ reach: at(7) });
  });

  it('wakes a prefix-filtered subscription by the stream name when it is known, and always when it is not', () => {
    expect(wakeupFor({ streamPrefixes: ['y-'] }, { types: { A: at(5) }, streamName: 'x-1' })).toBe(false);
    expect(wakeupFor({ streamPrefixes: ['y-', 'x-'] }, { types: { A: at(5) }, streamName: 'x-1' })).toEqual({
      reach: at(5),
    });
    expect(wakeupFor({ streamPrefixes: ['y-'] }, { types: { A: at(5) } })).toEqual({ reach: null });
  });

  it('wakes everyone, without a position to reach, for an append it knows nothing about', () => {
    expect(wakeupFor({ eventTypes: ['C'] }, {})).toEqual({ reach: null });
    expect(wakeupFor({ streamPrefixes: ['y-'] }, {})).toEqual({ reach: null });
  });
});

describe('append notifications (NOTIFY payloads between processes)', () => {
  it('round-trips the sender and the types with their positions', () => {
    const payload = appendNotificationPayload('node-a', new Map([['A', at(9)]]));
    expect(parseAppendNotification(payload)).toEqual({ from: 'node-a', signal: { types: { A: at(9) } } });
  });

  it('reads an empty or foreign payload as an unknown append (every subscriber wakes)', () => {
    for (const payload of ['', 'hello', '{"from": 3}', '{"from": "b", "types": {"A": "not a position"}}', 'null']) {
      expect(parseAppendNotification(payload).signal).toEqual({});
    }
  });

  it('leaves the types out rather than exceed the NOTIFY payload limit', () => {
    const many = new Map(Array.from({ length: 200 }, (_, i) => [`SomeRatherLongEventTypeName${i}`, at(i)] as const));
    const payload = appendNotificationPayload('node-a', many);
    expect(payload.length).toBeLessThan(8000);
    expect(parseAppendNotification(payload)).toEqual({ from: 'node-a', signal: {} });
  });
});
