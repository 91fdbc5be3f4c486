import { expect } from 'vitest';
import { fold, type Decider, type DomainEvent } from '../../src/domain/decider.ts';
import { DomainError, type DomainErrorKind } from '../../src/domain/errors.ts';

/**
 * The one way decider tests are written: given the events already in the stream, when the command is decided,
 * then these events are recorded (or this error is thrown).
 *
 *   const { given } = deciderSpec(userDecider);
 *   given([registered]).when(register).thenThrows('user_exists');
 *   given([]).when(register).then([registered]);
 *
 * `then` returns the recorded events so a spec can carry them into the next `given`. Do not `await` or return a
 * `when(...)` result from a test: it has a `then` and would be taken for a promise.
 */
export interface DeciderSpec<C, E extends DomainEvent, S> {
  given(events: readonly E[]): { when(command: C): Outcome<E> };
  /** The state the events fold to, for the few queries a decider's module exports beside `decide`. */
  stateOf(events: readonly E[]): S;
  /** The events these commands record one after the other, from an empty stream (a refusal fails the test). */
  historyOf(...commands: C[]): E[];
}

export interface Outcome<E extends DomainEvent> {
  /** Exactly these events are recorded ([] = the command changes nothing). Returns them. */
  then(expected: readonly E[]): E[];
  /** Events of these types, in this order, are recorded. Returns them for closer looks. */
  thenTypes(expected: readonly E['type'][]): E[];
  /** The command is refused with this code (and kind, when given). Returns the error for its details. */
  thenThrows(code: string, kind?: DomainErrorKind): DomainError;
}

export function deciderSpec<C, E extends DomainEvent, S>(decider: Decider<C, E, S>): DeciderSpec<C, E, S> {
  const stateOf = (events: readonly E[]) => fold(decider, events);
  const given = (events: readonly E[]) => ({
    when: (command: C) => outcomeOf(() => decider.decide(command, stateOf(events))),
  });
  const historyOf = (...commands: C[]) =>
    commands.reduce<E[]>((events, command) => [...events, ...decider.decide(command, stateOf(events))], []);
  return { given, stateOf, historyOf };
}

/** The string a table of expectations reads best in: the recorded types joined ('nothing' for none), or kind:code. */
export function summary<E extends DomainEvent>(outcome: Outcome<E>): string {
  const settled = (outcome as OutcomeWithResult<E>).settled;
  if (settled instanceof DomainError) return `${settled.kind}:${settled.code}`;
  return settled.map((event) => event.type).join(',') || 'nothing';
}

interface OutcomeWithResult<E extends DomainEvent> extends Outcome<E> {
  readonly settled: E[] | DomainError;
}

function outcomeOf<E extends DomainEvent>(decide: () => E[]): Outcome<E> {
  const settled = settle(decide);
  const recorded = (): E[] => {
    if (settled instanceof DomainError) {
      expect.fail(
        `expected events, but the command was refused with ${settled.kind}:${settled.code} (${settled.message})`,
      );
    }
    return settled;
  };
  const outcome: OutcomeWithResult<E> = {
    settled,
    then(expected) {
      const events = recorded();
      expect(events).toEqual(expected);
      return events;
    },
    thenTypes(expected) {
      const events = recorded();
      expect(events.map((event) => event.type)).toEqual(expected);
      return events;
    },
    thenThrows(code, kind) {
      if (!(settled instanceof DomainError)) {
        expect.fail(
          `expected the error ${code}, but the command recorded [${settled.map((event) => event.type).join(', ')}]`,
        );
      }
      expect(settled.code).toBe(code);
      if (kind !== undefined) expect(settled.kind).toBe(kind);
      return settled;
    },
  };
  return outcome;
}

function settle<E>(decide: () => E[]): E[] | DomainError {
  try {
    return decide();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
}
