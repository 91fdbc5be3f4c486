import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LeaseGuardedTelemetry, NodeLeaseLostError } from '../../src/bridge/lease-guarded-telemetry.ts';
import { NodeLiveness } from '../../src/bridge/node-liveness.ts';
import { bridgeSessionClosed } from '../../src/commands/bridge/telemetry-events.ts';
import { systemContext } from '../../src/commands/metadata.ts';
import { createLogger } from '../../src/logger.ts';
import { createNodeLeasesTable, NODE_LEASES_TABLE, NodeLeases } from '../../src/projections/queries/node-leases.ts';
import { databaseTargets, openTestDatabase, type TestDatabase } from '../support/databases.ts';

/** Long: no background renewal runs during a test (the test's clock decides what the node trusts). */
const LEASE_MS = 60_000;

describe.each(databaseTargets())('node leases (%s)', (target) => {
  let db: TestDatabase;
  let leases: NodeLeases;
  beforeAll(async () => {
    db = await openTestDatabase(target);
    await createNodeLeasesTable(db.database.knex);
    leases = new NodeLeases(db.database.knex);
  });
  afterAll(async () => db?.cleanup());

  /** The database's view that the node stopped renewing: its lease ran out. */
  const expire = (nodeId: string) =>
    db.database
      .knex(NODE_LEASES_TABLE)
      .where({ node_id: nodeId })
      .update({ expires_at: new Date(0) });

  function liveness(nodeId: string, clock: { now: number }) {
    return new NodeLiveness({
      nodeId,
      leases,
      leaseMs: LEASE_MS,
      logger: createLogger('silent'),
      now: () => clock.now,
    });
  }

  it('one claimant only: two nodes claiming the same lost node concurrently, one gets it', async () => {
    const lost = `lost-${randomUUID()}`;
    expect(await leases.register(lost, 'run-1', LEASE_MS)).toBe(true);
    expect(await leases.claimLost('b', 'b/1', 10_000)).not.toContain(lost);
    await expire(lost);
    const claims = await Promise.all([leases.claimLost('b', 'b/1', 10_000), leases.claimLost('c', 'c/1', 10_000)]);
    expect(claims.filter((claimed) => claimed.includes(lost))).toHaveLength(1);
    // The node restarting under the same NODE_ID waits for the claim: it cannot register until the reaper is done.
    expect(await leases.register(lost, 'run-2', LEASE_MS)).toBe(false);
    const reaper = claims[0]!.includes(lost) ? 'b/1' : 'c/1';
    await leases.finishReaping(lost, reaper);
    expect(await leases.register(lost, 'run-2', LEASE_MS)).toBe(true);
  });

  it('a node declared lost while it stalled writes nothing more for its sessions, and registers again', async () => {
    const nodeId = `stalled-${randomUUID()}`;
    const clock = { now: 0 };
    const node = liveness(nodeId, clock);
    const onLost = vi.fn();
    node.onLost(onLost);
    await node.register();
    const written: unknown[] = [];
    const guarded = new LeaseGuardedTelemetry(
      { record: async (event) => (written.push(event), '00000000000000000001/00000000000000000001') },
      node,
    );
    const close = bridgeSessionClosed(
      { sessionId: randomUUID(), gatewayId: randomUUID(), homeId: randomUUID() },
      { reason: 'heartbeat_timeout', startedAtMs: 0, endedAtMs: 1000, framesIn: 0, framesOut: 0 },
    );
    const context = systemContext('test', { nodeId });
    await guarded.record(close, context);
    expect(written).toHaveLength(1);

    // A long pause: the lease ran out meanwhile and another node claimed it (and closes the sessions as node_lost).
    await expire(nodeId);
    expect(await leases.claimLost('other', 'other/1', 10_000)).toContain(nodeId);
    clock.now += LEASE_MS;
    await expect(guarded.record(close, context)).rejects.toBeInstanceOf(NodeLeaseLostError);
    expect(written).toHaveLength(1);
    expect(onLost).toHaveBeenCalledTimes(1);
    expect(await node.confirmHeld()).toBe(false);

    const before = node.incarnation;
    await leases.finishReaping(nodeId, 'other/1');
    await node.register();
    expect(node.incarnation).not.toBe(before);
    expect(await node.confirmHeld()).toBe(true);
    await node.stop();
    expect(await db.database.knex(NODE_LEASES_TABLE).where({ node_id: nodeId })).toEqual([]);
  });
});
