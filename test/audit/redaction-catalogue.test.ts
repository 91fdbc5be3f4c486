import { describe, expect, it } from 'vitest';
import { isSecretDerivedField, redactEventData } from '../../src/audit/redaction.ts';
import { staffEventDefinitions } from '../../src/domain/accounts/staff-events.ts';
import { accountEventDefinitions } from '../../src/domain/accounts/user-events.ts';
import { eventCatalogue } from '../../src/domain/catalogue.ts';
import { projectionRebuildEventDefinitions } from '../../src/domain/projections/projection-rebuild-events.ts';
import { AUDITED_EVENT_TYPES } from '../../src/projections/read-models/audit/audit-event-types.ts';

/** zod 4's internal definition: enough of it to walk object shapes (typed loosely on purpose, it is internal). */
interface ZodDef {
  type: string;
  shape?: Record<string, { _zod: { def: ZodDef } }>;
  element?: { _zod: { def: ZodDef } };
  innerType?: { _zod: { def: ZodDef } };
  in?: { _zod: { def: ZodDef } };
  valueType?: { _zod: { def: ZodDef } };
}

/** Every field path of a schema (`devices[].state`, `error.code`), nested objects and arrays included. */
function fieldPaths(def: ZodDef, prefix = ''): string[] {
  switch (def.type) {
    case 'object':
      return Object.entries(def.shape ?? {}).flatMap(([key, inner]) => [
        `${prefix}${key}`,
        ...fieldPaths(inner._zod.def, `${prefix}${key}.`),
      ]);
    case 'array':
      return fieldPaths(def.element!._zod.def, prefix.replace(/\.$/, '[].'));
    case 'optional':
    case 'nullable':
    case 'default':
      return fieldPaths(def.innerType!._zod.def, prefix);
    case 'pipe':
      return fieldPaths(def.in!._zod.def, prefix);
    default:
      return [];
  }
}

/** Field names that look secret-like by any reasonable reading. Each must be redacted or reviewed below. */
const SECRET_LIKE = /secret|password|passwd|hash|digest|token|credential|key|fingerprint|code|salt|signature/i;

/**
 * Secret-looking names that were reviewed and are safe to show: identifiers, not secrets or anything derived
 * from one. A new entry needs a reason here.
 */
const REVIEWED_NOT_SECRET: Record<string, string> = {
  token_id: 'the jti of a refresh token: an identifier; the token is a signed JWT and is never stored',
  previous_token_id: 'the jti of the rotated refresh token (identifier)',
  new_token_id: 'the jti of the refresh token a re-presentation issued (identifier)',
  replaced_token_id: 'the jti of the unused successor a re-presentation replaced (identifier)',
  credentials_version: 'how many times the password changed (a counter that invalidates older token families)',
  'error.code': "a device error's code reported by the edge (e.g. unsupported)",
  key_ids: 'the ids of destroyed data keys (`user:<uuid>`…): which subjects were erased, never key material',
};

describe('redaction covers the whole catalogue', () => {
  const paths = eventCatalogue.types().flatMap((type) =>
    fieldPaths((eventCatalogue.get(type).schema as unknown as { _zod: { def: ZodDef } })._zod.def).map((path) => ({
      type,
      path,
    })),
  );

  it('walks real schemas (a sanity check of the walker itself)', () => {
    expect(paths).toContainEqual({ type: 'GatewayProvisioned', path: 'secret_digest' });
    expect(paths).toContainEqual({ type: 'DeviceStatesReported', path: 'devices[].reported_at' });
    expect(paths).toContainEqual({ type: 'RemoteCommandFailed', path: 'error.code' });
  });

  it('every secret-like field of every event type is redacted, or reviewed as harmless', () => {
    const unsafe = paths.filter(({ path }) => {
      const name = path
        .split(/[.[\]]+/)
        .filter(Boolean)
        .at(-1)!;
      if (!SECRET_LIKE.test(name)) return false;
      return !isSecretDerivedField(name) && !(path in REVIEWED_NOT_SECRET) && !(name in REVIEWED_NOT_SECRET);
    });
    expect(
      unsafe,
      'secret-like fields the HTTP audit would show: redact them (src/audit/redaction.ts) or review them here',
    ).toEqual([]);
  });

  it('drops the secret-derived fields of each event type, keeps the rest', () => {
    expect(
      redactEventData({
        gateway_id: 'g',
        home_id: 'h',
        name: 'Hall',
        secret_digest: `hmac-sha256:${'a'.repeat(64)}`,
        via: 'provision',
      }),
    ).toEqual({
      gateway_id: 'g',
      home_id: 'h',
      name: 'Hall',
      via: 'provision',
    });
    expect(redactEventData({ user_id: 'u', password_hash: 'c2NyeXB0AAAA' })).toEqual({ user_id: 'u' });
    expect(redactEventData({ command_id: 'c', fingerprint: 'f'.repeat(64), params: { level: 3 } })).toEqual({
      command_id: 'c',
      params: { level: 3 },
    });
    // A digest or hash under an innocent name (an edge echoing one back in a result) is dropped by its value.
    expect(redactEventData({ result: { note: `hmac-sha256:${'b'.repeat(64)}`, list: ['c2NyeXB0xyz', 'ok'] } })).toEqual(
      { result: { list: ['ok'] } },
    );
  });

  it('every catalogue type is in the home audit history, an account event or an operations event (a new capability must choose)', () => {
    // Operations events (a staff member's projection rebuild) concern no home or account: the admin API's
    // projections view and the whole-log `audit export` show them.
    const accounts = [...accountEventDefinitions, ...staffEventDefinitions, ...projectionRebuildEventDefinitions].map(
      (definition) => definition.type,
    );
    const unplaced = eventCatalogue
      .types()
      .filter((type) => !AUDITED_EVENT_TYPES.includes(type) && !accounts.includes(type));
    expect(unplaced).toEqual([]);
  });
});
