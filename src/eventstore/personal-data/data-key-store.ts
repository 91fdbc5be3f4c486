import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { LRUCache } from 'lru-cache';
import { BatchedReads } from './batched-reads.ts';

/** Where the data keys live: a table of the read-model database, NOT a read model (no rebuild can recreate it). */
export const DATA_KEYS_TABLE = 'personal_data_keys';

/** Data keys: one per person, home or gateway whose personal data the log holds sealed. */
export interface DataKeys {
  /** For sealing: the subject's key, created on first use; null once it was destroyed (nothing new is sealed). */
  keyFor(keyId: string): Promise<Buffer | null>;
  /** For opening: each id's key, null when destroyed or unknown. */
  keysOf(keyIds: ReadonlySet<string>): Promise<Map<string, Buffer | null>>;
  /** Crypto-shredding: the wrapped keys are overwritten; a tombstone keeps the id from being created again. */
  destroy(keyIds: readonly string[]): Promise<void>;
  /**
   * A reader met these keys' erasure in the log: this process opens nothing with them from now on, even while the
   * row is not yet destroyed (the `key_shredding` follower destroys it) or while its cache still holds them.
   */
  forgetErased(keyIds: readonly string[]): void;
  /**
   * Each id's key when this process holds them all already (no read), else undefined: lets a reader open a
   * telemetry event in the turn it arrives instead of waiting a promise per event. Optional: without it readers
   * always ask `keysOf`.
   */
  heldKeysOf?(keyIds: ReadonlySet<string>): Map<string, Buffer | null> | undefined;
}

/** Creates the table once (under an advisory lock: nodes starting together do not race on the catalogue). */
export async function ensureDataKeysTable(knex: Knex): Promise<void> {
  await knex.transaction(async (trx) => {
    await trx.raw(`select pg_advisory_xact_lock(hashtext('personal-data-keys-schema'))`);
    if (await trx.schema.hasTable(DATA_KEYS_TABLE)) return;
    await trx.schema.createTable(DATA_KEYS_TABLE, (t) => {
      t.text('key_id').primary();
      t.text('wrapped');
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(trx.fn.now());
      t.timestamp('destroyed_at', { useTz: true });
    });
  });
}

/**
 * Overwrites the wrapped keys and leaves tombstones (an id never created gets one too, so it never will be), in
 * the caller's transaction or not. Idempotent: destroying again changes nothing, the first `destroyed_at` stays.
 */
export async function destroyDataKeys(knex: Knex, keyIds: readonly string[], at: Date): Promise<void> {
  if (keyIds.length === 0) return;
  await knex(DATA_KEYS_TABLE)
    .insert([...new Set(keyIds)].map((keyId) => ({ key_id: keyId, wrapped: null, destroyed_at: at })))
    .onConflict('key_id')
    .merge({
      wrapped: null,
      destroyed_at: knex.raw('coalesce(??, excluded.destroyed_at)', [`${DATA_KEYS_TABLE}.destroyed_at`]),
    });
}

const WRAP_IV_BYTES = 12;
const WRAP_TAG_BYTES = 16;
/**
 * Keys are cached per process for a short while: an erasure on another node takes effect here within this time
 * (this node's own erasures at once).
 */
const CACHE_TTL_MS = 30_000;

interface KeyRow {
  key_id: string;
  wrapped: string | null;
}

/**
 * The key store in the read-model database. Each data key (256 random bits) is stored wrapped with AES-256-GCM
 * under a key derived from DATA_KEY_SECRET (HKDF), its id as additional data: a dump of the table alone opens
 * nothing, and a wrapped key cannot be passed off as another subject's.
 */
export class DataKeyStore implements DataKeys {
  private readonly wrappingKey: Buffer;
  private readonly cache = new LRUCache<string, { key: Buffer | null }>({ max: 50_000, ttl: CACHE_TTL_MS });

  constructor(
    private readonly knex: Knex,
    masterSecret: string,
  ) {
    this.wrappingKey = Buffer.from(hkdfSync('sha256', masterSecret, 'smarthome-cloud', 'data-key-wrap', 32));
  }

  async ensureTable(): Promise<void> {
    await ensureDataKeysTable(this.knex);
  }

