import { homeDecider, roleIn } from '../../domain/homes/home.ts';
import { homeStream } from '../../domain/homes/home-events.ts';
import { notFound } from '../../domain/errors.ts';
import { requirePermission } from '../../domain/homes/roles.ts';
import type { DataKeys } from '../../eventstore/personal-data/data-key-store.ts';
import type { EventSourcedCommandHandler } from '../event-sourced-command-handler.ts';
import type { GatewayCommands } from '../gateways/gateway-commands.ts';
import type { CommandContext } from '../metadata.ts';
import { destroyErasedKeys } from '../privacy/erasure.ts';
import type { RemoteCommands } from '../remote-control/remote-commands.ts';
import { combineWrites, writeResultOf, type WriteResult } from '../write-result.ts';

/** The commands still waiting for a gateway (issued or sent), from the remote-commands read model. */
export type PendingCommandsOf = (gatewayId: string) => Promise<readonly string[]>;

/**
 * `DELETE /api/homes/{id}` (owner only): the home's gateway is revoked (the bridge closes its session when it
 * sees the revocation), its pending commands are withdrawn (queued ones expire), the home is deleted — nobody has
 * access from then on — and the keys of its free text (the home's, and each of its gateways') are destroyed.
 */
export class HomeDeletion {
  constructor(
    private readonly handler: EventSourcedCommandHandler,
    private readonly gateways: GatewayCommands,
    private readonly remoteCommands: RemoteCommands,
    private readonly keys: DataKeys,
  ) {}

  async deleteHome(
    homeId: string,
    actorId: string,
    pendingCommandsOf: PendingCommandsOf,
    context: CommandContext,
  ): Promise<WriteResult> {
    const home = await this.handler.load(homeDecider, homeStream(homeId));
    if (home.state.homeId === null || home.state.deleted) throw notFound('home_not_found', 'No such home');
    // Refused before anything is touched: a non-owner must not get the gateway revoked on the way to a 403.
    requirePermission(roleIn(home.state, actorId), 'home.delete', 'home_not_found', 'home');
    const writes: WriteResult[] = [];
    const active = home.state.activeGatewayId;
    if (active !== null) writes.push(await this.gateways.revoke(active, actorId, context));
    for (const gatewayId of home.state.gatewayIds) {
      for (const commandId of await pendingCommandsOf(gatewayId)) {
        await this.remoteCommands.withdraw(commandId, context);
      }
    }
    const deleted = await this.handler.execute(
      homeDecider,
      homeStream(homeId),
      { type: 'DeleteHome', actorId },
      context,
      active === null ? home : undefined,
    );
    writes.push(writeResultOf(deleted));
    await destroyErasedKeys(this.keys, deleted.events);
    return combineWrites(...writes);
  }
}
