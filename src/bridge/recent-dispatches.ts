import { LRUCache } from 'lru-cache';
import type { KnownCommand } from '../commands/remote-control/remote-commands.ts';

/** Enough for every command in flight on one node; past it the oldest is forgotten (a read then replaces it). */
const DEFAULT_CAPACITY = 10_000;

/**
 * The commands this process sent lately, as it wrote them (state, revision, last hash). It spares two reads:
 * the follower, seeing the `RemoteCommandIssued` of a command this process already dispatched, skips it instead of
 * failing on the revision; and the gateway's ack is decided on this view instead of a fresh read of the stream
 * (a stale view only costs that read: the append's expected revision refuses it). Entries stay after the ack
 * (the follower may see the command's `RemoteCommandIssued` only then); bounded, oldest out first.
 */
export class RecentDispatches {
  private readonly byId: LRUCache<string, KnownCommand>;

  constructor(capacity = DEFAULT_CAPACITY) {
    this.byId = new LRUCache({ max: capacity });
  }

  remember(known: KnownCommand): void {
    const id = known.state.commandId!;
    this.byId.set(id, known);
  }

  /** True when this process already wrote past `known` (it is stale by our own knowledge). */
  isBehind(known: KnownCommand): boolean {
    const remembered = this.byId.peek(known.state.commandId!);
    return remembered !== undefined && remembered.revision > known.revision;
  }

  /** The view this process last wrote of a command, if it still remembers one. */
  lastView(commandId: string): KnownCommand | undefined {
    return this.byId.peek(commandId);
  }
}
