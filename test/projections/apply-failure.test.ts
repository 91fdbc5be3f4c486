import { describe, expect, it } from 'vitest';
import { describeApplyFailure, isEnvironmentFailure } from '../../src/projections/apply-failure.ts';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('why applying an event failed', () => {
  it('an outage, a conflict or a schema problem is never blamed on the event (no dead letter for a database error)', () => {
    for (const error of [
      withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      withCode('could not serialize access due to concurrent update', '40001'),
      withCode('deadlock detected', '40P01'),
      withCode('terminating connection due to administrator command', '57P01'),
      withCode('could not extend file: No space left on device', '53100'),
      withCode('cannot execute INSERT in a read-only transaction', '25006'),
      withCode('relation "audit_index" does not exist', '42P01'),
      Object.assign(new Error('Knex: Timeout acquiring a connection. The pool is probably full.'), {
        name: 'KnexTimeoutError',
      }),
      new Error('Connection terminated unexpectedly'),
    ]) {
      expect(isEnvironmentFailure(error), error.message).toBe(true);
    }
  });

  it("a failure caused by the event's data is one (stack overflow, bad value, constraint, handler bug)", () => {
    for (const error of [
      new RangeError('Maximum call stack size exceeded'),
      new TypeError("Cannot read properties of undefined (reading 'device_id')"),
      withCode('invalid input syntax for type uuid: "not-a-uuid"', '22P02'),
      withCode('new row violates check constraint', '23514'),
      withCode('stack depth limit exceeded', '54001'),
    ]) {
      expect(isEnvironmentFailure(error), error.message).toBe(false);
    }
  });

  it('describes a database error without the SQL text and bindings knex puts in front of its message', () => {
    const error = withCode(
      'insert into "audit_index" ("data") values ($1) - invalid input syntax for type uuid: "x"',
      '22P02',
    );
    expect(describeApplyFailure(error)).toBe('Error 22P02: invalid input syntax for type uuid: "x"');
    expect(describeApplyFailure(new RangeError('Maximum call stack size exceeded'))).toBe(
      'RangeError: Maximum call stack size exceeded',
    );
    expect(describeApplyFailure(new Error('x'.repeat(2000))).length).toBeLessThanOrEqual(501);
  });
});
