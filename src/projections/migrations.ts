import type { Knex } from 'knex';
import { createCheckpointsTable, CHECKPOINTS_TABLE, readCheckpoint, replaceCheckpoint } from './checkpoints.ts';
import { liveTables, type Projection } from './projection.ts';
import { dropTables } from './projection-tables.ts';
import { clearRejections, createRejectedEventsTable, REJECTED_EVENTS_TABLE } from './rejected-events.ts';
import { createNodeLeasesTable, NODE_LEASES_TABLE } from './queries/node-leases.ts';

interface CodeMigration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * Knex migrations from code (no files to glob, so they run the same under tsx, vitest and a bundle, on PGlite and
 * on a Postgres server). Each projection has one migration that creates its tables the first time (with a
 * checkpoint row recording the handler's version). A later version bump is NOT a migration: the checkpoint row
 * still names the old version, so `serve` refuses the stale tables until `projections rebuild` (blue/green) or
 * AUTO_REBUILD=1 replaces them (see ProjectionSet.ensureCurrent).
 */
function migrationsFor(projections: readonly Projection[]): CodeMigration[] {
  return [
    {
      name: '0000_projection_checkpoints',
      up: createCheckpointsTable,
      down: (knex) => knex.schema.dropTable(CHECKPOINTS_TABLE),
    },
    {
      name: '0001_projection_rejected_events',
      up: createRejectedEventsTable,
      down: (knex) => knex.schema.dropTable(REJECTED_EVENTS_TABLE),
    },
    // Node liveness (bridge leases): beside the read models because every node shares this database.
    {
      name: '0002_bridge_node_leases',
      up: createNodeLeasesTable,
      down: (knex) => knex.schema.dropTable(NODE_LEASES_TABLE),
    },
    ...projections.map((projection) => ({
      name: `projection_${projection.name}`,
      async up(knex: Knex) {
        // One after another: the migration runs in a transaction, and pg refuses concurrent queries on one client.
        const present: boolean[] = [];
        for (const table of projection.tables) present.push(await knex.schema.hasTable(table));
        if (!present.every(Boolean)) {
          await dropTables(knex, projection, liveTables);
          await projection.createTables(knex, liveTables);
          await replaceCheckpoint(knex, projection.name, projection.version, null, 0);
          await clearRejections(knex, projection.name);
        } else if (!(await readCheckpoint(knex, projection.name))) {
          // Tables from the earlier per-version migrations that never applied a page: empty, current.
          await replaceCheckpoint(knex, projection.name, projection.version, null, 0);
        }
      },
      async down(knex: Knex) {
        await dropTables(knex, projection, liveTables);
        await knex(CHECKPOINTS_TABLE).where({ name: projection.name }).delete();
        await clearRejections(knex, projection.name);
      },
    })),
  ];
}

class CodeMigrationSource implements Knex.MigrationSource<CodeMigration> {
  constructor(private readonly migrations: CodeMigration[]) {}
  async getMigrations() {
    return this.migrations;
  }
  getMigrationName(migration: CodeMigration) {
    return migration.name;
  }
  async getMigration(migration: CodeMigration) {
    return migration;
  }
}

export async function migrateReadModels(knex: Knex, projections: readonly Projection[]): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest({
    migrationSource: new CodeMigrationSource(migrationsFor(projections)),
    tableName: 'read_model_migrations',
    // Databases migrated by the earlier per-version scheme (`users_v1`) carry names this list no longer has.
    disableMigrationsListValidation: true,
  })) as [number, string[]];
  return applied;
}
