import { concatMap, from, of, tap, type Observable } from 'rxjs';
import { erasedKeyIdsOf } from './erased-key-ids.ts';
import { DelegatingEventStore } from '../delegating-event-store.ts';
import type { EventStore, ReadAllOptions, ReadStreamOptions, RecordedEvent, SubscribeToAllOptions } from '../port.ts';
import type { DataKeys } from './data-key-store.ts';
import { openRecords, openRecordsWith, sealedKeyIds } from './open-sealed.ts';

/**
 * The log as its readers need it: every read (streams, `$all`, subscriptions) with sealed personal values opened
 * (or "[erased]"), the event as stored kept in `sealed` for the audit index. Appends pass through untouched: the
 * writer path seals before it links the hash chain, so the chain covers the ciphertext. The auditors' export and
 * chain verification read the store underneath, never this.
 */
export class OpeningEventStore extends DelegatingEventStore {
  constructor(
    inner: EventStore,
    private readonly keys: DataKeys,
  ) {
    super(inner);
  }

  override async readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.open(await this.inner.readStream(stream, options));
  }

  override async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.open(await this.inner.readAll(options));
  }

  override subscribeToAll(options?: SubscribeToAllOptions): Observable<RecordedEvent> {
    // In order: an event with nothing sealed, or whose keys this process holds (a session's telemetry: its
    // address and user agent, under the gateway's key), passes in its turn without waiting for the key store.
    return this.inner.subscribeToAll(options).pipe(
      concatMap((event) => {
        const ids = sealedKeyIds([event]);
        if (ids.size === 0) return of(event);
        const held = this.keys.heldKeysOf?.(ids);
        if (held !== undefined) return of(this.withOpened([event], openRecordsWith([event], held))[0]!);
        return from(this.open([event]).then((opened) => opened[0]!));
      }),
      tap((event) => this.noteErasures([event])),
    );
  }

  private async open(events: RecordedEvent[]): Promise<RecordedEvent[]> {
    const opened = await openRecords(events, this.keys);
    this.noteErasures(events);
    return this.withOpened(events, opened);
  }

  /** The opened records, each changed one keeping the event as stored in `sealed`. */
  private withOpened(
    events: readonly RecordedEvent[],
    opened: ReadonlyArray<{ record: RecordedEvent; changed: boolean }>,
  ): RecordedEvent[] {
    return opened.map(({ record, changed }, index) => {
      if (!changed) return record;
      const stored = events[index]!;
      return { ...record, sealed: { data: stored.data, metadata: stored.metadata } };
    });
  }

  /**
   * An erasure read from the log ends this process's use of its keys at once, whether or not the key_shredding
   * follower has destroyed them yet (after a crash it has not) and whatever this process cached: the erasure
   * already happened. Events of the same page before it were opened with the keys, as they were when written.
   */
  private noteErasures(events: readonly RecordedEvent[]): void {
    for (const event of events) {
      const keyIds = erasedKeyIdsOf(event);
      if (keyIds.length > 0) this.keys.forgetErased(keyIds);
    }
  }
}
