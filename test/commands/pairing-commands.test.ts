import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { gatewayStream } from '../../src/domain/gateways/gateway-events.ts';
import { homeStream } from '../../src/domain/homes/home-events.ts';
import { databaseTargets } from '../support/databases.ts';
import { PAIRING_TTL_MS, SPEC_NOW, streamsAndTypes, useHandlerSpec } from '../support/handler-spec.ts';

// Handler specs: when a pairing use case runs, then the events on the code's stream and on the home and gateway
// streams it provisions, or the refusal. The code's stream name is a digest of the code: the specs find it in
// the events the request wrote.
const OWNER = '20000000-0000-4000-8000-000000000001';
const VIEWER = '20000000-0000-4000-8000-000000000002';
const DIGEST = `hmac-sha256:${'a'.repeat(64)}`;

describe.each(databaseTargets())('pairing use cases (%s)', (target) => {
  const spec = useHandlerSpec(target);

  async function requested(input: { homeId?: string; homeName?: string } = {}) {
    const { answer, events } = await spec.when(() =>
      spec.useCases.pairing.request(OWNER, { name: 'Attic', ...input }, spec.contextOf(OWNER)),
    );
    expect(events).toHaveLength(1);
    return { code: answer.code, stream: events[0]!.stream, answer, event: events[0]! };
  }

  it("a request writes PairingRequested on the code's own stream, with its expiry; the code is never in the log", async () => {
    const { code, answer, event } = await requested({ homeName: 'Cabin' });
    expect(event.stream).toMatch(/^pairing-/);
    expect(event.stream).not.toContain(code);
    expect(event).toMatchObject({
      type: 'PairingRequested',
      data: {
        home_id: null,
        name: 'Attic',
        home_name: 'Cabin',
        requested_by: OWNER,
        expires_at: new Date(SPEC_NOW.getTime() + PAIRING_TTL_MS).toISOString(),
      },
    });
    expect(answer.expiresAt).toEqual(new Date(SPEC_NOW.getTime() + PAIRING_TTL_MS));
  });

  it('redeeming records the redemption, then provisions for the requester: a new home with its name, and the gateway', async () => {
    const { code, stream } = await requested({ homeName: 'Cabin' });
    const { answer, events } = await spec.when(() =>
      spec.useCases.pairing.complete({ code, version: '1.0.0' }, spec.contextOf(null)),
    );
    const { homeId, gatewayId } = answer;
    expect(streamsAndTypes(events)).toEqual([
      [stream, 'PairingRedeemed'],
      [homeStream(homeId), 'HomeCreated'],
      [homeStream(homeId), 'HomeGatewayAttached'],
      [gatewayStream(gatewayId), 'GatewayProvisioned'],
    ]);
    expect(events[1]!.data).toEqual({ home_id: homeId, owner_id: OWNER, name: 'Cabin' });
    expect(events[3]!.data).toMatchObject({
      gateway_id: gatewayId,
      home_id: homeId,
      name: 'Attic',
      via: 'pairing',
      version: '1.0.0',
    });
    expect(
      (
        await spec.whenRefused(
          () => spec.useCases.pairing.complete({ code }, spec.contextOf(null)),
          'pairing_code_used',
        )
      ).events,
    ).toEqual([]);
  });

  it('an expired code records its expiry and is refused', async () => {
    const { code, stream } = await requested();
    spec.setClock(new Date(SPEC_NOW.getTime() + PAIRING_TTL_MS));
    const { events } = await spec.whenRefused(
      () => spec.useCases.pairing.complete({ code }, spec.contextOf(null)),
      'pairing_code_expired',
    );
    expect(streamsAndTypes(events)).toEqual([[stream, 'PairingExpired']]);
  });

  it('a gateway id already in use is refused before anything is written', async () => {
    const { code } = await requested();
    const taken = randomUUID();
    await spec.given(gatewayStream(taken), [
      {
        type: 'GatewayProvisioned',
        data: { gateway_id: taken, home_id: randomUUID(), name: 'Hall', secret_digest: DIGEST, via: 'provision' },
      },
    ]);
    expect(
      (
        await spec.whenRefused(
          () => spec.useCases.pairing.complete({ code, gatewayId: taken }, spec.contextOf(null)),
          'gateway_id_taken',
        )
      ).events,
    ).toEqual([]);
  });

  it('when provisioning is refused (the home has an active gateway), the failure is recorded and the code stays usable', async () => {
    const { answer: first } = await spec.when(() =>
      spec.useCases.gateways.provision({ actorId: OWNER, via: 'provision' }, spec.contextOf(OWNER)),
    );
    const { code, stream } = await requested({ homeId: first.homeId });
    const { events } = await spec.whenRefused(
      () => spec.useCases.pairing.complete({ code }, spec.contextOf(null)),
      'home_has_active_gateway',
    );
    expect(streamsAndTypes(events)).toEqual([
      [stream, 'PairingRedeemed'],
      [stream, 'PairingRedemptionFailed'],
    ]);
    expect(events[1]!.data).toMatchObject({ reason: 'home_has_active_gateway' });
    expect(await spec.useCases.pairing.isValid(code)).toBe(true);
  });

  it('a viewer of a home cannot ask for a code for it; nothing is written', async () => {
    const { answer: home } = await spec.when(() =>
      spec.useCases.gateways.provision({ actorId: OWNER, via: 'provision' }, spec.contextOf(OWNER)),
    );
    await spec.useCases.homes.grant(home.homeId, OWNER, VIEWER, 'viewer', spec.contextOf(OWNER));
    const refused = await spec.whenRefused(
      () => spec.useCases.pairing.request(VIEWER, { homeId: home.homeId }, spec.contextOf(VIEWER)),
      'forbidden',
    );
    expect(refused.events).toEqual([]);
  });
});
