import pg from 'pg';

/** Key of the advisory lock the gate holds while it is closed (any constant no other code uses). */
const GATE_KEY = 7_319_901;

/**
 * Stops statements that read `$all` on a Postgres server right after they took their snapshot and before they
 * compute their read horizon (`es_read_horizon` in src/eventstore/postgres/schema.ts): what a statement meets when
 * the server descheduled it there, under load. Installed into one scratch database, after the event store created
 * its schema (opening the store again would put the real function back). `close(text)` makes the next statements
 * whose SQL contains `text` wait; `paused(n)` resolves once n of them wait; `open()` lets them go.
 */
export class ReadHorizonGate {
  private constructor(private readonly holder: pg.Client) {}

  static async install(url: string): Promise<ReadHorizonGate> {
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    await holder.query('create table es_test_horizon_gate (statement_text text not null)');
    await holder.query('alter function es_read_horizon(pg_snapshot) rename to es_read_horizon_ungated');
    // The snapshot is an argument: taken when the statement started, before the wait.
    await holder.query(`
      create function es_read_horizon(p_snapshot pg_snapshot) returns xid8 language plpgsql as $$
      begin
        if exists (select 1 from es_test_horizon_gate where strpos(current_query(), statement_text) > 0) then
          perform pg_advisory_xact_lock_shared(${GATE_KEY});
        end if;
        return es_read_horizon_ungated(p_snapshot);
      end
      $$`);
    return new ReadHorizonGate(holder);
  }

  /** The next statements whose SQL contains `statementText` wait in their horizon until `open()`. */
  async close(statementText: string): Promise<void> {
    await this.holder.query('select pg_advisory_lock($1)', [GATE_KEY]);
    await this.holder.query('insert into es_test_horizon_gate (statement_text) values ($1)', [statementText]);
  }

  /**
   * Resolves once `count` statements wait at the gate (polls the server's lock table: a statement waiting there
   * cannot announce itself).
   */
  async paused(count = 1): Promise<void> {
    for (;;) {
      const { rows } = await this.holder.query<{ waiting: number }>(
        `select count(*)::int as waiting from pg_locks where locktype = 'advisory' and objid = $1 and not granted`,
        [GATE_KEY],
      );
      if (rows[0]!.waiting >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Lets the waiting statements go on; later ones pass. */
  async open(): Promise<void> {
    await this.holder.query('delete from es_test_horizon_gate');
    await this.holder.query('select pg_advisory_unlock($1)', [GATE_KEY]);
  }

  async uninstall(): Promise<void> {
    await this.holder.end();
  }
}
