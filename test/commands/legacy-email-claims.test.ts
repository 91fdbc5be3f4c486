import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AccountDeletion } from '../../src/commands/accounts/account-deletion.ts';
import { EmailClaims } from '../../src/commands/accounts/email-claims.ts';
import { PasswordHasher } from '../../src/commands/accounts/password-hasher.ts';
import { EventSourcedCommandHandler } from '../../src/commands/event-sourced-command-handler.ts';
import { HomeCommands } from '../../src/commands/homes/home-commands.ts';
import { eventCatalogue } from '../../src/domain/catalogue.ts';
import type { DataKeys } from '../../src/eventstore/personal-data/data-key-store.ts';
import { EmailClaimStreams, legacyEmailClaimStream, userStream } from '../../src/domain/accounts/email.ts';
import { databaseTargets } from '../support/databases.ts';
import {
  SPEC_CLAIM_STREAMS,
  SPEC_GRACE_MS,
  SPEC_NOW,
  streamsAndTypes,
  useHandlerSpec,
} from '../support/handler-spec.ts';

// Handler specs for the transition to keyed claim streams: a claim written under the old unkeyed name (sha256 of
// the address) by a server before the key still holds its address, logs its holder in and is released where it
// stands; new claims only ever go to the keyed stream. (Freeing a legacy leftover of a crashed registration or
// deletion: account-commands.test.ts, for both generations.)
const PASSWORD = 'correct horse battery';
const keyed = (address: string) => SPEC_CLAIM_STREAMS.keyed(address);
const legacy = (address: string) => legacyEmailClaimStream(address);

/** The key store's contract in memory: this spec looks at the claim streams, not at sealing. */
class DestroyedKeys implements DataKeys {
  readonly destroyed: string[] = [];
  async keyFor(): Promise<Buffer | null> {
    return null;
  }
  async keysOf(keyIds: ReadonlySet<string>): Promise<Map<string, Buffer | null>> {
    return new Map([...keyIds].map((id) => [id, null]));
  }
  async destroy(keyIds: readonly string[]): Promise<void> {
    this.destroyed.push(...keyIds);
  }
  forgetErased(): void {}
}

