import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { CrashAfterAppends } from '../../src/eventstore/crash-after-appends.ts';
import { WrongExpectedVersionError } from '../../src/eventstore/errors.ts';
import type { EventToAppend } from '../../src/eventstore/port.ts';
import { useEventStore } from '../support/event-store-fixture.ts';

const event = (): EventToAppend => ({ id: randomUUID(), type: 'Tested', data: {}, metadata: {} });

describe('fault injection: the process dies right after its Nth append (tests only)', () => {
  const fixture = useEventStore('pglite');

  it('crashes after exactly the Nth committed append: refused appends and multi-stream calls count as they commit', async () => {
    let crashes = 0;
    const committed = async () => (await fixture.store.readAll({ maxCount: 1000 })).map((e) => e.streamName);
    const store = new CrashAfterAppends(fixture.store, 3, () => {
      crashes += 1;
    });
    const stream = `fault-${randomUUID()}`;
    await store.appendToStream(stream, [event()], { expectedRevision: 'no_stream' });
    await expect(store.appendToStream(stream, [event()], { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(
      WrongExpectedVersionError,
    );
    await store.appendToStreams!([
      { stream: `${stream}-a`, events: [event()], expectedRevision: 'no_stream' },
      { stream: `${stream}-b`, events: [event()], expectedRevision: 'no_stream' },
    ]);
    expect(crashes, 'two appends committed so far').toBe(0);
    await store.appendToStream(stream, [event()], { expectedRevision: 0 });
    expect(crashes).toBe(1);
    // The crash comes after the commit: what the append wrote is in the log.
    expect((await committed()).filter((name) => name === stream)).toHaveLength(2);
  });

  it('FAULT_EXIT_AFTER_APPENDS is refused outside tests unless explicitly allowed', () => {
    expect(() =>
      loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), FAULT_EXIT_AFTER_APPENDS: '2' }),
    ).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'development', FAULT_EXIT_AFTER_APPENDS: '2' })).toThrow(
      /FAULT_EXIT_AFTER_APPENDS/,
    );
    expect(
      loadConfig({ NODE_ENV: 'development', FAULT_EXIT_AFTER_APPENDS: '2', ALLOW_FAULT_INJECTION: '1' })
        .FAULT_EXIT_AFTER_APPENDS,
    ).toBe(2);
    expect(loadConfig({ NODE_ENV: 'test', FAULT_EXIT_AFTER_APPENDS: '2' }).FAULT_EXIT_AFTER_APPENDS).toBe(2);
  });
});
