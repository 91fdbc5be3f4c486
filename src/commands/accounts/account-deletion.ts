import { userStream } from '../../domain/accounts/email.ts';
import { userDecider } from '../../domain/accounts/user.ts';
import { conflict, invalid, notFound } from '../../domain/errors.ts';
import { roleIn } from '../../domain/homes/home.ts';
import type { DataKeys } from '../../eventstore/personal-data/data-key-store.ts';
import type { EventSourcedCommandHandler } from '../event-sourced-command-handler.ts';
import type { HomeCommands } from '../homes/home-commands.ts';
import type { CommandContext } from '../metadata.ts';
import { destroyErasedKeys } from '../privacy/erasure.ts';
import { combineWrites, writeResultOf, type WriteResult } from '../write-result.ts';
import type { EmailClaims } from './email-claims.ts';
import type { PasswordHasher } from './password-hasher.ts';

/** A home the person still owns alone: it must be transferred or deleted before the account can go. */
export interface OwnedHome {
  id: string;
  name: string;
}

/**
 * `DELETE /api/auth/account`: the person leaves. Checked on the streams (the password on the user's, ownership on
 * each home's); the homes to look at come from the caller (the memberships read model: where they are a member).
 */
export class AccountDeletion {
  constructor(
    private readonly handler: EventSourcedCommandHandler,
    private readonly hasher: PasswordHasher,
    private readonly homes: HomeCommands,
    private readonly keys: DataKeys,
    private readonly claims: EmailClaims,
  ) {}

  /**
   * Refuses (409 `sole_owner`, listing them) while the person owns a home; otherwise leaves every home, closes the
   * account (every token family dies with it), frees the e-mail address and destroys the person's data key.
   */
  async deleteAccount(
    userId: string,
    password: string,
    memberOf: readonly string[],
    context: CommandContext,
  ): Promise<WriteResult> {
    const user = await this.handler.load(userDecider, userStream(userId));
    if (!user.state.registered || user.state.deleted) throw notFound('user_not_found', 'No such user');
    if (!(await this.hasher.verify(user.state.passwordHash, password)))
      throw invalid('wrong_password', 'The password is incorrect', { field: 'password' });
    const homes = await Promise.all(memberOf.map(async (homeId) => ({ homeId, state: await this.homes.load(homeId) })));
    const owned: OwnedHome[] = homes
      .filter(({ state }) => roleIn(state, userId) === 'owner')
      .map(({ homeId, state }) => ({ id: homeId, name: state.name }));
    if (owned.length > 0) {
      throw conflict('sole_owner', 'Transfer or delete the homes you own before deleting your account', {
        homes: owned,
      });
    }
    const writes: WriteResult[] = [];
    for (const { homeId, state } of homes) {
      if (roleIn(state, userId) !== null) writes.push(await this.homes.revoke(homeId, userId, userId, context));
    }
    const email = user.state.email;
    const closed = await this.handler.execute(
      userDecider,
      userStream(userId),
      { type: 'DeleteAccount' },
      context,
      user,
    );
    writes.push(writeResultOf(closed));
    // Where the claim stands: a keyed stream, or a legacy one written before claim streams were keyed.
    writes.push(await this.claims.release(email, userId, context));
    await destroyErasedKeys(this.keys, closed.events);
    return combineWrites(...writes);
  }
}
