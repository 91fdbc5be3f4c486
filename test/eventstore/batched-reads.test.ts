import { describe, expect, it } from 'vitest';
import { BatchedReads } from '../../src/eventstore/personal-data/batched-reads.ts';

/** A table of rows the test answers by hand, one `where id in (…)` at a time. */
function manualTable(rows: Record<string, string>) {
  const statements: Array<{ ids: readonly string[]; answer: (fail?: Error) => void }> = [];
  const readMany = (ids: readonly string[]) =>
    new Promise<ReadonlyMap<string, string>>((resolve, reject) => {
      statements.push({
        ids,
        answer: (fail) =>
          fail ? reject(fail) : resolve(new Map(ids.filter((id) => id in rows).map((id) => [id, rows[id]!]))),
      });
    });
  return { statements, readMany };
}
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('BatchedReads', () => {
  it('gives every caller its own row (or none); reads asked for during a read go together in the next', async () => {
    const table = manualTable({ a: 'row a', b: 'row b', c: 'row c' });
    const reads = new BatchedReads(table.readMany);
    const first = reads.read('a');
    const during = [reads.read('b'), reads.read('missing'), reads.read('c'), reads.read('b')];
    expect(table.statements.map((s) => s.ids)).toEqual([['a']]);
    table.statements[0]!.answer();
    expect(await first).toBe('row a');
    await flush();
    expect(table.statements[1]!.ids).toEqual(['b', 'missing', 'c']);
    table.statements[1]!.answer();
    expect(await Promise.all(during)).toEqual(['row b', undefined, 'row c', 'row b']);
  });

  it('a failed read fails only the callers it was for; the next read goes', async () => {
    const table = manualTable({ a: 'row a' });
    const reads = new BatchedReads(table.readMany);
    const failing = reads.read('a');
    table.statements[0]!.answer(new Error('connection reset'));
    await expect(failing).rejects.toThrow('connection reset');
    const next = reads.read('a');
    await flush();
    table.statements[1]!.answer();
    expect(await next).toBe('row a');
  });

  it('a reconnect storm is read in statements of bounded size (PostgreSQL takes at most 65,535 parameters)', async () => {
    const ids = Array.from({ length: 70_000 }, (_, index) => `key-${index}`);
    const table = manualTable(Object.fromEntries(ids.map((id) => [id, `row ${id}`])));
    const reads = new BatchedReads(table.readMany);
    let settled = false;
    const answers = Promise.all(ids.map((id) => reads.read(id))).finally(() => (settled = true));
    for (let answered = 0; !settled; await flush()) {
      while (answered < table.statements.length) table.statements[answered++]!.answer();
    }
    expect(await answers).toEqual(ids.map((id) => `row ${id}`));
    expect(Math.max(...table.statements.map((statement) => statement.ids.length))).toBeLessThanOrEqual(1000);
  });
});
