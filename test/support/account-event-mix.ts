import { randomBytes, randomUUID } from 'node:crypto';
import { eventCatalogue } from '../../src/domain/catalogue.ts';
import { legacyEmailClaimStream, tokenFamilyStream, userStream } from '../../src/domain/accounts/email.ts';
import type { EventStore, EventToAppend } from '../../src/eventstore/port.ts';

const fakePasswordHash = () => `c2NyeXB0${randomBytes(48).toString('base64')}`;

function event(type: string, data: Record<string, unknown>): EventToAppend {
  return {
    id: randomUUID(),
    type,
    data: eventCatalogue.validate(type, data),
    metadata: {
      actor: { kind: 'system', id: 'seed' },
      correlation_id: randomUUID(),
      causation_id: randomUUID(),
      occurred_at: new Date().toISOString(),
      schema_version: 1,
    },
  };
}

/**
 * A realistic account mix written straight through the event-store port (valid catalogue events, no hash chain):
 * per user an e-mail claim, a registration, profile updates, an e-mail change, and refresh-token families (one
 * per login, in `refresh_family-<id>`) with rotations: 10 events per user with the default shape.
 */
export interface HistoryShape {
  profileUpdates?: number;
  logins?: number;
  rotations?: number;
}

export function accountHistory(shape: HistoryShape = {}): Array<{ stream: string; events: EventToAppend[] }> {
  const userId = randomUUID();
  const email = `${userId}@example.com`;
  const login = () => {
    const family: string = randomUUID();
    let token: string = randomUUID();
    const events = [
      event('UserLoggedIn', { user_id: userId, family_id: family, token_id: token, credentials_version: 0 }),
    ];
    return { family, events, token: () => token, set: (next: string) => (token = next) };
  };
  const first = login();
  for (let i = 0; i < (shape.rotations ?? 2); i++) {
    const next = randomUUID();
    first.events.push(
      event('RefreshTokenRotated', {
        user_id: userId,
        family_id: first.family,
        token_id: next,
        previous_token_id: first.token(),
      }),
    );
    first.set(next);
  }
  const userEvents: EventToAppend[] = [
    event('UserRegistered', { user_id: userId, email, name: 'Someone', password_hash: fakePasswordHash() }),
  ];
  for (let i = 0; i < (shape.profileUpdates ?? 3); i++)
    userEvents.push(event('UserProfileUpdated', { user_id: userId, name: `Someone ${i}` }));
  userEvents.push(event('UserEmailChanged', { user_id: userId, email: `new-${email}`, previous_email: email }));
  const later = Array.from({ length: shape.logins ?? 1 }, login);
  return [
    { stream: legacyEmailClaimStream(email), events: [event('EmailClaimed', { user_id: userId })] },
    { stream: userStream(userId), events: userEvents },
    { stream: tokenFamilyStream(first.family), events: first.events },
    ...later.map((l) => ({ stream: tokenFamilyStream(l.family), events: l.events })),
  ];
}

/** Appends the histories of `users` users, `concurrency` appends at a time. Returns the number of events. */
export async function seedAccounts(
  store: EventStore,
  users: number,
  concurrency = 16,
  shape: HistoryShape = {},
): Promise<number> {
  let next = 0;
  let written = 0;
  const worker = async () => {
    while (next < users) {
      next += 1;
      for (const { stream, events } of accountHistory(shape)) {
        await store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
        written += events.length;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return written;
}
