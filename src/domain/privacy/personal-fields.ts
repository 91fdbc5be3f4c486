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

/** Who wrote the event (metadata.actor): `staff` and `user` actors are people, with a data key of their own. */
export interface ActingParty {
  kind: string;
  id: string | null;
}

export interface PersonalFields {
  /** Whose key seals the fields; null leaves them in the clear (nothing to attach them to). */
  subject(data: Readonly<Record<string, unknown>>, actor: ActingParty): DataSubject | null;
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

/**
 * Free text a person typed belongs to the typist, under their own key: a staff member's reason for deactivating,
 * reactivating or revoking says what THEY thought and wrote, it is not a fact about the account or gateway acted
 * on (which keeps its own key for its own data). So it is shredded when the staff member leaves, and survives the
 * target's erasure, as the staff member's other acts do. Not written by a person (no such actor): left clear.
 */
const typedByActor = (...fields: string[]): PersonalFields => ({
  subject: (_data, actor) => personOf(actor),
  fields,
});

function personOf(actor: ActingParty): DataSubject | null {
  return (actor.kind === 'user' || actor.kind === 'staff') && actor.id !== null ? { kind: 'user', id: actor.id } : null;
}

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
  UserDeactivated: typedByActor('reason'),
  UserReactivated: typedByActor('reason'),
  GatewayRevoked: typedByActor('reason'),
  ProjectionRebuildStarted: typedByActor('reason'),
};

/** The metadata fields that say where a request came from: personal data of whoever sent it. */
export const PERSONAL_METADATA_FIELDS = ['client_address', 'user_agent'] as const;

/**
 * Whose key seals an event's `client_address` and `user_agent`: the acting user, staff member or gateway; for an anonymous
 * caller (a registration, a gateway pairing) the subject of the event. A system actor's address is the node id,
 * not personal: left in the clear, as are events with no subject.
 */
export function metadataSubject(
  actor: ActingParty,
  type: string,
  data: Readonly<Record<string, unknown>>,
): DataSubject | null {
  const person = personOf(actor);
  if (person !== null) return person;
  if (actor.kind === 'gateway' && actor.id !== null) return { kind: 'gateway', id: actor.id };
  if (actor.kind === 'system') return null;
  return (
    PERSONAL_FIELDS[type]?.subject(data, actor) ??
    subjectFrom('user', 'user_id')(data) ??
    subjectFrom('home', 'home_id')(data) ??
    subjectFrom('gateway', 'gateway_id')(data)
  );
}
