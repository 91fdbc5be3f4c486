import { randomUUID } from 'node:crypto';
import { tokenFamilyStream, userStream } from '../../domain/accounts/email.ts';
import { tokenFamilyDecider, tokenRevoked, type RefreshTokenReuse } from '../../domain/accounts/token-family.ts';
import { userDecider, type UserCommand, type UserState } from '../../domain/accounts/user.ts';
import { DomainError } from '../../domain/errors.ts';
import { lastOccurredAt, type HolderGrace } from '../claim-times.ts';
import type { CompensationFailures } from '../compensation-failures.ts';
import type { EventSourcedCommandHandler } from '../event-sourced-command-handler.ts';
import { combineWrites, NOTHING_WRITTEN, writeResultOf, type WriteResult } from '../write-result.ts';
import type { CommandContext } from '../metadata.ts';
import type { EmailClaims, ClaimTaken } from './email-claims.ts';
import type { PasswordHasher } from './password-hasher.ts';

export interface Session {
  userId: string;
  familyId: string;
  tokenId: string;
  /** The user holds the staff role (their access token says so). */
  staff: boolean;
  write: WriteResult;
}

export interface Profile {
  id: string;
  email: string;
  name: string;
}

/** A registration's session and what it recorded (the answer is built from it, never from a read model). */
export interface Registration extends Session {
  profile: Profile;
  registeredAt: Date;
}

const invalidCredentials = () =>
  new DomainError('unauthenticated', 'invalid_credentials', 'E-mail or password is incorrect');

const accountDeactivated = () =>
  new DomainError('unauthenticated', 'account_deactivated', 'This account is deactivated; contact support');

/**
 * Account use cases. Every decision is taken on the user's own stream (strongly consistent), never on a read
 * model; e-mail uniqueness is a claim stream.
 */
export class AccountCommands {
  constructor(
    private readonly handler: EventSourcedCommandHandler,
    private readonly hasher: PasswordHasher,
    private readonly grace: HolderGrace,
    private readonly compensations: CompensationFailures,
    /** E-mail uniqueness: keyed claim streams, legacy ones honoured (email-claims.ts). */
    private readonly claims: EmailClaims,
    /** REFRESH_TOKEN_REUSE: whether a family accepts its last presented token again (see token-family.ts). */
    private readonly refreshTokenReuse: RefreshTokenReuse = 'tolerant',
  ) {}

  async register(
    input: { email: string; password: string; name: string },
    context: CommandContext,
  ): Promise<Registration> {
    const userId = randomUUID();
    const passwordHash = await this.hasher.hash(input.password);
    const claim = (await this.claimEmailOrFreeAbandoned(input.email, userId, context)).write;
    let registered: WriteResult;
    try {
      registered = writeResultOf(
        await this.handler.execute(
          userDecider,
          userStream(userId),
          { type: 'Register', userId, email: input.email, name: input.name, passwordHash },
          context,
        ),
      );
    } catch (error) {
      // The user was not written: give the address back so it is not blocked forever.
      await this.releaseEmailAfterFailure(input.email, userId, context);
      throw error;
    }
    const session = await this.startFamily(userId, 0, context);
    return {
      ...session,
      profile: { id: userId, email: input.email, name: input.name },
      registeredAt: context.now,
      write: combineWrites(claim, registered, session.write),
    };
  }

  private async startFamily(userId: string, credentialsVersion: number, context: CommandContext): Promise<Session> {
    const familyId = randomUUID();
    const tokenId = randomUUID();
    const result = await this.handler.execute(
      tokenFamilyDecider,
      tokenFamilyStream(familyId),
      { type: 'Start', userId, familyId, tokenId, credentialsVersion },
      context,
    );
    return { userId, familyId, tokenId, staff: false, write: writeResultOf(result) };
  }

  async logIn(input: { email: string; password: string }, context: CommandContext): Promise<Session> {
    const ownerId = await this.claims.ownerOf(input.email);
    if (ownerId === null) {
      await this.hasher.verifyNothing(input.password);
      throw invalidCredentials();
    }
    const user = await this.handler.load(userDecider, userStream(ownerId));
    // A claim left on an address the user moved away from (an e-mail change that died half-way) logs nobody in.
    const verified = user.state.registered && (await this.hasher.verify(user.state.passwordHash, input.password));
    if (!verified || user.state.email !== input.email) throw invalidCredentials();
    if (user.state.deactivated) throw accountDeactivated();
    const session = {
      ...(await this.startFamily(ownerId, user.state.credentialsVersion, context)),
      staff: user.state.staff,
    };
    // Settling on the user's own stream too: the answer reads the profile from the users read model, which may lag
    // a registration taken by another node.
    return { ...session, write: combineWrites(writeResultOf(user), session.write) };
  }

  /**
   * Rotates a refresh token. In tolerant mode the last presented token is accepted again while its successor was
   * never presented (`RefreshTokenRepresented`, a new successor); any other reuse of a rotated token revokes the
   * whole family (an event) and fails.
   */
  async refresh(
    token: { userId: string; familyId: string; tokenId: string },
    context: CommandContext,
  ): Promise<Session> {
    const newTokenId = randomUUID();
    const user = await this.handler.load(userDecider, userStream(token.userId));
    const result = await this.handler.execute(
      tokenFamilyDecider,
      tokenFamilyStream(token.familyId),
      {
        type: 'Rotate',
        familyId: token.familyId,
        presentedTokenId: token.tokenId,
        newTokenId,
        credentialsVersion: user.state.credentialsVersion,
        reuse: this.refreshTokenReuse,
        presenter: { clientAddress: context.clientAddress ?? null, userAgent: context.userAgent ?? null },
      },
      context,
    );
    if (result.events.some((event) => event.type === 'RefreshTokenReuseDetected')) throw tokenRevoked();
    return {
      userId: token.userId,
      familyId: token.familyId,
      tokenId: newTokenId,
      staff: user.state.staff,
      write: writeResultOf(result),
    };
  }

