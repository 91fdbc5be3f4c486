import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { EventSourcedCommandHandler } from '../../src/commands/event-sourced-command-handler.ts';
import { HomeCommands } from '../../src/commands/homes/home-commands.ts';
import type { CommandContext } from '../../src/commands/metadata.ts';
import { clientScopedCommandId } from '../../src/commands/remote-control/client-command-id.ts';
import { CommandOutcomes } from '../../src/commands/remote-control/command-outcomes.ts';
import { findRemoteCommand } from '../../src/commands/remote-control/find-remote-command.ts';
import {
  RemoteCommands,
  type DispatchSession,
  type Issued,
} from '../../src/commands/remote-control/remote-commands.ts';
import {
  SubmitRemoteCommand,
  type GatewayAsSeen,
  type GatewayLink,
  type RemoteCommandRequest,
} from '../../src/commands/remote-control/submit-remote-command.ts';
import { eventCatalogue } from '../../src/domain/catalogue.ts';
import { DomainError, RetryLaterError } from '../../src/domain/errors.ts';
import { homeDecider } from '../../src/domain/homes/home.ts';
import { homeStream } from '../../src/domain/homes/home-events.ts';
import type { Role } from '../../src/domain/homes/roles.ts';
import { remoteCommandStream } from '../../src/domain/remote-control/remote-command-events.ts';
import { createLogger } from '../../src/logger.ts';
import { useEventStore } from '../support/event-store-fixture.ts';

const userContext = (userId: string): CommandContext => ({
  actor: { kind: 'user', id: userId },
  correlationId: randomUUID(),
  causationId: randomUUID(),
  requestId: randomUUID(),
  now: new Date(),
});

/** The bridge side as seen from one process: a gateway whose socket is (or is not) held here. */
class GatewayHere implements GatewayLink {
  readonly sessionId = randomUUID();
  readonly sentHere: string[] = [];
  constructor(private readonly gatewayId: string | null) {}
  isLocal(gatewayId: string): boolean {
    return gatewayId === this.gatewayId;
  }
  dispatchIfLocal(): boolean {
    return false;
  }
  async issueHere(
    gatewayId: string,
    commandId: string,
    issue: (session: DispatchSession) => Promise<Issued>,
  ): Promise<Issued | null> {
    if (!this.isLocal(gatewayId)) return null;
    const context: CommandContext = {
      ...userContext(gatewayId),
      actor: { kind: 'gateway', id: gatewayId },
      gatewaySessionId: this.sessionId,
    };
    const issued = await issue({ sessionId: this.sessionId, nodeId: 'node-a', context });
    if (issued.dispatched) this.sentHere.push(commandId);
    return issued;
  }
}

const request = (overrides: Partial<RemoteCommandRequest> = {}): RemoteCommandRequest => ({
  deviceId: 'lamp-1',
  action: 'turn_on',
  params: { brightness: 50 },
  wait: false,
  timeoutS: 10,
  ttlS: 0,
  ...overrides,
});