describe.each(databaseTargets())('claims under the legacy unkeyed stream name (%s)', (target) => {
  const spec = useHandlerSpec(target);
  const email = () => `${randomUUID().slice(0, 8)}@example.com`;

  /** A user registered by the pre-key server: their claim is on the legacy stream. */
  async function givenLegacyUser(address: string) {
    const userId = randomUUID();
    const passwordHash = await new PasswordHasher(4).hash(PASSWORD);
    await spec.given(legacy(address), [{ type: 'EmailClaimed', data: { user_id: userId } }]);
    await spec.given(userStream(userId), [
      { type: 'UserRegistered', data: { user_id: userId, email: address, name: 'Ann', password_hash: passwordHash } },
    ]);
    return userId;
  }

  const register = (address: string) => () =>
    spec.useCases.accounts.register({ email: address, password: PASSWORD, name: 'Bob' }, spec.contextOf(null));

  it('the keyed stream name depends on the secret; a legacy name renames to it without the address', () => {
    const address = email();
    expect(keyed(address)).toMatch(/^email-k1-[0-9a-f]{64}$/);
    expect(keyed(address)).not.toBe(
      EmailClaimStreams.fromSecret('another-data-key-secret-0123456789abcdef').keyed(address),
    );
    expect(SPEC_CLAIM_STREAMS.keyedNameOfLegacy(legacy(address))).toBe(keyed(address));
    expect(SPEC_CLAIM_STREAMS.keyedNameOfLegacy(keyed(address))).toBeNull();
  });

  it('an address held by a legacy claim cannot be registered again, and nothing is written', async () => {
    const address = email();
    await givenLegacyUser(address);
    expect((await spec.whenRefused(register(address), 'email_taken')).events).toEqual([]);
  });

  it('nor taken by an e-mail change of another user', async () => {
    const address = email();
    await givenLegacyUser(address);
    const other = (
      await spec.useCases.accounts.register({ email: email(), password: PASSWORD, name: 'Cy' }, spec.contextOf(null))
    ).userId;
    const change = () => spec.useCases.accounts.updateProfile(other, { email: address }, spec.contextOf(other));
    expect((await spec.whenRefused(change, 'email_taken')).events).toEqual([]);
  });

  it('the holder of a legacy claim logs in with it', async () => {
    const address = email();
    const userId = await givenLegacyUser(address);
    const { answer } = await spec.when(() =>
      spec.useCases.accounts.logIn({ email: address, password: PASSWORD }, spec.contextOf(null)),
    );
    expect(answer.userId).toBe(userId);
  });

  it('an e-mail change releases the legacy claim of the old address, which then registers under the keyed name', async () => {
    const [before, after] = [email(), email()];
    const userId = await givenLegacyUser(before);
    const { events } = await spec.when(() =>
      spec.useCases.accounts.updateProfile(userId, { email: after }, spec.contextOf(userId)),
    );
    expect(streamsAndTypes(events)).toEqual([
      [keyed(after), 'EmailClaimed'],
      [userStream(userId), 'UserEmailChanged'],
      [legacy(before), 'EmailReleased'],
    ]);
    const registered = await spec.when(register(before));
    expect(streamsAndTypes(registered.events).slice(0, 2)).toEqual([
      [keyed(before), 'EmailClaimed'],
      [userStream(registered.answer.userId), 'UserRegistered'],
    ]);
  });

  it('a legacy claim left by an e-mail change that died half-way lapses, with the revision of the legacy stream', async () => {
    const [current, abandoned] = [email(), email()];
    const holder = await givenLegacyUser(current);
    await spec.given(legacy(abandoned), [{ type: 'EmailClaimed', data: { user_id: holder } }], SPEC_NOW);
    spec.setClock(new Date(SPEC_NOW.getTime() + SPEC_GRACE_MS));
    const { events } = await spec.when(register(abandoned));
    expect(events[0]).toEqual({
      stream: userStream(holder),
      type: 'UserEmailClaimLapsed',
      data: { user_id: holder, email: abandoned, claim_revision: 0 },
    });
    expect(streamsAndTypes(events).slice(1, 3)).toEqual([
      [legacy(abandoned), 'EmailReleased'],
      [keyed(abandoned), 'EmailClaimed'],
    ]);
  });

  it("a keyed claim is not mistaken for a lapsed legacy claim of the same revision (keyed revisions count on after the legacy stream's)", async () => {
    const [current, wanted] = [email(), email()];
    const userId = await givenLegacyUser(current);
    // The legacy claim on `wanted` (revision 0) lapsed and was released; whoever freed it never claimed it.
    await spec.given(legacy(wanted), [
      { type: 'EmailClaimed', data: { user_id: userId } },
      { type: 'EmailReleased', data: { user_id: userId, reason: 'holder_uses_another_email' } },
    ]);
    await spec.given(userStream(userId), [
      { type: 'UserEmailClaimLapsed', data: { user_id: userId, email: wanted, claim_revision: 0 } },
    ]);
    const { events } = await spec.when(() =>
      spec.useCases.accounts.updateProfile(userId, { email: wanted }, spec.contextOf(userId)),
    );
    expect(streamsAndTypes(events)).toEqual([
      [keyed(wanted), 'EmailClaimed'],
      [userStream(userId), 'UserEmailChanged'],
      [legacy(current), 'EmailReleased'],
    ]);
  });

  it('deleting the account of a legacy holder releases the legacy claim; the address then registers under the keyed name', async () => {
    const address = email();
    const userId = await givenLegacyUser(address);
    const handler = new EventSourcedCommandHandler(spec.store, eventCatalogue);
    const keys = new DestroyedKeys();
    const claims = new EmailClaims(handler, SPEC_CLAIM_STREAMS);
    const deletion = new AccountDeletion(handler, new PasswordHasher(4), new HomeCommands(handler), keys, claims);
    const { events } = await spec.when(() => deletion.deleteAccount(userId, PASSWORD, [], spec.contextOf(userId)));
    expect(streamsAndTypes(events)).toEqual([
      [userStream(userId), 'UserAccountDeleted'],
      [userStream(userId), 'PersonalDataErased'],
      [legacy(address), 'EmailReleased'],
    ]);
    expect(keys.destroyed).toEqual([`user:${userId}`]);
    const registered = await spec.when(register(address));
    expect(streamsAndTypes(registered.events)[0]).toEqual([keyed(address), 'EmailClaimed']);
  });
});
