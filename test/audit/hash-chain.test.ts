import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/eventstore/canonical-json.ts';
import { chainHash, GENESIS_HASH, linkEvents, verifyStreamChain } from '../../src/eventstore/hash-chain.ts';

describe('canonical JSON', () => {
  it('sorts keys at every depth, has no whitespace, drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' }, u: undefined })).toBe(
      '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}',
    );
  });
  it('is the same for the same JSON whatever the key order, and escapes strings as JSON does', () => {
    expect(canonicalJson({ x: 1, y: 'é"\n' })).toBe(canonicalJson(JSON.parse('{"y":"é\\"\\n","x":1}')));
    expect(canonicalJson([undefined, 1.5, -0])).toBe('[null,1.5,0]');
  });
  it('refuses what JSON cannot carry', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow();
    expect(() => canonicalJson({ f: () => 1 })).toThrow();
  });
});

describe('hash chain', () => {
  const events = [
    { type: 'A', data: { n: 1 }, metadata: { actor: { kind: 'system', id: 'x' } } },
    { type: 'B', data: { n: 2 }, metadata: { actor: { kind: 'system', id: 'x' } } },
  ];
  const stream = (linked: typeof events) =>
    linked.map((event, revision) => ({ ...event, streamName: 's-1', revision, id: `e${revision}` }));

  it('links from the genesis hash and verifies', () => {
    const { events: linked, last } = linkEvents(GENESIS_HASH, events);
    expect(((linked[0]!.metadata as Record<string, unknown>).chain as { prev: string }).prev).toBe(GENESIS_HASH);
    expect(last).toBe(chainHash(chainHash(GENESIS_HASH, events[0]!), events[1]!));
    expect(verifyStreamChain(stream(linked))).toBeNull();
  });

  it('names the first event whose data, metadata or order changed', () => {
    const { events: linked } = linkEvents(GENESIS_HASH, events);
    const tampered = stream(linked);
    tampered[1] = { ...tampered[1]!, data: { n: 3 } };
    expect(verifyStreamChain(tampered)).toMatchObject({
      revision: 1,
      type: 'B',
      reason: expect.stringContaining('hash mismatch'),
    });
    const dropped = stream(linked).slice(1);
    expect(verifyStreamChain(dropped)).toBeNull(); // a slice is anchored on its first link…
    expect(verifyStreamChain([stream(linked)[0]!, { ...stream(linked)[1]!, revision: 2 }])).toMatchObject({
      revision: 2,
    });
  });
});
