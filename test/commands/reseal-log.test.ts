import { randomBytes, randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { PersonalDataSealer } from '../../src/commands/personal-data-sealer.ts';
import { resealLog, type ResealTools } from '../../src/commands/privacy/reseal-log.ts';
import { EmailClaimStreams, legacyEmailClaimStream, userStream } from '../../src/domain/accounts/email.ts';
import { eventAppendSize } from '../../src/eventstore/append-size.ts';
import { DelegatingEventStore } from '../../src/eventstore/delegating-event-store.ts';
import { verifyStreamChain } from '../../src/eventstore/hash-chain.ts';
import type { AppendOptions, AppendResult, EventStore, EventToAppend, JsonObject } from '../../src/eventstore/port.ts';
import { DataKeyStore } from '../../src/eventstore/personal-data/data-key-store.ts';
import { dataKeyId, sealValue } from '../../src/eventstore/personal-data/sealed-value.ts';
import { useEventStore } from '../support/event-store-fixture.ts';

/** Remembers the size of every append it passes on. */
class AppendSizes extends DelegatingEventStore {
  readonly sizes: number[] = [];
  override appendToStream(stream: string, events: EventToAppend[], options: AppendOptions): Promise<AppendResult> {
    this.sizes.push(events.reduce((sum, event) => sum + eventAppendSize(event), 0));
    return super.appendToStream(stream, events, options);
  }
}

const userActor = (id: string) => ({ actor: { kind: 'user', id }, client_address: '192.0.2.9', user_agent: 'Agent/1' });
const event = (type: string, data: JsonObject, metadata: JsonObject): EventToAppend => ({
  id: randomUUID(),
  type,
  data,
  metadata,
});

// A fresh pair of stores per test: resealLog writes into an empty store only.
describe('resealLog (postgres)', () => {
  const fixtures = Array.from({ length: 8 }, () => useEventStore('postgres'));
  let next = 0;
  let keys: DataKeyStore;
  const claimStreams = EmailClaimStreams.fromSecret('reseal-log-spec-secret-0123456789abcdef');

  beforeAll(async () => {
    keys = new DataKeyStore(fixtures[0]!.db.database.knex, 'reseal-log-spec-secret-0123456789abcdef');
    await keys.ensureTable();
  });

  function stores(): { source: EventStore; destination: EventStore; tools: ResealTools } {
    const [source, destination] = [fixtures[next++]!, fixtures[next++]!];
    return {
      source: source.store,
      destination: destination.store,
      tools: { sealer: new PersonalDataSealer(keys), keys, claimStreams },
    };
  }

  it('splits a run larger than the append limit, each append within it, one unbroken chain', async () => {
    const { source, destination, tools } = stores();
    const userId = randomUUID();
    const updates = Array.from({ length: 20 }, (_, n) =>
      event('UserProfileUpdated', { user_id: userId, name: `${n} ${'x'.repeat(400)}` }, userActor(userId)),
    );
    await source.appendToStream(userStream(userId), updates, { expectedRevision: 'no_stream' });
    const measured = new AppendSizes(destination);
    const result = await resealLog(source, measured, tools, { maxAppendBytes: 4_000 });
    expect(result).toMatchObject({ done: 20, sealed: 20 });
    expect(measured.sizes.length).toBeGreaterThan(2);
    for (const size of measured.sizes) expect(size).toBeLessThanOrEqual(4_000);
    const copied = await destination.readStream(userStream(userId));
    expect(copied.map((copy) => copy.id)).toEqual(updates.map((update) => update.id));
    expect(verifyStreamChain(copied)).toBeNull();
    expect(JSON.stringify(copied)).not.toContain('x'.repeat(400));
  });

  it('copies an event already sealed as it is, and seals the plaintext one next to it', async () => {
    const { source, destination, tools } = stores();
    const userId = randomUUID();
    const keyId = dataKeyId('user', userId);
    const sealedName = sealValue('Sealed Sue', keyId, (await keys.keyFor(keyId))!);
    const written = [
      event('UserProfileUpdated', { user_id: userId, name: 'Plain Sue' }, userActor(userId)),
      event(
        'UserProfileUpdated',
        { user_id: userId, name: sealedName },
        { ...userActor(userId), client_address: null, user_agent: null },
      ),
    ];
    await source.appendToStream(userStream(userId), written, { expectedRevision: 'no_stream' });
    expect(await resealLog(source, destination, tools)).toMatchObject({ done: 2, sealed: 1 });
    const [first, second] = await destination.readStream(userStream(userId));
    expect(first!.data.name).toMatch(/^pd1:user:/);
    expect(second!.data).toEqual({ user_id: userId, name: sealedName });
  });

  it('renames a legacy claim stream; a keyed stream of the same address continues it', async () => {
    const { source, destination, tools } = stores();
    const [address, holder, next] = [`${randomUUID()}@example.com`, randomUUID(), randomUUID()];
    await source.appendToStream(
      legacyEmailClaimStream(address),
      [
        event('EmailClaimed', { user_id: holder }, userActor(holder)),
        event('EmailReleased', { user_id: holder }, userActor(holder)),
      ],
      { expectedRevision: 'no_stream' },
    );
    await source.appendToStream(
      claimStreams.keyed(address),
      [event('EmailClaimed', { user_id: next }, userActor(next))],
      { expectedRevision: 'no_stream' },
    );
    expect(await resealLog(source, destination, tools)).toMatchObject({ done: 3, renamedClaimStreams: 1 });
    const claim = await destination.readStream(claimStreams.keyed(address));
    expect(claim.map((e) => [e.revision, e.type, e.data.user_id])).toEqual([
      [0, 'EmailClaimed', holder],
      [1, 'EmailReleased', holder],
      [2, 'EmailClaimed', next],
    ]);
    expect(verifyStreamChain(claim)).toBeNull();
    await expect(destination.readStream(legacyEmailClaimStream(address))).rejects.toThrow();
  });

  it('an erased person\'s plaintext is written as "[erased]", never sealed under a live key', async () => {
    const { source, destination, tools } = stores();
    const userId = randomUUID();
    const email = `${randomBytes(4).toString('hex')}@example.com`;
    await source.appendToStream(
      userStream(userId),
      [
        event('UserRegistered', { user_id: userId, email, name: 'Gone', password_hash: 'c2NyeXB0' }, userActor(userId)),
        event(
          'PersonalDataErased',
          { key_ids: [dataKeyId('user', userId)], reason: 'account_deleted', user_id: userId },
          {},
        ),
      ],
      { expectedRevision: 'no_stream' },
    );
    await resealLog(source, destination, tools);
    const [registered] = await destination.readStream(userStream(userId));
    expect(registered!.data).toEqual({
      user_id: userId,
      email: '[erased]',
      name: '[erased]',
      password_hash: '[erased]',
    });
    expect(registered!.metadata).toMatchObject({ client_address: '[erased]', user_agent: '[erased]' });
  });
});
