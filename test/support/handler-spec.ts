import { randomBytes, randomUUID } from 'node:crypto';
import { beforeEach, expect } from 'vitest';
import { AccountCommands } from '../../src/commands/accounts/account-commands.ts';
import { EmailClaims } from '../../src/commands/accounts/email-claims.ts';
import { EmailClaimStreams } from '../../src/domain/accounts/email.ts';
import { PasswordHasher } from '../../src/commands/accounts/password-hasher.ts';
import { CompensationFailures } from '../../src/commands/compensation-failures.ts';
import { EventSourcedCommandHandler } from '../../src/commands/event-sourced-command-handler.ts';
import { GatewayCommands } from '../../src/commands/gateways/gateway-commands.ts';
import { PairingCommands } from '../../src/commands/gateways/pairing-commands.ts';
import { SecretDigester } from '../../src/commands/gateways/secret-digester.ts';
import { HomeCommands } from '../../src/commands/homes/home-commands.ts';
import type { CommandContext } from '../../src/commands/metadata.ts';
import { eventCatalogue } from '../../src/domain/catalogue.ts';
import type { DomainEvent } from '../../src/domain/decider.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { createLogger } from '../../src/logger.ts';
import type { JsonObject } from '../../src/eventstore/port.ts';
import { useEventStore } from './event-store-fixture.ts';

/** A new event as a handler spec looks at it: where it went, its type, its data. */
export interface WrittenEvent {
  stream: string;
  type: string;
  data: JsonObject;
}

export const SPEC_NOW = new Date('2030-01-01T00:00:00.000Z');
/** The claim-stream names the use cases get here (keyed by a fixed secret). */
export const SPEC_CLAIM_STREAMS = EmailClaimStreams.fromSecret('handler-spec-data-key-secret-0123456789abcdef');

/** The abandoned-claim grace the use cases get here. */
export const SPEC_GRACE_MS = 30_000;
export const PAIRING_TTL_MS = 600_000;

/**
 * Handler specs for the use-case classes over a real event store (PGlite, or the Postgres server): given events
 * in the store, when a use case runs, then the new events in the streams, or the error. The use cases are built
 * as the app builds them (one command handler, one clock) and used through their public methods only.
 */
export function useHandlerSpec(target: 'pglite' | 'postgres') {
  const fixture = useEventStore(target);
  let now = SPEC_NOW;
  const clock = () => now;
  beforeEach(() => {
    now = SPEC_NOW;
  });
  let built: ReturnType<typeof build> | null = null;

  function build() {
    const handler = new EventSourcedCommandHandler(fixture.store, eventCatalogue);
    const digester = new SecretDigester(randomBytes(32));
    const grace = { graceMs: SPEC_GRACE_MS, clock };
    const compensations = new CompensationFailures(createLogger('silent'));
    const homes = new HomeCommands(handler);
    const gateways = new GatewayCommands(handler, homes, digester, grace, compensations);
    return {
      accounts: new AccountCommands(
        handler,
        new PasswordHasher(4),
        grace,
        compensations,
        new EmailClaims(handler, SPEC_CLAIM_STREAMS),
        'strict',
      ),
      homes,
      gateways,
      pairing: new PairingCommands(handler, homes, gateways, digester, { ttlMs: PAIRING_TTL_MS, clock }, compensations),
      digester,
    };
  }

  async function newEventsAfter(head: string | null): Promise<WrittenEvent[]> {
    const events = await fixture.store.readAll({ after: head, maxCount: 1000 });
    return events.map((event) => ({ stream: event.streamName, type: event.type, data: event.data }));
  }

  return {
    get useCases() {
      return (built ??= build());
    },
    get store() {
      return fixture.store;
    },
    /** Moves the clock the use cases read (grace periods, pairing expiry); each test starts at SPEC_NOW again. */
    setClock(at: Date) {
      now = at;
    },
    /** Who acts, and when (the time written on the events: what grace periods are measured from). */
    contextOf(userId: string | null, at: Date = now): CommandContext {
      const id = randomUUID();
      return {
        actor: { kind: userId === null ? 'anonymous' : 'user', id: userId },
        correlationId: id,
        causationId: id,
        now: at,
      };
    },
    /** Events already in a stream, written as a writer at `at` would have (its clock on each event). */
    async given(stream: string, events: readonly DomainEvent[], at: Date = now): Promise<void> {
      await fixture.store.appendToStream(
        stream,
        events.map((event) => ({
          id: randomUUID(),
          type: event.type,
          data: event.data as JsonObject,
          metadata: { occurred_at: at.toISOString() },
        })),
        { expectedRevision: 'any' },
      );
    },
    /** Runs the use case; its answer and the events it wrote, in the order of the log. */
    async when<T>(act: () => Promise<T>): Promise<{ answer: T; events: WrittenEvent[] }> {
      const head = await fixture.store.headPosition();
      const answer = await act();
      return { answer, events: await newEventsAfter(head) };
    },
    /** Runs a use case that must be refused: the error (code checked), and the events written anyway. */
    async whenRefused(
      act: () => Promise<unknown>,
      code: string,
    ): Promise<{ error: DomainError; events: WrittenEvent[] }> {
      const head = await fixture.store.headPosition();
      const error = await act().then(
        () => expect.fail(`expected the use case to be refused with ${code}`),
        (caught: unknown) => caught,
      );
      if (!(error instanceof DomainError)) throw error;
      expect(error.code).toBe(code);
      return { error, events: await newEventsAfter(head) };
    },
  };
}

/** [stream, type] of each event: the shape most handler specs assert first. */
export const streamsAndTypes = (events: readonly WrittenEvent[]) => events.map((event) => [event.stream, event.type]);
