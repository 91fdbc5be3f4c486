import type { Knex } from 'knex';
import type { DataKeys } from '../../eventstore/personal-data/data-key-store.ts';
import { openRecords } from '../../eventstore/personal-data/open-sealed.ts';

export interface TokenFamilyRow {
  family_id: string;
  created_at: Date | string;
  last_used_at: Date | string;
  client_address: string | null;
  user_agent: string | null;
  last_client_address: string | null;
  last_user_agent: string | null;
  /** `logout`, `reuse_detected`, `credentials_changed` (a later password change, deactivation or deletion), or null. */
  revoked_reason: string | null;
}

/** A user's refresh-token families (`token_families`), newest first, their sealed values opened. */
export class TokenFamilyQueries {
  constructor(
    private readonly knex: Knex,
    private readonly keys: DataKeys,
  ) {}

  async ofUser(userId: string, limit: number): Promise<TokenFamilyRow[]> {
    const rows = await this.knex('token_families as f')
      .leftJoin('token_family_credentials as c', 'c.user_id', 'f.user_id')
      .where('f.user_id', userId)
      .orderBy('f.created_at', 'desc')
      .limit(limit)
      .select<Array<TokenFamilyRow & { credentials_version: number; current_version: number | null }>>(
        'f.family_id',
        'f.created_at',
        'f.last_used_at',
        'f.client_address',
        'f.user_agent',
        'f.last_client_address',
        'f.last_user_agent',
        'f.revoked_reason',
        'f.credentials_version',
        'c.version as current_version',
      );
    const opened = await openRecords(
      rows.map((row) => ({ data: {}, metadata: sealedParts(row), row })),
      this.keys,
    );
    return opened.map(({ record }) => {
      const { row, metadata } = record;
      const outdated = row.credentials_version < (row.current_version ?? 0);
      return {
        family_id: row.family_id,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        client_address: text(metadata.client_address),
        user_agent: text(metadata.user_agent),
        last_client_address: text(metadata.last_client_address),
        last_user_agent: text(metadata.last_user_agent),
        revoked_reason: row.revoked_reason ?? (outdated ? 'credentials_changed' : null),
      };
    });
  }
}

const text = (value: unknown) => (typeof value === 'string' ? value : null);

function sealedParts(row: TokenFamilyRow) {
  return {
    client_address: row.client_address,
    user_agent: row.user_agent,
    last_client_address: row.last_client_address,
    last_user_agent: row.last_user_agent,
  };
}
