import { fold, type Decider, type DomainEvent } from '../../src/domain/decider.ts';
import { DomainError } from '../../src/domain/errors.ts';

/** given events, when command, then events (or the error it throws). */
export function given<C, E extends DomainEvent, S>(decider: Decider<C, E, S>, events: E[]) {
  return { when: (command: C) => decider.decide(command, fold(decider, events)) };
}

/** The DomainError `fn` throws; fails the test when it throws nothing (or something else). */
export function errorOf(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}
