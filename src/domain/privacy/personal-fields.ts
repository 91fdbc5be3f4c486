/**
 * Which values of which events are personal data, and whose data key seals them: the whole policy, as data. The
 * writer path seals these fields (after validation, before the hash chain); everything else stays in the clear
 * (ids, types, roles, positions, hashes). A test walks the catalogue so a new personal field is not forgotten.
 */
export type DataSubjectKind = 'user' | 'home' | 'gateway';

export interface DataSubject {
  kind: DataSubjectKind;
  id: string;
}

export interface PersonalFields {
  /** Whose key seals the fields; null leaves them in the clear (nothing to attach them to). */
  subject(data: Readonly<Record<string, unknown>>): DataSubject | null;
  fields: readonly string[];
}

const idOf = (data: Readonly<Record<string, unknown>>, field: string): string | null => {
  const value = data[field];
  return typeof value === 'string' ? value : null;
};

const subjectFrom =
  (kind: DataSubjectKind, field: string) =>
  (data: Readonly<Record<string, unknown>>): DataSubject | null => {
    const id = idOf(data, field);
    return id === null ? null : { kind, id };
  };

const user = (...fields: string[]): PersonalFields => ({ subject: subjectFrom('user', 'user_id'), fields });
const home = (...fields: string[]): PersonalFields => ({ subject: subjectFrom('home', 'home_id'), fields });
const gateway = (...fields: string[]): PersonalFields => ({ subject: subjectFrom('gateway', 'gateway_id'), fields });

/** A pairing code's names belong to its home, or (a code for a new home) to the person who asked for it. */
const pairingNames: PersonalFields = {
  subject: (data) => subjectFrom('home', 'home_id')(data) ?? subjectFrom('user', 'requested_by')(data),
  fields: ['name', 'home_name'],
};

export const PERSONAL_FIELDS: Readonly<Record<string, PersonalFields>> = {
  UserRegistered: user('email', 'name', 'password_hash'),
  UserProfileUpdated: user('name'),
  UserEmailChanged: user('email', 'previous_email'),
  UserPasswordChanged: user('password_hash'),
  UserEmailClaimLapsed: user('email'),
  RefreshTokenRepresented: user('client_address', 'user_agent'),
  HomeCreated: home('name'),
  HomeRenamed: home('name', 'previous_name'),
  // A gateway's name is the home's free text, sealed under the gateway's key: deleting the home destroys the keys
  // of every gateway it ever had (the home stream lists them), and a rename names no home.
  GatewayProvisioned: gateway('name'),
  GatewayRenamed: gateway('name', 'previous_name'),
  PairingRequested: pairingNames,
  BridgeSessionOpened: gateway('remote_address', 'user_agent'),
};

/** The metadata fields that say where a request came from: personal data of whoever sent it. */
export const PERSONAL_METADATA_FIELDS = ['client_address', 'user_agent'] as const;

/**
 * Whose key seals an event's `client_address` and `user_agent`: the acting user or gateway; for an anonymous
 * caller (a registration, a gateway pairing) the subject of the event. A system actor's address is the node id,
 * not personal: left in the clear, as are events with no subject.
 */
export function metadataSubject(
  actor: { kind: string; id: string | null },
  type: string,
  data: Readonly<Record<string, unknown>>,
): DataSubject | null {
  if (actor.kind === 'user' && actor.id !== null) return { kind: 'user', id: actor.id };
  if (actor.kind === 'gateway' && actor.id !== null) return { kind: 'gateway', id: actor.id };
  if (actor.kind === 'system') return null;
  return (
    PERSONAL_FIELDS[type]?.subject(data) ??
    subjectFrom('user', 'user_id')(data) ??
    subjectFrom('home', 'home_id')(data) ??
    subjectFrom('gateway', 'gateway_id')(data)
  );
}
