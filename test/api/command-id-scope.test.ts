import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverTargets } from '../support/server-targets.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { hostileFixture, type HostileFixture } from './hostile-support.ts';

describe.each(serverTargets())('client command ids on %s', (target) => {
  let server: TestServer;
  let alice: HostileFixture;
  let bob: HostileFixture;

  beforeAll(async () => {
    server = await startTestServer(target);
    [alice, bob] = await Promise.all([hostileFixture(server), hostileFixture(server)]);
  });
  afterAll(async () => {
    await server?.stop();
  });

  // Gateways are offline here: ttl_s queues the command (202).
  const issue = (who: HostileFixture, commandId: string, action = 'turn_on') =>
    who.owner.post(`/api/gateways/${who.gatewayId}/commands`, {
      command_id: commandId,
      device_id: 'lamp',
      action,
      ttl_s: 600,
    });

  it('a command_id used in another home does not answer 409 (no existence oracle)', async () => {
    const commandId = randomUUID();
    const alices = await issue(alice, commandId);
    expect(alices.status).toBe(202);
    const bobs = await issue(bob, commandId, 'turn_off');
    expect(bobs.status).toBe(202);
    expect(bobs.body.client_command_id).toBe(commandId);
    expect(bobs.body.id).not.toBe(alices.body.id);
    expect(bobs.body.home_id).toBe(bob.homeId);
  });

  it('an unused command_id and one used elsewhere get the same kind of answer', async () => {
    const used = randomUUID();
    expect((await issue(alice, used)).status).toBe(202);
    const onUsed = await issue(bob, used);
    const onFresh = await issue(bob, randomUUID());
    expect(onUsed.status).toBe(onFresh.status);
    expect(Object.keys(onUsed.body).sort()).toEqual(Object.keys(onFresh.body).sort());
  });

  it('the same caller keeps idempotency: the same body answers the same command, another body is 409', async () => {
    const commandId = randomUUID();
    const first = await issue(alice, commandId);
    const again = await issue(alice, commandId);
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    const changed = await issue(alice, commandId, 'turn_off');
    expect(changed.status).toBe(409);
    expect(changed.body.error.code).toBe('command_id_conflict');
  });

  it('GET /api/commands/{id} works with the id the client chose and with the id answered; each sees their own', async () => {
    const commandId = randomUUID();
    const alices = await issue(alice, commandId);
    const bobs = await issue(bob, commandId);
    const byClientId = await alice.owner.get(`/api/commands/${commandId}/`);
    expect(byClientId.status).toBe(200);
    expect(byClientId.body.id).toBe(alices.body.id);
    expect((await alice.owner.get(`/api/commands/${alices.body.id}/`)).body.home_id).toBe(alice.homeId);
    expect((await bob.owner.get(`/api/commands/${commandId}/`)).body.id).toBe(bobs.body.id);
    // Not each other's.
    expect((await bob.owner.get(`/api/commands/${alices.body.id}/`)).status).toBe(404);
  });
});
