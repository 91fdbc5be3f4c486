import { describe, expect, it } from 'vitest';
import { PersonalDataSealer } from '../../src/commands/personal-data-sealer.ts';
import type { DataKeys } from '../../src/eventstore/personal-data/data-key-store.ts';
import { openValue, sealedKeyId } from '../../src/eventstore/personal-data/sealed-value.ts';

const STAFF = '11111111-1111-4111-8111-111111111111';
const TARGET = '22222222-2222-4222-8222-222222222222';
const GATEWAY = '33333333-3333-4333-8333-333333333333';
const HOME = '44444444-4444-4444-8444-444444444444';

/** Keys in memory: one per id, made on first use; `destroyed` ids have none. */
function memoryKeys(destroyed: string[] = []): DataKeys {
  const keys = new Map<string, Buffer>();
  const keyOf = (keyId: string) => {
    if (destroyed.includes(keyId)) return null;
    if (!keys.has(keyId)) keys.set(keyId, Buffer.alloc(32, keys.size + 1));
    return keys.get(keyId)!;
  };
  return {
    keyFor: async (keyId) => keyOf(keyId),
    keysOf: async (keyIds) => new Map([...keyIds].map((keyId) => [keyId, keyOf(keyId)])),
    destroy: async () => {},
    forgetErased: () => {},
  };
}

const staff = { kind: 'staff' as const, id: STAFF };
const metadata = { client_address: '198.51.100.9', user_agent: 'StaffDesk/1' };

/** Issue 15: a reason a staff member typed is their free text, sealed under their key (not the target's). */
describe('PersonalDataSealer: staff reasons', () => {
  for (const [type, data] of [
    ['UserDeactivated', { user_id: TARGET, reason: 'spam from this account' }],
    ['UserReactivated', { user_id: TARGET, reason: 'appeal accepted' }],
    ['GatewayRevoked', { gateway_id: GATEWAY, home_id: HOME, reason: 'reported stolen' }],
  ] as const) {
    it(`${type}: the reason and the request's origin are sealed under the staff member's key`, async () => {
      const keys = memoryKeys();
      const sealed = await new PersonalDataSealer(keys).seal({ type, data: { ...data }, metadata }, staff);
      for (const [part, field] of [
        [sealed.data, 'reason'],
        [sealed.metadata, 'client_address'],
        [sealed.metadata, 'user_agent'],
      ] as const) {
        const value = part[field] as string;
        expect(sealedKeyId(value), field).toBe(`user:${STAFF}`);
        expect(openValue(value, await keys.keyFor(`user:${STAFF}`))).toBe(
          field === 'reason' ? data.reason : metadata[field],
        );
      }
      expect(sealed.data.user_id ?? sealed.data.gateway_id).toBe(data.user_id ?? data.gateway_id);
    });
  }

  it('erased staff member: a new reason of theirs is written as "[erased]"; an owner\'s revocation has no reason', async () => {
    const keys = memoryKeys([`user:${STAFF}`]);
    const sealer = new PersonalDataSealer(keys);
    const late = await sealer.seal(
      { type: 'UserDeactivated', data: { user_id: TARGET, reason: 'too late' }, metadata: {} },
      staff,
    );
    expect(late.data.reason).toBe('[erased]');
    const byOwner = { type: 'GatewayRevoked', data: { gateway_id: GATEWAY, home_id: HOME }, metadata: {} };
    expect((await sealer.seal(byOwner, { kind: 'user', id: TARGET })).data).toEqual(byOwner.data);
  });
});

/** Keys in memory that can be destroyed while in use, as key shredding does. */
function shreddableKeys() {
  const keys = new Map<string, Buffer | null>();
  const keyOf = (keyId: string) => {
    if (!keys.has(keyId)) keys.set(keyId, Buffer.alloc(32, keys.size + 1));
    return keys.get(keyId)!;
  };
  const dataKeys: DataKeys = {
    keyFor: async (keyId) => keyOf(keyId),
    keysOf: async (keyIds) => new Map([...keyIds].map((keyId) => [keyId, keyOf(keyId)])),
    destroy: async (keyIds) => keyIds.forEach((keyId) => keys.set(keyId, null)),
    forgetErased: () => {},
  };
  return dataKeys;
}

/** Issue 16: a session's address is sealed once for all its frames; erasure still ends it at once. */
describe('PersonalDataSealer: a gateway session', () => {
  const gatewayActor = { kind: 'gateway' as const, id: GATEWAY };
  const frame = (session: string) => ({
    type: 'DeviceStatesReported',
    data: { gateway_id: GATEWAY, home_id: HOME },
    metadata: { gateway_session_id: session, client_address: '203.0.113.7', user_agent: 'edge/2.1' },
  });
  const keyId = `gateway:${GATEWAY}`;

  it("every frame of a session carries the session's address sealed, opened by every reader", async () => {
    const keys = shreddableKeys();
    const sealer = new PersonalDataSealer(keys);
    const session = '55555555-5555-4555-8555-555555555555';
    const first = await sealer.seal(frame(session), gatewayActor);
    const second = await sealer.seal(frame(session), gatewayActor);
    for (const sealed of [first, second]) {
      expect(sealedKeyId(sealed.metadata.client_address as string)).toBe(keyId);
      expect(openValue(sealed.metadata.client_address as string, await keys.keyFor(keyId))).toBe('203.0.113.7');
      expect(openValue(sealed.metadata.user_agent as string, await keys.keyFor(keyId))).toBe('edge/2.1');
    }
    // Another session of the same gateway from the same address is not linkable by its ciphertext.
    const other = await sealer.seal(frame('66666666-6666-4666-8666-666666666666'), gatewayActor);
    expect(other.metadata.client_address).not.toBe(first.metadata.client_address);
  });

  it('once the gateway\'s key is destroyed, the next frame of the same session is written "[erased]" and the earlier ones read so', async () => {
    const keys = shreddableKeys();
    const sealer = new PersonalDataSealer(keys);
    const session = '77777777-7777-4777-8777-777777777777';
    const before = await sealer.seal(frame(session), gatewayActor);
    const key = await keys.keyFor(keyId);
    expect(openValue(before.metadata.client_address as string, key)).toBe('203.0.113.7');

    await keys.destroy([keyId]);
    const after = await sealer.seal(frame(session), gatewayActor);
    expect(after.metadata.client_address).toBe('[erased]');
    expect(after.metadata.user_agent).toBe('[erased]');
    expect(openValue(before.metadata.client_address as string, await keys.keyFor(keyId))).toBe('[erased]');
  });
});
