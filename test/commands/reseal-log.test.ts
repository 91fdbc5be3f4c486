import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { PersonalDataSealer } from '../../src/commands/personal-data-sealer.ts';
import { resealLog, type ResealProgress } from '../../src/commands/privacy/reseal-log.ts';
import { EmailClaimStreams, legacyEmailClaimStream, userStream } from '../../src/domain/accounts/email.ts';
import { eventAppendSize } from '../../src/eventstore/append-size.ts';
import { DelegatingEventStore } from '../../src/eventstore/delegating-event-store.ts';
import { verifyStreamChain } from '../../src/eventstore/hash-chain.ts';
import type { AppendOptions, AppendResult, EventToAppend, JsonObject } from '../../src/eventstore/port.ts';
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

// One source log holding every case, resealed once into an empty store; each spec reads its streams.
// On the Postgres server when TEST_DATABASE_URL is set, else on PGlite: `npm test` needs no external service.
const storeKind = process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';
describe(`resealLog (${storeKind})`, () => {
  const source = useEventStore(storeKind);
  const destination = useEventStore(storeKind);
  const secret = 'reseal-log-spec-secret-0123456789abcdef';
  const claimStreams = EmailClaimStreams.fromSecret(secret);
  const [large, mixed, erased] = [randomUUID(), randomUUID(), randomUUID()];
  const [address, holder, next] = [`${randomUUID()}@example.com`, randomUUID(), randomUUID()];
  const updates = Array.from({ length: 20 }, (_, n) =>
    event('UserProfileUpdated', { user_id: large, name: `${n} ${'x'.repeat(400)}` }, userActor(large)),
  );
  let sealedName: string;
  let measured: AppendSizes;
  let result: ResealProgress;

  async function given(stream: string, events: EventToAppend[]): Promise<void> {
    await source.store.appendToStream(stream, events, { expectedRevision: 'any' });
  }

  beforeAll(async () => {
    const keys = new DataKeyStore(destination.db.database.knex, secret);
    await keys.ensureTable();
    await given(userStream(large), updates);
    const keyId = dataKeyId('user', mixed);
    sealedName = sealValue('Sealed Sue', keyId, (await keys.keyFor(keyId))!);
    const unsent = { client_address: null, user_agent: null };
    await given(userStream(mixed), [
      event('UserProfileUpdated', { user_id: mixed, name: 'Plain Sue' }, userActor(mixed)),
      event('UserProfileUpdated', { user_id: mixed, name: sealedName }, { ...userActor(mixed), ...unsent }),
    ]);
    await given(legacyEmailClaimStream(address), [
      event('EmailClaimed', { user_id: holder }, userActor(holder)),
      event('EmailReleased', { user_id: holder }, userActor(holder)),
    ]);
    await given(claimStreams.keyed(address), [event('EmailClaimed', { user_id: next }, userActor(next))]);
    const registered = { user_id: erased, email: 'gone@example.com', name: 'Gone', password_hash: 'c2NyeXB0' };
    const erasure = { key_ids: [dataKeyId('user', erased)], reason: 'account_deleted', user_id: erased };
    await given(userStream(erased), [
      event('UserRegistered', registered, userActor(erased)),
      event('PersonalDataErased', erasure, {}),
    ]);
    measured = new AppendSizes(destination.store);
    const tools = { sealer: new PersonalDataSealer(keys), keys, claimStreams };
    result = await resealLog(source.store, measured, tools, { maxAppendBytes: 4_000, pageSize: 7 });
  });

  it('copies every event; the plaintext ones sealed now are counted', () => {
    // 20 + 1 plaintext updates, 3 claim events and a registration carry personal values; the erasure does not.
    expect(result).toMatchObject({ done: 27, sealed: 25, renamedClaimStreams: 1 });
  });

  it('splits a run larger than the append limit, each append within it, one unbroken chain', async () => {
    expect(measured.sizes.length).toBeGreaterThan(4);
    for (const size of measured.sizes) expect(size).toBeLessThanOrEqual(4_000);
    const copied = await destination.store.readStream(userStream(large));
    expect(copied.map((copy) => copy.id)).toEqual(updates.map((update) => update.id));
    expect(verifyStreamChain(copied)).toBeNull();
    expect(JSON.stringify(copied)).not.toContain('x'.repeat(400));
  });

  it('copies an event already sealed as it is, and seals the plaintext one next to it', async () => {
    const [first, second] = await destination.store.readStream(userStream(mixed));
    expect(first!.data.name).toMatch(/^pd1:user:/);
    expect(second!.data).toEqual({ user_id: mixed, name: sealedName });
  });

  it('renames a legacy claim stream; a keyed stream of the same address continues it', async () => {
    const claim = await destination.store.readStream(claimStreams.keyed(address));
    expect(claim.map((e) => [e.revision, e.type, e.data.user_id])).toEqual([
      [0, 'EmailClaimed', holder],
      [1, 'EmailReleased', holder],
      [2, 'EmailClaimed', next],
    ]);
    expect(verifyStreamChain(claim)).toBeNull();
    await expect(destination.store.readStream(legacyEmailClaimStream(address))).rejects.toThrow();
  });

  it('an erased person\'s plaintext is written as "[erased]", never sealed under a live key', async () => {
    const [registered] = await destination.store.readStream(userStream(erased));
    expect(registered!.data).toEqual({
      user_id: erased,
      email: '[erased]',
      name: '[erased]',
      password_hash: '[erased]',
    });
    expect(registered!.metadata).toMatchObject({ client_address: '[erased]', user_agent: '[erased]' });
  });
});
