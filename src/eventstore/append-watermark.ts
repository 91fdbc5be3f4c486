import { DelegatingEventStore } from './delegating-event-store.ts';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  EventToAppend,
  Position,
  StreamAppend,
  StreamAppendOutcome,
} from './port.ts';
import { maxPosition } from './position.ts';

/**
 * An event store that remembers where this process last appended an event of the watched types: the newest write a
 * reader in this process may expect to see, known without asking the store. Appends that failed are not counted.
 */
export class AppendWatermark extends DelegatingEventStore {
  private readonly watched: ReadonlySet<string>;
  private latestPosition: Position | null = null;

  constructor(inner: EventStore, watchedTypes: readonly string[]) {
    super(inner);
    this.watched = new Set(watchedTypes);
    const appendToStreams = this.appendToStreams;
    if (appendToStreams) {
      this.appendToStreams = async (appends: readonly StreamAppend[]) => {
        const outcomes = await appendToStreams(appends);
        this.noteOutcomes(appends, outcomes);
        return outcomes;
      };
    }
  }

  /** The position of the newest watched event this process appended (null: none since it started). */
  get latest(): Position | null {
    return this.latestPosition;
  }

  override async appendToStream(
    stream: string,
    events: readonly EventToAppend[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    const result = await super.appendToStream(stream, events, options);
    if (this.carriesWatched(events)) this.note(result.position);
    return result;
  }

  private noteOutcomes(appends: readonly StreamAppend[], outcomes: readonly StreamAppendOutcome[]): void {
    appends.forEach((append, index) => {
      const outcome = outcomes[index];
      if (outcome && !(outcome instanceof Error) && this.carriesWatched(append.events)) this.note(outcome.position);
    });
  }

  private carriesWatched(events: readonly EventToAppend[]): boolean {
    return events.some((event) => this.watched.has(event.type));
  }

  private note(position: Position): void {
    this.latestPosition = maxPosition(this.latestPosition, position);
  }
}
