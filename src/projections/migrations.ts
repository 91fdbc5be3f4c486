import type { Knex } from 'knex';
import { createCheckpointsTable, CHECKPOINTS_TABLE } from './checkpoints.ts';
import { liveTables, type Projection } from './projection.ts';

interface CodeMigration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * Knex migrations from code (no files to glob, so they run the same under tsx, vitest and a bundle, on PGlite and
 * on a Postgres server). Each projection version is one migration: a version bump drops its tables, recreates
 * them and clears its checkpoint, so the runner rebuilds it from the start of the log.
 */
function migrationsFor(projections: readonly Projection[]): CodeMigration[] {
  return [
    {
      name: '0000_projection_checkpoints',
      up: createCheckpointsTable,
      down: (knex) => knex.schema.dropTable(CHECKPOINTS_TABLE),
    },
    ...projections.map((projection) => ({
      name: `${projection.name}_v${projection.version}`,
      async up(knex: Knex) {
        for (const table of [...projection.tables].reverse()) await knex.schema.dropTableIfExists(table);
        await projection.createTables(knex, liveTables);
        await knex(CHECKPOINTS_TABLE).where({ name: projection.name }).delete();
      },
      async down(knex: Knex) {
        for (const table of [...projection.tables].reverse()) await knex.schema.dropTableIfExists(table);
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
    // Migrations are listed by name order: keep them in the order given (checkpoints first).
    sortDirsSeparately: false,
  })) as [number, string[]];
  return applied;
}
