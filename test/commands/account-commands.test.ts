import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PasswordHasher } from '../../src/commands/accounts/password-hasher.ts';
import { legacyEmailClaimStream, tokenFamilyStream, userStream } from '../../src/domain/accounts/email.ts';
import { databaseTargets } from '../support/databases.ts';
import {
  SPEC_CLAIM_STREAMS,
  SPEC_GRACE_MS,
  SPEC_NOW,
  streamsAndTypes,
  useHandlerSpec,
} from '../support/handler-spec.ts';

// Handler specs: given e-mail claim, user and token-family streams, when an account use case runs, then the
// events it appended on each stream, or the refusal and nothing written.
const PASSWORD = 'correct horse battery';
const claimStream = (address: string) => SPEC_CLAIM_STREAMS.keyed(address);

describe.each(databaseTargets())('account use cases (%s)', (target) => {
  const spec = useHandlerSpec(target);
  const email = () => `${randomUUID().slice(0, 8)}@example.com`;

  /** A registered user holding `address`, with PASSWORD. */
  async function givenUser(address: string, claimedOn = claimStream) {
    const userId = randomUUID();
    const passwordHash = await new PasswordHasher(4).hash(PASSWORD);
    await spec.given(claimedOn(address), [{ type: 'EmailClaimed', data: { user_id: userId } }]);
    await spec.given(userStream(userId), [
      { type: 'UserRegistered', data: { user_id: userId, email: address, name: 'Ann', password_hash: passwordHash } },
    ]);
    return userId;
  }

  it('register claims the address, writes the user, and starts a token family; the answer is built from those writes', async () => {
    const address = email();
    const { answer, events } = await spec.when(() =>
      spec.useCases.accounts.register({ email: address, password: PASSWORD, name: 'Ann' }, spec.contextOf(null)),
    );
    const { userId, familyId, tokenId } = answer;
    expect(streamsAndTypes(events)).toEqual([
      [claimStream(address), 'EmailClaimed'],
      [userStream(userId), 'UserRegistered'],
      [tokenFamilyStream(familyId), 'UserLoggedIn'],
    ]);
    expect(events[0]!.data).toEqual({ user_id: userId });
    expect(events[1]!.data).toMatchObject({ user_id: userId, email: address, name: 'Ann' });
    expect(events[1]!.data.password_hash).not.toContain(PASSWORD);
    expect(events[2]!.data).toEqual({
      user_id: userId,
      family_id: familyId,
      token_id: tokenId,
      credentials_version: 0,
    });
    expect(answer.profile).toEqual({ id: userId, email: address, name: 'Ann' });
  });

  it('an address held by a registered user is taken: email_taken, and nothing is written', async () => {
    const address = email();
    await givenUser(address);
    const { events } = await spec.whenRefused(
      () => spec.useCases.accounts.register({ email: address, password: PASSWORD, name: 'Bob' }, spec.contextOf(null)),
      'email_taken',
    );
    expect(events).toEqual([]);
  });

  // A claim under the legacy unkeyed name (written before claim streams were keyed) is freed where it stands.
  const generations = [
    ['keyed', claimStream],
    ['legacy', legacyEmailClaimStream],
  ] as const;

  it.each(generations)(
    'an address held (%s claim) by a registration that died before writing its user is freed after the grace period, then claimed',
    async (_, claimedOn) => {
      const address = email();
      const holder = randomUUID();
      await spec.given(claimedOn(address), [{ type: 'EmailClaimed', data: { user_id: holder } }], SPEC_NOW);
      const register = () =>
        spec.useCases.accounts.register({ email: address, password: PASSWORD, name: 'Bob' }, spec.contextOf(null));
      spec.setClock(new Date(SPEC_NOW.getTime() + SPEC_GRACE_MS - 1));
      expect((await spec.whenRefused(register, 'email_taken')).events).toEqual([]);
      spec.setClock(new Date(SPEC_NOW.getTime() + SPEC_GRACE_MS));
      const { answer, events } = await spec.when(register);
      expect(streamsAndTypes(events)).toEqual([
        [userStream(holder), 'UserRegistrationAbandoned'],
        [claimedOn(address), 'EmailReleased'],
        [claimStream(address), 'EmailClaimed'],
        [userStream(answer.userId), 'UserRegistered'],
        [tokenFamilyStream(answer.familyId), 'UserLoggedIn'],
      ]);
      expect(events[1]!.data).toEqual({ user_id: holder, reason: 'holder_never_written' });
    },
  );

  it.each(generations)(
    'an address (%s claim) whose account deletion died before releasing it is freed at once, then claimed',
    async (_, claimedOn) => {
      const address = email();
      const holder = await givenUser(address, claimedOn);
      await spec.given(userStream(holder), [{ type: 'UserAccountDeleted', data: { user_id: holder } }]);
      const { answer, events } = await spec.when(() =>
        spec.useCases.accounts.register({ email: address, password: PASSWORD, name: 'Bob' }, spec.contextOf(null)),
      );
      expect(streamsAndTypes(events)).toEqual([
        [claimedOn(address), 'EmailReleased'],
        [claimStream(address), 'EmailClaimed'],
        [userStream(answer.userId), 'UserRegistered'],
        [tokenFamilyStream(answer.familyId), 'UserLoggedIn'],
      ]);
      expect(events[0]!.data).toEqual({ user_id: holder, reason: 'holder_deleted' });
    },
  );

  it('log-in with the right password starts a family; a wrong one or an unknown address is refused alike, writing nothing', async () => {
    const address = email();
    const userId = await givenUser(address);
    const { answer, events } = await spec.when(() =>
      spec.useCases.accounts.logIn({ email: address, password: PASSWORD }, spec.contextOf(null)),
    );
    expect(events).toEqual([
      {
        stream: tokenFamilyStream(answer.familyId),
        type: 'UserLoggedIn',
        data: { user_id: userId, family_id: answer.familyId, token_id: answer.tokenId, credentials_version: 0 },
      },
    ]);
    for (const input of [
      { email: address, password: 'wrong password' },
      { email: email(), password: PASSWORD },
    ]) {
      expect(
        (await spec.whenRefused(() => spec.useCases.accounts.logIn(input, spec.contextOf(null)), 'invalid_credentials'))
          .events,
      ).toEqual([]);
    }
  });

  it('an e-mail change claims the new address, records the change, then releases the old one', async () => {
    const [before, after] = [email(), email()];
    const userId = await givenUser(before);
    const { events } = await spec.when(() =>
      spec.useCases.accounts.updateProfile(userId, { email: after }, spec.contextOf(userId)),
    );
    expect(events).toEqual([
      { stream: claimStream(after), type: 'EmailClaimed', data: { user_id: userId } },
      {
        stream: userStream(userId),
        type: 'UserEmailChanged',
        data: { user_id: userId, email: after, previous_email: before },
      },
      { stream: claimStream(before), type: 'EmailReleased', data: { user_id: userId } },
    ]);
  });

  it('a password change needs the current password; it records the new hash', async () => {
    const userId = await givenUser(email());
    const change = (oldPassword: string) => () =>
      spec.useCases.accounts.changePassword(
        userId,
        { oldPassword, newPassword: 'another long one' },
        spec.contextOf(userId),
      );
    expect((await spec.whenRefused(change('wrong password'), 'wrong_password')).events).toEqual([]);
    const { events } = await spec.when(change(PASSWORD));
    expect(streamsAndTypes(events)).toEqual([[userStream(userId), 'UserPasswordChanged']]);
  });

  it('a rotated refresh token presented again (strict) records the theft on the family, then refuses', async () => {
    const address = email();
    await givenUser(address);
    const session = await spec.useCases.accounts.logIn({ email: address, password: PASSWORD }, spec.contextOf(null));
    const presented = { userId: session.userId, familyId: session.familyId, tokenId: session.tokenId };
    const rotated = await spec.when(() => spec.useCases.accounts.refresh(presented, spec.contextOf(session.userId)));
    expect(streamsAndTypes(rotated.events)).toEqual([[tokenFamilyStream(session.familyId), 'RefreshTokenRotated']]);
    const { events } = await spec.whenRefused(
      () => spec.useCases.accounts.refresh(presented, spec.contextOf(session.userId)),
      'token_revoked',
    );
    expect(events).toEqual([
      {
        stream: tokenFamilyStream(session.familyId),
        type: 'RefreshTokenReuseDetected',
        data: { user_id: session.userId, family_id: session.familyId, token_id: session.tokenId },
      },
    ]);
  });
});
