import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { Subject, filter, map, merge, share, type Observable } from 'rxjs';
import type { AppendSignal } from '../append-signal.ts';
import { encodePosition, maxPosition } from '../position.ts';
import type { EventStoreKind, EventToAppend, Position } from '../port.ts';
import { appendNotificationPayload, parseAppendNotification } from './append-notification.ts';
import type { NotificationListener } from './notification-listener.ts';

export const APPEND_NOTIFY_CHANNEL = 'es_appended';

/** What one committed append wrote, as far as subscribers need to know. */
export interface CommittedAppend {
  stream: string;
  events: readonly EventToAppend[];
  /** The appending transaction's id: the lowest position any of its events can have. */
  txid: string;
}

/**
 * Tells subscribers that events were appended: this process's at once, other processes' through NOTIFY (on a
 * Postgres server with a listener). `appends` carries both, each saying what it wrote as far as known.
 */
export class AppendAnnouncer {
  private readonly localAppends = new Subject<AppendSignal>();
  /** Appends of this process and (with a listener) of the others. */
  readonly appends: Observable<AppendSignal>;
  /** Names this store in its NOTIFY payloads, so it can ignore its own (its subscribers were woken locally). */
  private readonly senderId = randomUUID();
  private notifying: Promise<void> | null = null;
  private nextNotification: Promise<void> | null = null;
  /** Event types (and positions) appended since the notification in flight started: the next one announces them. */
  private unannounced = new Map<string, Position>();
  private closed = false;

  constructor(
    private readonly knex: Knex,
    private readonly kind: Extract<EventStoreKind, 'pglite' | 'postgres'>,
    private readonly listener: NotificationListener | undefined,
  ) {
    const remoteAppends = listener?.notifications(APPEND_NOTIFY_CHANNEL).pipe(
      map(parseAppendNotification),
      filter(({ from }) => from !== this.senderId),
      map(({ signal }) => signal),
      share(), // parsed once, however many subscriptions there are
    );
    this.appends = remoteAppends ? merge(this.localAppends, remoteAppends) : this.localAppends;
  }

  /**
   * Wakes this process's subscribers at once, and other processes' after the commit (see notifyOtherProcesses).
   * The returned promise (it never rejects) settles once the NOTIFY is sent; appenders do not wait for it.
   */
  announce(appends: readonly CommittedAppend[]): Promise<void> {
    const all: Record<string, Position> = {};
    for (const { stream, events, txid } of appends) {
      const lowest = encodePosition(txid, 0);
      const types = Object.fromEntries(events.map((event) => [event.type, lowest]));
      Object.assign(all, types);
      this.localAppends.next({ types, streamName: stream });
    }
    return this.notifyOtherProcesses(all);
  }

  /** Waits for the notifications in flight, then stops announcing. */
  async close(): Promise<void> {
    await this.nextNotification;
    await this.notifying;
    this.closed = true;
    this.localAppends.complete();
    await this.listener?.close();
  }

  /**
   * Wakes other processes' subscribers (LISTEN) after the append committed. Not inside the append: a transaction
   * that NOTIFYs holds a global lock through its commit, which serialises every appending transaction (no group
   * commit). Coalesced: while one notification is in flight, every append that committed meanwhile shares the
   * next one. The append does not wait for it (issue 16: it was a second round trip on every append's path, and
   * held the group commit's batch slot): the NOTIFY's own transaction never holds the append lock, so
   * es_read_horizon ignores it while it runs, and once it has finished it can only hold back events appended after
   * it started — never the events it announces, which committed before it began. `close()` still waits for the
   * notifications in flight. `synchronous_commit` is off for the notification's own commit: a lost wake-up only
   * delays subscribers until their poll. The payload names the event types of every append it covers
   * (append-notification.ts).
   */
  private notifyOtherProcesses(types: Readonly<Record<string, Position>>): Promise<void> {
    if (this.kind !== 'postgres' || this.closed) return Promise.resolve();
    for (const [type, position] of Object.entries(types))
      this.unannounced.set(type, maxPosition(this.unannounced.get(type) ?? null, position)!);
    if (this.notifying === null) {
      const payload = appendNotificationPayload(this.senderId, this.unannounced);
      this.unannounced = new Map();
      this.notifying = this.knex
        .raw("select set_config('synchronous_commit', 'off', true), pg_notify(?, ?)", [APPEND_NOTIFY_CHANNEL, payload])
        .then(
          () => {},
          () => {}, // subscribers still poll
        )
        .finally(() => {
          this.notifying = null;
        });
      return this.notifying;
    }
    // The one in flight may have started before our commit: ride on the next one.
    this.nextNotification ??= this.notifying.then(() => {
      this.nextNotification = null;
      return this.notifyOtherProcesses({});
    });
    return this.nextNotification;
  }
}
