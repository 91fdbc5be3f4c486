import { describe, expect, it } from 'vitest';
import { encodePosition } from '../../src/eventstore/position.ts';
import type { Position } from '../../src/eventstore/port.ts';
import { GatewayLookupCatchUp } from '../../src/server/gateway-lookup-catch-up.ts';

/** What a gateway lookup that missed waits for: only a write this node knows the read models may lack. */
describe('gateway lookup catch-up', () => {
  const at = (n: number) => encodePosition(n, n);

  /** A catch-up over settable knowledge; `applied` is how far the read models have got, `waitedFor` what it awaited. */
  const catchUpOver = () => {
    const state = {
      ownWrite: null as Position | null,
      lagHead: null as Position | null,
      applied: null as Position | null,
      waitedFor: [] as Position[],
    };
    const catchUp = new GatewayLookupCatchUp({
      ownLatestWrite: () => state.ownWrite,
      sampledLagHead: () => state.lagHead,
      reach: async (position) => {
        state.waitedFor.push(position);
        return state.applied !== null && state.applied >= position;
      },
    });
    return { state, catchUp };
  };

  it('answers at once when this node knows of no write at all', async () => {
    const { state, catchUp } = catchUpOver();
    expect(await catchUp.caughtUp()).toBe(false);
    expect(state.waitedFor).toEqual([]);
  });

  it('waits once for its own latest write, then answers at once until it writes again', async () => {
    const { state, catchUp } = catchUpOver();
    state.ownWrite = at(5);
    state.applied = at(5);
    expect(await catchUp.caughtUp()).toBe(true);
    expect(await catchUp.caughtUp()).toBe(false);
    state.ownWrite = at(9);
    state.applied = at(9);
    expect(await catchUp.caughtUp()).toBe(true);
    expect(state.waitedFor).toEqual([at(5), at(9)]);
  });

  it('waits again after a wait that ran out (the read models still lack the write)', async () => {
    const { state, catchUp } = catchUpOver();
    state.ownWrite = at(5);
    expect(await catchUp.caughtUp()).toBe(true);
    state.applied = at(5);
    expect(await catchUp.caughtUp()).toBe(true);
    expect(await catchUp.caughtUp()).toBe(false);
    expect(state.waitedFor).toEqual([at(5), at(5)]);
  });

  it('waits for the head the lag sampler saw the read models behind (another node’s write), the later of the two', async () => {
    const { state, catchUp } = catchUpOver();
    state.ownWrite = at(3);
    state.lagHead = at(7);
    state.applied = at(7);
    expect(await catchUp.caughtUp()).toBe(true);
    expect(await catchUp.caughtUp()).toBe(false);
    expect(state.waitedFor).toEqual([at(7)]);
  });
});
