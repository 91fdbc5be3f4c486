import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { gatewayStream } from '../../src/domain/gateways/gateway-events.ts';
import { homeStream } from '../../src/domain/homes/home-events.ts';
import { databaseTargets } from '../support/databases.ts';
import { SPEC_GRACE_MS, SPEC_NOW, streamsAndTypes, useHandlerSpec } from '../support/handler-spec.ts';

// Handler specs: given home and gateway streams, when a gateway use case runs, then the events it appended on
// each stream (the home's slot, the gateway's lifecycle), or the refusal and nothing written.
const OWNER = '20000000-0000-4000-8000-000000000001';
const VIEWER = '20000000-0000-4000-8000-000000000002';
const DIGEST = `hmac-sha256:${'a'.repeat(64)}`;

describe.each(databaseTargets())('gateway use cases (%s)', (target) => {
  const spec = useHandlerSpec(target);
  const provisioned = (gatewayId: string, homeId: string) => ({
    type: 'GatewayProvisioned',
    data: { gateway_id: gatewayId, home_id: homeId, name: 'Hall', secret_digest: DIGEST, via: 'provision' },
  });
  /** A home with a viewer whose slot `holder` holds (attached at `at`). */
  async function givenHomeHeldBy(holder: string, at = SPEC_NOW) {
    const homeId = randomUUID();
    await spec.given(
      homeStream(homeId),
      [
        { type: 'HomeCreated', data: { home_id: homeId, owner_id: OWNER } },
        { type: 'HomeGatewayAttached', data: { home_id: homeId, gateway_id: holder } },
        { type: 'PermissionGranted', data: { home_id: homeId, user_id: VIEWER, role: 'viewer', granted_by: OWNER } },
      ],
      at,
    );
    return homeId;
  }

  it('provisioning without a home creates one: the home takes the slot first, then the gateway is written with the digest of the secret it answers', async () => {
    const { answer, events } = await spec.when(() =>
      spec.useCases.gateways.provision({ actorId: OWNER, name: 'Hall', via: 'provision' }, spec.contextOf(OWNER)),
    );
    const { homeId, gatewayId, secret } = answer;
    expect(events).toEqual([
      { stream: homeStream(homeId), type: 'HomeCreated', data: { home_id: homeId, owner_id: OWNER } },
      { stream: homeStream(homeId), type: 'HomeGatewayAttached', data: { home_id: homeId, gateway_id: gatewayId } },
      {
        stream: gatewayStream(gatewayId),
        type: 'GatewayProvisioned',
        data: {
          gateway_id: gatewayId,
          home_id: homeId,
          name: 'Hall',
          secret_digest: spec.useCases.digester.digestSecret(secret),
          via: 'provision',
        },
      },
    ]);
  });

  it('a home whose active gateway works is refused a second one, and nothing is written', async () => {
    const active = randomUUID();
    const homeId = await givenHomeHeldBy(active);
    await spec.given(gatewayStream(active), [provisioned(active, homeId)]);
    const { error, events } = await spec.whenRefused(
      () => spec.useCases.gateways.provision({ actorId: OWNER, homeId, via: 'provision' }, spec.contextOf(OWNER)),
      'home_has_active_gateway',
    );
    expect(error.details).toEqual({ gateway_id: active });
    expect(events).toEqual([]);
  });

  it('a slot left held by a revoked gateway (a crash between revoke and detach) is freed, then taken', async () => {
    const revoked = randomUUID();
    const homeId = await givenHomeHeldBy(revoked);
    await spec.given(gatewayStream(revoked), [
      provisioned(revoked, homeId),
      { type: 'GatewayRevoked', data: { gateway_id: revoked, home_id: homeId } },
    ]);
    const { answer, events } = await spec.when(() =>
      spec.useCases.gateways.provision({ actorId: OWNER, homeId, via: 'provision' }, spec.contextOf(OWNER)),
    );
    expect(streamsAndTypes(events)).toEqual([
      [homeStream(homeId), 'HomeGatewayDetached'],
      [homeStream(homeId), 'HomeGatewayAttached'],
      [gatewayStream(answer.gatewayId), 'GatewayProvisioned'],
    ]);
    expect(events[0]!.data).toEqual({ home_id: homeId, gateway_id: revoked, reason: 'revoked' });
  });

  it('a slot held by a gateway that was never written stands within the grace period, and is freed after it', async () => {
    const neverWritten = randomUUID();
    const homeId = await givenHomeHeldBy(neverWritten, SPEC_NOW);
    const provision = () =>
      spec.useCases.gateways.provision({ actorId: OWNER, homeId, via: 'provision' }, spec.contextOf(OWNER));
    spec.setClock(new Date(SPEC_NOW.getTime() + SPEC_GRACE_MS - 1));
    expect((await spec.whenRefused(provision, 'home_has_active_gateway')).events).toEqual([]);
    spec.setClock(new Date(SPEC_NOW.getTime() + SPEC_GRACE_MS));
    const { answer, events } = await spec.when(provision);
    expect(streamsAndTypes(events)).toEqual([
      [gatewayStream(neverWritten), 'GatewayProvisioningAbandoned'],
      [homeStream(homeId), 'HomeGatewayDetached'],
      [homeStream(homeId), 'HomeGatewayAttached'],
      [gatewayStream(answer.gatewayId), 'GatewayProvisioned'],
    ]);
    expect(events[1]!.data).toMatchObject({ gateway_id: neverWritten, reason: 'holder_never_written' });
  });

  it('when the gateway cannot be written after the slot was taken, the slot is given back', async () => {
    const taken = randomUUID();
    await spec.given(gatewayStream(taken), [provisioned(taken, randomUUID())]);
    const { events } = await spec.whenRefused(
      () =>
        spec.useCases.gateways.provision({ actorId: OWNER, gatewayId: taken, via: 'provision' }, spec.contextOf(OWNER)),
      'gateway_exists',
    );
    expect(events.map((event) => event.type)).toEqual(['HomeCreated', 'HomeGatewayAttached', 'HomeGatewayDetached']);
    expect(events[2]!.data).toMatchObject({ gateway_id: taken, reason: 'provisioning_failed' });
  });

  it('revoke records the revocation on the gateway, then frees the home slot; a viewer is refused and nothing is written', async () => {
    const gatewayId = randomUUID();
    const homeId = await givenHomeHeldBy(gatewayId);
    await spec.given(gatewayStream(gatewayId), [provisioned(gatewayId, homeId)]);
    expect(
      (
        await spec.whenRefused(
          () => spec.useCases.gateways.revoke(gatewayId, VIEWER, spec.contextOf(VIEWER)),
          'forbidden',
        )
      ).events,
    ).toEqual([]);
    const { events } = await spec.when(() => spec.useCases.gateways.revoke(gatewayId, OWNER, spec.contextOf(OWNER)));
    expect(events).toEqual([
      { stream: gatewayStream(gatewayId), type: 'GatewayRevoked', data: { gateway_id: gatewayId, home_id: homeId } },
      {
        stream: homeStream(homeId),
        type: 'HomeGatewayDetached',
        data: { home_id: homeId, gateway_id: gatewayId, reason: 'revoked' },
      },
    ]);
  });

  it('rotating the secret records the digest of the new secret it answers', async () => {
    const gatewayId = randomUUID();
    const homeId = await givenHomeHeldBy(gatewayId);
    await spec.given(gatewayStream(gatewayId), [provisioned(gatewayId, homeId)]);
    const { answer, events } = await spec.when(() =>
      spec.useCases.gateways.rotateSecret(gatewayId, OWNER, spec.contextOf(OWNER)),
    );
    expect(events).toEqual([
      {
        stream: gatewayStream(gatewayId),
        type: 'GatewaySecretRotated',
        data: expect.objectContaining({
          gateway_id: gatewayId,
          secret_digest: spec.useCases.digester.digestSecret(answer.secret),
        }),
      },
    ]);
  });
});
