import { z } from 'zod';
import { definitionsOf, type EventDefinition, type EventOf } from '../event-catalogue.ts';
import type { ErasureEvent } from '../privacy/erasure-events.ts';

const id = z.string().uuid();
const email = z.string().email();
// scrypt-kdf's hash, base64: the password itself never enters the log.
const passwordHash = z.string().regex(/^c2NyeXB0[A-Za-z0-9+/=]+$/, 'must be a scrypt-kdf hash');

export const userEventSchemas = {
  UserRegistered: z.object({ user_id: id, email, name: z.string(), password_hash: passwordHash }).strict(),
  UserProfileUpdated: z.object({ user_id: id, name: z.string() }).strict(),
  UserEmailChanged: z.object({ user_id: id, email, previous_email: email }).strict(),
  UserPasswordChanged: z.object({ user_id: id, password_hash: passwordHash }).strict(),
  /**
   * The registration that claimed an e-mail for this user id never wrote the user (the process died in between)
   * and its grace period passed: the id is dead (a late `UserRegistered` for it is refused) and the claim is freed.
   */
  UserRegistrationAbandoned: z.object({ user_id: id }).strict(),
  /**
   * The user held a claim on an address that is not theirs (an e-mail change that died half-way) and its grace
   * period passed: that claim (address, and the claim stream's revision it was seen at) lapsed and is freed; an
   * e-mail change still on its way with it is refused.
   */
  UserEmailClaimLapsed: z.object({ user_id: id, email, claim_revision: z.number().int().min(0) }).strict(),
  /**
   * The person deleted their account (`DELETE /api/auth/account`): every token family is dead (it counts as a
   * credentials change), and a `PersonalDataErased` follows in the same append.
   */
  UserAccountDeleted: z.object({ user_id: id }).strict(),
};

/**
 * Refresh-token families live in their own streams (`refresh_family-<id>`), so that rotating a token every few
 * minutes never makes the user's stream — loaded on every login — grow.
 */
export const tokenFamilyEventSchemas = {
  /**
   * A login (or registration) started a family; `token_id` is the jti of its first token. `credentials_version`
   * is the number of password changes so far: a later change makes the family invalid.
   */
  UserLoggedIn: z
    .object({ user_id: id, family_id: id, token_id: id, credentials_version: z.number().int().min(0) })
    .strict(),
  RefreshTokenRotated: z.object({ user_id: id, family_id: id, token_id: id, previous_token_id: id }).strict(),
  /**
   * Tolerant reuse (REFRESH_TOKEN_REUSE=tolerant): the last presented token came back while the successor its
   * rotation issued (`replaced_token_id`) was never presented. Accepted: `new_token_id` replaces that unused
   * successor. Where it came from is kept for auditors (`audit export --user`).
   */
  RefreshTokenRepresented: z
    .object({
      user_id: id,
      family_id: id,
      token_id: id,
      new_token_id: id,
      replaced_token_id: id,
      client_address: z.string().max(100).nullable(),
      user_agent: z.string().max(512).nullable(),
    })
    .strict(),
  /** A refresh token was used after it had been rotated: treated as theft, the whole family is dead. */
  RefreshTokenReuseDetected: z.object({ user_id: id, family_id: id, token_id: id }).strict(),
  RefreshTokenRevoked: z.object({ user_id: id, family_id: id, reason: z.enum(['logout']) }).strict(),
};

export const emailClaimEventSchemas = {
  EmailClaimed: z.object({ user_id: id }).strict(),
  /**
   * The address is free again: the registration or e-mail change that claimed it failed, the user moved to
   * another address, or (with a `reason`) it was freed by someone else: its holder never wrote its first event,
   * or the holder's e-mail change died half-way and the holder uses another address.
   */
  EmailReleased: z
    .object({
      user_id: id,
      reason: z.enum(['holder_never_written', 'holder_uses_another_email', 'holder_deleted']).optional(),
    })
    .strict(),
};

/** The user stream's events; an account deletion ends it with `PersonalDataErased` (domain/privacy). */
export type UserEvent = EventOf<typeof userEventSchemas> | ErasureEvent;
export type TokenFamilyEvent = EventOf<typeof tokenFamilyEventSchemas>;
export type EmailClaimEvent = EventOf<typeof emailClaimEventSchemas>;

export const accountEventDefinitions: EventDefinition[] = [
  ...definitionsOf(userEventSchemas, 'user account'),
  ...definitionsOf(tokenFamilyEventSchemas, 'refresh-token family'),
  ...definitionsOf(emailClaimEventSchemas, 'e-mail uniqueness claim'),
];
