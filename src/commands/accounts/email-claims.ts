import { emailClaimDecider, type EmailClaimState } from '../../domain/accounts/email-claim.ts';
import type { EmailClaimStreams } from '../../domain/accounts/email.ts';
import type { EmailClaimEvent } from '../../domain/accounts/user-events.ts';
import { fold } from '../../domain/decider.ts';
import type { RecordedEvent } from '../../eventstore/port.ts';
import { asDomainEvent } from '../claim-times.ts';
import type { EventSourcedCommandHandler } from '../event-sourced-command-handler.ts';
import type { CommandContext } from '../metadata.ts';
import { combineWrites, NOTHING_WRITTEN, writeResultOf, type WriteResult } from '../write-result.ts';

/** The stream that holds an address's claim (or would take it), as read. */
export interface LocatedClaim {
  stream: string;
  recorded: RecordedEvent[];
  ownerId: string | null;
  /**
   * Added to the stream's revisions to name a claim (`claimRevision`, see abandoned-email-claims.ts): a keyed
   * stream counts on after its legacy stream's events, so a lapse recorded on one never names a claim on the
   * other, and `reseal-events` (which appends the legacy events before the keyed ones) keeps every name.
   */
  base: number;
}

export interface ClaimTaken {
  write: WriteResult;
  /** The claim's name once it is ours (stream revision + base). */
  revision: number;
}

export type ReleaseReason = 'holder_never_written' | 'holder_uses_another_email' | 'holder_deleted';

/**
 * E-mail uniqueness over two generations of claim stream. New claims go to the keyed stream only. A legacy
 * (sha256-named) claim written before the key still holds its address: while it has a holder, the address is
 * taken, its holder logs in with it, and it is released where it stands. A legacy stream is never claimed again,
 * so it can only go from held to free: a reader that saw it free may rely on that, and no address is held in both
 * generations at once (no duplicate account during the transition). `reseal-events` renames legacy streams.
 */
export class EmailClaims {
  constructor(
    private readonly handler: EventSourcedCommandHandler,
    readonly streams: EmailClaimStreams,
  ) {}

  /** The held legacy claim when there is one, else the keyed stream. */
  async locate(email: string): Promise<LocatedClaim> {
    const legacy = await this.read(this.streams.legacy(email));
    if (legacy.ownerId !== null) return { ...legacy, base: 0 };
    return { ...(await this.read(this.streams.keyed(email))), base: legacy.recorded.length };
  }

  async ownerOf(email: string): Promise<string | null> {
    return (await this.locate(email)).ownerId;
  }

  /** Throws `email_taken` when someone else holds the address (in either generation). */
  async claim(email: string, userId: string, context: CommandContext): Promise<ClaimTaken> {
    const located = await this.locate(email);
    if (located.ownerId !== null && located.stream !== this.streams.keyed(email)) {
      // Decided without appending: it throws for another holder and writes nothing for this one.
      const state: EmailClaimState = { ownerId: located.ownerId };
      emailClaimDecider.decide({ type: 'Claim', userId }, state);
      return { write: NOTHING_WRITTEN, revision: located.base + located.recorded.at(-1)!.revision };
    }
    const result = await this.handler.execute(
      emailClaimDecider,
      this.streams.keyed(email),
      { type: 'Claim', userId },
      context,
    );
    return { write: writeResultOf(result), revision: located.base + result.revision! };
  }

  /** Releases `userId`'s claim on the address in whichever generation it stands (a no-op where they hold none). */
  async release(email: string, userId: string, context: CommandContext, reason?: ReleaseReason): Promise<WriteResult> {
    const command = { type: 'Release' as const, userId, ...(reason ? { reason } : {}) };
    const writes: WriteResult[] = [];
    for (const stream of [this.streams.legacy(email), this.streams.keyed(email)]) {
      writes.push(writeResultOf(await this.handler.execute(emailClaimDecider, stream, command, context)));
    }
    return combineWrites(...writes);
  }

  private async read(stream: string): Promise<Omit<LocatedClaim, 'base'>> {
    const recorded = await this.handler.readStream(stream);
    const state = fold<EmailClaimEvent, EmailClaimState>(
      emailClaimDecider,
      recorded.map(asDomainEvent<EmailClaimEvent>),
    );
    return { stream, recorded, ownerId: state.ownerId };
  }
}