describe('SubmitRemoteCommand (handler spec, pglite)', () => {
  const fixture = useEventStore('pglite');

  /** A home with an owner and a gateway in its slot, and the use case wired to the store. */
  async function setUp(options: { gatewayHere: boolean; queued?: number } = { gatewayHere: false }) {
    const handler = new EventSourcedCommandHandler(fixture.store, eventCatalogue);
    const homes = new HomeCommands(handler);
    const remoteCommands = new RemoteCommands(handler, homes);
    const owner = randomUUID();
    const homeId = randomUUID();
    const gatewayId = randomUUID();
    await handler.execute(
      homeDecider,
      homeStream(homeId),
      { type: 'AttachGateway', homeId, actorId: owner, gatewayId },
      userContext(owner),
    );
    const link = new GatewayHere(options.gatewayHere ? gatewayId : null);
    const useCase = new SubmitRemoteCommand({
      remoteCommands,
      outcomes: new CommandOutcomes(fixture.store, createLogger('silent')),
      gatewayLink: link,
      queuedCount: async () => options.queued ?? 0,
      queueLimit: 3,
      settle: async () => {},
    });
    const gateway = (status: string, role: Role = 'owner'): GatewayAsSeen => ({ id: gatewayId, homeId, status, role });
    const submit = (seen: GatewayAsSeen, body: RemoteCommandRequest, userId = owner) =>
      useCase.submit(seen, userId, body, () => userContext(userId));
    return { handler, homes, remoteCommands, owner, homeId, gatewayId, link, gateway, submit };
  }

  it('a command to a gateway whose socket is here is issued and dispatched in one append, each event with its own actor', async () => {
    const { handler, owner, gatewayId, link, gateway, submit } = await setUp({ gatewayHere: true });
    const appends = vi.spyOn(fixture.store, 'appendToStream');
    const submitted = await submit(gateway('online'), request());
    const toCommand = appends.mock.calls.filter(
      ([stream]) => stream === remoteCommandStream(submitted.state.commandId!),
    );
    appends.mockRestore();
    expect(toCommand.map(([, events]) => events.length)).toEqual([2]);
    expect(submitted).toMatchObject({ finished: false, state: { status: 'dispatched', attempts: 1, issuedBy: owner } });
    const recorded = await handler.readStream(remoteCommandStream(submitted.state.commandId!));
    expect(recorded.map((event) => [event.type, (event.metadata as { actor: unknown }).actor])).toEqual([
      ['RemoteCommandIssued', { kind: 'user', id: owner }],
      ['RemoteCommandDispatched', { kind: 'gateway', id: gatewayId }],
    ]);
    expect(recorded[1]!.data).toMatchObject({ session_id: link.sessionId, node_id: 'node-a', attempt: 1 });
    expect(link.sentHere).toEqual([submitted.state.commandId]);
  });

  it('a command under an id made here is issued without reading its stream first (it cannot exist yet)', async () => {
    const { gateway, submit } = await setUp({ gatewayHere: true });
    const reads = vi.spyOn(fixture.store, 'readStream');
    const submitted = await submit(gateway('online'), request());
    const readStreams = reads.mock.calls.map(([stream]) => stream);
    reads.mockRestore();
    expect(submitted.state.status).toBe('dispatched');
    expect(readStreams).not.toContain(remoteCommandStream(submitted.state.commandId!));
  });

  it('an id "made here" whose stream exists after all is decided against that stream, not written twice', async () => {
    const { handler, remoteCommands, owner, homeId, gatewayId } = await setUp();
    const input = {
      commandId: randomUUID(),
      gatewayId,
      homeId,
      actorId: owner,
      deviceId: 'lamp-1',
      action: 'turn_on',
      params: {},
      timeoutS: 10,
      ttlS: 0,
      fingerprint: 'f'.repeat(64),
      newId: true,
    };
    const first = await remoteCommands.issue(input, userContext(owner));
    const again = await remoteCommands.issue(input, userContext(owner));
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false, revision: 0, state: { status: 'issued' } });
    const recorded = await handler.readStream(remoteCommandStream(input.commandId));
    expect(recorded.map((event) => event.type)).toEqual(['RemoteCommandIssued']);
  });

  it('a command to a gateway online elsewhere is only issued here (the socket holder dispatches it)', async () => {
    const { handler, link, gateway, submit } = await setUp({ gatewayHere: false });
    const submitted = await submit(gateway('online'), request());
    expect(submitted).toMatchObject({ finished: false, state: { status: 'issued' } });
    expect(
      (await handler.readStream(remoteCommandStream(submitted.state.commandId!))).map((event) => event.type),
    ).toEqual(['RemoteCommandIssued']);
    expect(link.sentHere).toEqual([]);
  });

  it('the same request under the same client command id answers the same command and writes nothing more', async () => {
    const { handler, gateway, submit } = await setUp({ gatewayHere: true });
    const clientCommandId = randomUUID();
    const first = await submit(
      gateway('online'),
      request({ clientCommandId, params: { brightness: 50, colour: 'warm' } }),
    );
    // Keys in another order are the same request (the fingerprint is over canonical JSON).
    const again = await submit(
      gateway('online'),
      request({ clientCommandId, params: { colour: 'warm', brightness: 50 } }),
    );
    expect(again.state.commandId).toBe(first.state.commandId);
    expect(await handler.readStream(remoteCommandStream(first.state.commandId!))).toHaveLength(2);
  });

  it('another request under a used client command id is refused with command_id_conflict', async () => {
    const { gateway, submit } = await setUp({ gatewayHere: false });
    const clientCommandId = randomUUID();
    await submit(gateway('online'), request({ clientCommandId }));
    await expect(submit(gateway('online'), request({ clientCommandId, action: 'turn_off' }))).rejects.toMatchObject({
      code: 'command_id_conflict',
    });
  });

  it('an offline gateway refuses a command that may not wait, and a full queue asks to retry after 60 s', async () => {
    const offline = await setUp({ gatewayHere: false });
    await expect(offline.submit(offline.gateway('offline'), request())).rejects.toMatchObject({
      kind: 'conflict',
      code: 'gateway_offline',
    });
    expect((await offline.submit(offline.gateway('offline'), request({ ttlS: 60 }))).state.status).toBe('issued');

    const full = await setUp({ gatewayHere: false, queued: 3 });
    const refusal = await full.submit(full.gateway('offline'), request({ ttlS: 60 })).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(RetryLaterError);
    expect(refusal).toMatchObject({ kind: 'rate_limited', code: 'command_queue_full', retryAfterS: 60 });
  });

  it('a viewer and a revoked gateway are refused before anything is written', async () => {
    const { handler, owner, gateway, submit } = await setUp({ gatewayHere: false });
    const clientCommandId = randomUUID();
    await expect(submit(gateway('online', 'viewer'), request({ clientCommandId }))).rejects.toMatchObject({
      kind: 'forbidden',
      code: 'forbidden',
    });
    await expect(submit(gateway('revoked'), request({ clientCommandId }))).rejects.toMatchObject({
      kind: 'conflict',
      code: 'gateway_revoked',
    });
    expect(await handler.readStream(remoteCommandStream(clientScopedCommandId(owner, clientCommandId)))).toEqual([]);
  });

  it('a caller the read model shows as a member but the home stream does not know is refused by the decider', async () => {
    const { gateway, submit } = await setUp({ gatewayHere: false });
    const stranger = randomUUID();
    const refusal = await submit(gateway('online', 'user'), request(), stranger).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(DomainError);
    expect(refusal).toMatchObject({ code: 'gateway_not_found' });
  });

  it('a command is found by its client command id only by its issuer, and only while they are in its home', async () => {
    const { owner, homeId, gateway, submit, remoteCommands } = await setUp({ gatewayHere: false });
    const clientCommandId = randomUUID();
    const submitted = await submit(gateway('online'), request({ clientCommandId }));
    const inHome = async () => [homeId];
    const found = await findRemoteCommand(remoteCommands, clientCommandId, owner, inHome);
    expect(found).toMatchObject({
      state: { commandId: submitted.state.commandId, status: 'issued' },
      history: [{ type: 'RemoteCommandIssued', revision: 0 }],
    });
    expect(await findRemoteCommand(remoteCommands, clientCommandId, randomUUID(), inHome)).toBeNull();
    expect(await findRemoteCommand(remoteCommands, submitted.state.commandId!, owner, async () => [])).toBeNull();
  });
});
