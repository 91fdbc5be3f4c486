import { homeDecider, roleIn, type HomeState } from '../../domain/homes/home.ts';
import { homeStream } from '../../domain/homes/home-events.ts';
import { notFound } from '../../domain/errors.ts';
import { requirePermission } from '../../domain/homes/roles.ts';
import type { DataKeys } from '../../eventstore/personal-data/data-key-store.ts';
import type { EventSourcedCommandHandler } from '../event-sourced-command-handler.ts';
import type { GatewayCommands } from '../gateways/gateway-commands.ts';
import type { CommandContext } from '../metadata.ts';
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

  /**
   * Every step is a no-op when already done, so a retry after a crash at any point completes the deletion: the
   * gateway revoke frees a slot left held, the withdrawals skip finished commands, and once `HomeDeleted` is in
   * the log the one who deleted it is answered as done (204, not 404) and the erased keys are destroyed again.
   */
  async deleteHome(
    homeId: string,
    actorId: string,
    pendingCommandsOf: PendingCommandsOf,
    context: CommandContext,
  ): Promise<WriteResult> {
    const home = await this.handler.load(homeDecider, homeStream(homeId));
    const retried = home.state.deleted && home.state.deletedBy === actorId;
    const writes = retried ? [] : await this.revokeAndWithdraw(home.state, actorId, pendingCommandsOf, context);
    const deleted = await this.handler.execute(
      homeDecider,
      homeStream(homeId),
      { type: 'DeleteHome', actorId },
      context,
      writes.length === 0 ? home : undefined,
    );
    writes.push(writeResultOf(deleted));
    // Every key the home's erasure names (this append's, or an earlier one's whose request died before this).
    await this.keys.destroy(deleted.state.erasedKeyIds);
    return combineWrites(...writes);
  }

  /** Refused before anything is touched: a non-owner must not get the gateway revoked on the way to a 403. */
  private async revokeAndWithdraw(
    home: HomeState,
    actorId: string,
    pendingCommandsOf: PendingCommandsOf,
    context: CommandContext,
  ): Promise<WriteResult[]> {
    if (home.homeId === null || home.deleted) throw notFound('home_not_found', 'No such home');
    requirePermission(roleIn(home, actorId), 'home.delete', 'home_not_found', 'home');
    const writes: WriteResult[] = [];
    const active = home.activeGatewayId;
    if (active !== null) writes.push(await this.gateways.revoke(active, actorId, context));
    for (const gatewayId of home.gatewayIds) {
      for (const commandId of await pendingCommandsOf(gatewayId)) {
        await this.remoteCommands.withdraw(commandId, context);
      }
    }
    return writes;
  }
}
