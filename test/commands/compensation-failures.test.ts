import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AccountCommands } from '../../src/commands/accounts/account-commands.ts';
import { EmailClaims } from '../../src/commands/accounts/email-claims.ts';
import { PasswordHasher } from '../../src/commands/accounts/password-hasher.ts';
import { COMPENSATION_FAILURES_METRIC, CompensationFailures } from '../../src/commands/compensation-failures.ts';
import { EventSourcedCommandHandler } from '../../src/commands/event-sourced-command-handler.ts';
import { GatewayCommands } from '../../src/commands/gateways/gateway-commands.ts';
import { SecretDigester } from '../../src/commands/gateways/secret-digester.ts';
import { HomeCommands } from '../../src/commands/homes/home-commands.ts';
import { systemContext } from '../../src/commands/metadata.ts';
import { normaliseEmail } from '../../src/domain/accounts/email.ts';
import { eventCatalogue } from '../../src/domain/catalogue.ts';
import { homeStream } from '../../src/domain/homes/home-events.ts';
import { DelegatingEventStore } from '../../src/eventstore/delegating-event-store.ts';
import type { AppendOptions, AppendResult, EventToAppend } from '../../src/eventstore/port.ts';
import { createLogger } from '../../src/logger.ts';
import { useEventStore } from '../support/event-store-fixture.ts';
import { SPEC_CLAIM_STREAMS } from '../support/handler-spec.ts';

/** A store whose appends to some streams fail: the n-th append (1-based) to a stream with a given prefix and later. */
class FailingAppends extends DelegatingEventStore {
  private readonly seen = new Map<string, number>();
  constructor(
    inner: ConstructorParameters<typeof DelegatingEventStore>[0],
    private readonly failFrom: Record<string, number>,
  ) {
    super(inner);
    // One stream at a time, so that every append passes through `appendToStream` below.
    delete this.appendToStreams;
  }
  override appendToStream(
    stream: string,
    events: readonly EventToAppend[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    const prefix = Object.keys(this.failFrom).find((candidate) => stream.startsWith(candidate));
    if (prefix !== undefined) {
      const count = (this.seen.get(prefix) ?? 0) + 1;
      this.seen.set(prefix, count);
      if (count >= this.failFrom[prefix]!) return Promise.reject(new Error(`store refused the append to ${prefix}…`));
    }
    return super.appendToStream(stream, events, options);
  }
}

/** Log lines as parsed JSON. */
function captureLog() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger('info', {}, destination) };
}

const context = () => systemContext('test', { nodeId: 'test' });
const grace = { graceMs: 60_000, clock: () => new Date() };

describe('a failing compensation is logged and counted (pglite)', () => {
  const fixture = useEventStore('pglite');

  it('a registration whose user write fails and whose e-mail release fails too logs the claim stream and counts it', async () => {
    const store = new FailingAppends(fixture.store, { 'user-': 1, 'email-': 2 });
    const { lines, logger } = captureLog();
    const failures = new CompensationFailures(logger);
    const handler = new EventSourcedCommandHandler(store, eventCatalogue);
    const accounts = new AccountCommands(
      handler,
      new PasswordHasher(4),
      grace,
      failures,
      new EmailClaims(handler, SPEC_CLAIM_STREAMS),
    );
    const email = 'Blocked@Example.com';

    // The client sees the error that made the compensation necessary, not the compensation's own.
    await expect(
      accounts.register({ email: normaliseEmail(email), password: 'correct horse battery', name: 'Ann' }, context()),
    ).rejects.toThrow('store refused the append to user-…');
    expect(await failures.count('release_email_claim')).toBe(1);
    const failure = lines.find((line) => line['compensation'] === 'release_email_claim');
    expect(failure).toMatchObject({
      level: 50,
      stream: SPEC_CLAIM_STREAMS.keyed(normaliseEmail(email)),
      msg: 'compensation failed: the e-mail address stays claimed',
    });
    expect(JSON.stringify(failure)).toContain('store refused the append to email-…');
    expect(await failures.registry.getSingleMetricAsString(COMPENSATION_FAILURES_METRIC)).toContain(
      'compensation="release_email_claim"} 1',
    );
  });

  it('a provisioning whose gateway write fails and whose slot release fails too logs the home stream and counts it', async () => {
    const store = new FailingAppends(fixture.store, { 'gateway-': 1, 'home-': 2 });
    const { lines, logger } = captureLog();
    const failures = new CompensationFailures(logger);
    const handler = new EventSourcedCommandHandler(store, eventCatalogue);
    const digester = SecretDigester.fromConfig('k'.repeat(32), 'k'.repeat(32));
    const gateways = new GatewayCommands(handler, new HomeCommands(handler), digester, grace, failures);
    const homeId = crypto.randomUUID();

    await expect(
      gateways.provision({ actorId: crypto.randomUUID(), homeId, via: 'provision' }, context()),
    ).rejects.toThrow('store refused the append to gateway-…');
    expect(await failures.count('free_gateway_slot')).toBe(1);
    expect(lines.find((line) => line['compensation'] === 'free_gateway_slot')).toMatchObject({
      level: 50,
      stream: homeStream(homeId),
    });
  });

  it('a compensation that succeeds is neither logged nor counted', async () => {
    const store = new FailingAppends(fixture.store, { 'user-': 1 });
    const { lines, logger } = captureLog();
    const failures = new CompensationFailures(logger);
    const handler = new EventSourcedCommandHandler(store, eventCatalogue);
    const accounts = new AccountCommands(
      handler,
      new PasswordHasher(4),
      grace,
      failures,
      new EmailClaims(handler, SPEC_CLAIM_STREAMS),
    );
    await expect(
      accounts.register({ email: 'free@example.com', password: 'correct horse battery', name: 'Bo' }, context()),
    ).rejects.toThrow();
    expect(await failures.count('release_email_claim')).toBe(0);
    expect(lines.filter((line) => line['compensation'] !== undefined)).toEqual([]);
  });
});