  async logOut(
    token: { userId: string; familyId: string; tokenId: string },
    context: CommandContext,
  ): Promise<WriteResult> {
    const result = await this.handler.execute(
      tokenFamilyDecider,
      tokenFamilyStream(token.familyId),
      { type: 'LogOut', familyId: token.familyId },
      context,
    );
    return writeResultOf(result);
  }

  async profile(userId: string): Promise<UserState> {
    return (await this.handler.load(userDecider, userStream(userId))).state;
  }

  /** Name and e-mail; a new e-mail is claimed before the user's stream records it, the old one released after. */
  async updateProfile(
    userId: string,
    changes: { name?: string | undefined; email?: string | undefined },
    context: CommandContext,
  ): Promise<WriteResult> {
    const writes: WriteResult[] = [];
    if (changes.email !== undefined) {
      const current = await this.profile(userId);
      if (!current.registered) throw new DomainError('not_found', 'user_not_found', 'No such user');
      if (changes.email !== current.email) {
        const claim = await this.claimEmailOrFreeAbandoned(changes.email, userId, context);
        writes.push(claim.write);
        try {
          const command = { type: 'ChangeEmail' as const, email: changes.email, claimRevision: claim.revision };
          writes.push(writeResultOf(await this.handler.execute(userDecider, userStream(userId), command, context)));
        } catch (error) {
          await this.releaseEmailAfterFailure(changes.email, userId, context);
          throw error;
        }
        writes.push(await this.claims.release(current.email, userId, context));
      }
    }
    if (changes.name !== undefined) {
      writes.push(
        writeResultOf(
          await this.handler.execute(
            userDecider,
            userStream(userId),
            { type: 'UpdateProfile', name: changes.name },
            context,
          ),
        ),
      );
    }
    return writes.length === 0 ? NOTHING_WRITTEN : combineWrites(...writes);
  }

  async changePassword(
    userId: string,
    input: { oldPassword: string; newPassword: string },
    context: CommandContext,
  ): Promise<WriteResult> {
    const user = await this.profile(userId);
    if (!user.registered || !(await this.hasher.verify(user.passwordHash, input.oldPassword))) {
      throw new DomainError('invalid', 'wrong_password', 'The current password is incorrect', {
        field: 'old_password',
      });
    }
    const passwordHash = await this.hasher.hash(input.newPassword);
    const result = await this.handler.execute(
      userDecider,
      userStream(userId),
      { type: 'ChangePassword', passwordHash },
      context,
    );
    return writeResultOf(result);
  }

  /**
   * Claims the address; when it is held by a registration that died before writing its user (crash between the
   * two appends), and the grace period passed, frees it first and claims it again.
   */
  private async claimEmailOrFreeAbandoned(email: string, userId: string, context: CommandContext): Promise<ClaimTaken> {
    try {
      return await this.claims.claim(email, userId, context);
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'email_taken')) throw error;
      const freed = await this.freeAbandonedClaim(email, context);
      if (freed === null) throw error;
      const claimed = await this.claims.claim(email, userId, context);
      return { ...claimed, write: combineWrites(freed, claimed.write) };
    }
  }

  /**
   * Decided on the streams: the holder's own stream is closed against the late write first (a registration that
   * never wrote its user: `UserRegistrationAbandoned`; a user whose address is another one, after an e-mail
   * change died half-way: `UserEmailClaimLapsed`), appended with the revision read, so a writer still on its way
   * fails instead of landing after the claim was freed; then the claim is released. A crash in between is
   * finished by the next caller (closing again is a no-op). Null when the claim stands (its holder uses it, or is
   * still within the grace period).
   */
  private async freeAbandonedClaim(email: string, context: CommandContext): Promise<WriteResult | null> {
    const located = await this.claims.locate(email);
    const holder = located.ownerId;
    const claimedAt = lastOccurredAt(
      located.recorded,
      (event) => event.type === 'EmailClaimed' && event.data.user_id === holder,
    );
    if (holder === null || claimedAt === null) return null;
    const timing = { claimedAt, now: this.grace.clock(), graceMs: this.grace.graceMs };
    const user = await this.handler.load(userDecider, userStream(holder));
    // An account deletion that died before releasing the address: the deleted stream takes no write any more, so
    // nothing needs closing and no grace is due; the address is released at once.
    if (user.state.deleted) return this.claims.release(email, holder, context, 'holder_deleted');
    const claimRevision = located.base + located.recorded.at(-1)!.revision;
    const command: UserCommand = user.state.registered
      ? { type: 'LapseEmailClaim', email, claimRevision, ...timing }
      : { type: 'AbandonRegistration', userId: holder, ...timing };
    let closed;
    try {
      closed = await this.handler.execute(userDecider, userStream(holder), command, context, user);
    } catch (error) {
      if (error instanceof DomainError) return null;
      throw error;
    }
    const reason = user.state.registered ? 'holder_uses_another_email' : 'holder_never_written';
    const released = await this.claims.release(email, holder, context, reason);
    return combineWrites(writeResultOf(closed), released);
  }

  /** The compensation of a claim whose user write failed; its own failure is logged and counted, not thrown. */
  private async releaseEmailAfterFailure(email: string, userId: string, context: CommandContext): Promise<void> {
    await this.compensations.attempt('release_email_claim', this.claims.streams.keyed(email), () =>
      this.claims.release(email, userId, context),
    );
  }

  /** Who holds the address (keyed or legacy claim), null when it is free. */
  async emailOwner(email: string): Promise<string | null> {
    return this.claims.ownerOf(email);
  }
}