  async keyFor(keyId: string): Promise<Buffer | null> {
    const cached = this.cache.get(keyId);
    if (cached) return cached.key;
    // Most subjects have a key already (a reconnecting gateway's, once the cache let it go): one read finds it.
    const stored = await this.storedKey(keyId);
    if (stored !== undefined) return stored;
    const fresh = randomBytes(32);
    await this.knex(DATA_KEYS_TABLE)
      .insert({ key_id: keyId, wrapped: this.wrap(keyId, fresh) })
      .onConflict('key_id')
      .ignore();
    // Whoever inserted first (this call, another request, another node) holds the key: read it back.
    return (await this.keysOf(new Set([keyId]))).get(keyId) ?? null;
  }

  /** The key as stored (null: destroyed), undefined when the id was never created. */
  private async storedKey(keyId: string): Promise<Buffer | null | undefined> {
    const row = await this.storedRows.read(keyId);
    if (row === undefined) return undefined;
    return this.remember(keyId, row.wrapped ? this.unwrap(keyId, row.wrapped) : null);
  }

  /**
   * Caches a key read from the table and returns it — unless an erasure was noted (`forgetErased`) while the read
   * was in flight: the row was read before it, and caching it would bring the key back for the cache's lifetime.
   */
  private remember(keyId: string, key: Buffer | null): Buffer | null {
    if (this.cache.get(keyId)?.key === null) return null;
    this.cache.set(keyId, { key });
    return key;
  }

  /** Concurrent misses of `keyFor` share one read (batched-reads.ts). */
  private readonly storedRows = new BatchedReads<KeyRow>(async (keyIds) => {
    const rows = await this.knex<KeyRow>(DATA_KEYS_TABLE).select('key_id', 'wrapped').whereIn('key_id', keyIds);
    return new Map(rows.map((row) => [row.key_id, row]));
  });

  async keysOf(keyIds: ReadonlySet<string>): Promise<Map<string, Buffer | null>> {
    const found = new Map<string, Buffer | null>();
    const missing: string[] = [];
    for (const keyId of keyIds) {
      const cached = this.cache.get(keyId);
      if (cached) found.set(keyId, cached.key);
      else missing.push(keyId);
    }
    if (missing.length === 0) return found;
    const rows = await this.knex<KeyRow>(DATA_KEYS_TABLE).select('key_id', 'wrapped').whereIn('key_id', missing);
    const byId = new Map(rows.map((row) => [row.key_id, row.wrapped]));
    for (const keyId of missing) {
      const wrapped = byId.get(keyId);
      const key = wrapped ? this.unwrap(keyId, wrapped) : null;
      // An id never created is not cached: its first seal creates it.
      found.set(keyId, byId.has(keyId) ? this.remember(keyId, key) : key);
    }
    return found;
  }

  heldKeysOf(keyIds: ReadonlySet<string>): Map<string, Buffer | null> | undefined {
    const found = new Map<string, Buffer | null>();
    for (const keyId of keyIds) {
      const cached = this.cache.get(keyId);
      if (cached === undefined) return undefined;
      found.set(keyId, cached.key);
    }
    return found;
  }

  async destroy(keyIds: readonly string[]): Promise<void> {
    await destroyDataKeys(this.knex, keyIds, new Date());
    this.forgetErased(keyIds);
  }

  forgetErased(keyIds: readonly string[]): void {
    for (const keyId of keyIds) this.cache.set(keyId, { key: null });
  }

  private wrap(keyId: string, key: Buffer): string {
    const iv = randomBytes(WRAP_IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.wrappingKey, iv);
    cipher.setAAD(Buffer.from(keyId));
    const body = Buffer.concat([cipher.update(key), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** Throws when DATA_KEY_SECRET is not the one the key was wrapped with: reading on would show data as erased. */
  private unwrap(keyId: string, wrapped: string): Buffer {
    const raw = Buffer.from(wrapped, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.wrappingKey, raw.subarray(0, WRAP_IV_BYTES));
    decipher.setAAD(Buffer.from(keyId));
    decipher.setAuthTag(raw.subarray(WRAP_IV_BYTES, WRAP_IV_BYTES + WRAP_TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(WRAP_IV_BYTES + WRAP_TAG_BYTES)), decipher.final()]);
    } catch {
      throw new Error(`Data key ${keyId} does not unwrap: is DATA_KEY_SECRET the one it was written with?`);
    }
  }
}
