import type { Observable } from 'rxjs';
import type {
  AppendOptions,
  AppendResult,
  CountEventsOptions,
  EventStore,
  EventToAppend,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  StreamAppendOutcome,
  SubscribeToAllOptions,
} from './port.ts';

/**
 * Fault injection for crash tests (FAULT_EXIT_AFTER_APPENDS, refused outside tests by the configuration): the
 * process kills itself right after its `limit`th successful append — a call that committed (a multi-stream call
 * counts once) — so a test can stop a multi-stream command between any two of its appends, as `kill -9` would.
 * Nothing after the commit runs: no answer, no compensation, no clean shutdown.
 */
export class CrashAfterAppends implements EventStore {
  private appends = 0;
  readonly appendToStreams?: (appends: readonly StreamAppend[]) => Promise<StreamAppendOutcome[]>;
  readonly countEvents?: (options: CountEventsOptions) => Promise<number>;

  constructor(
    private readonly inner: EventStore,
    private readonly limit: number,
    private readonly crash: () => void = () => process.kill(process.pid, 'SIGKILL'),
  ) {
    const count = inner.countEvents?.bind(inner);
    if (count) this.countEvents = count;
    const many = inner.appendToStreams?.bind(inner);
    if (many) {
      this.appendToStreams = async (appends) => {
        const outcomes = await many(appends);
        if (outcomes.some((outcome) => !(outcome instanceof Error))) this.counted();
        return outcomes;
      };
    }
  }

  get kind() {
    return this.inner.kind;
  }

  async appendToStream(stream: string, events: readonly EventToAppend[], options: AppendOptions): Promise<AppendResult> {
    const result = await this.inner.appendToStream(stream, events, options);
    this.counted();
    return result;
  }

  private counted(): void {
    this.appends += 1;
    if (this.appends === this.limit) this.crash();
  }

  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.inner.readStream(stream, options);
  }

  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.inner.readAll(options);
  }

  headPosition(): Promise<Position | null> {
    return this.inner.headPosition();
  }

  subscribeToAll(options?: SubscribeToAllOptions): Observable<RecordedEvent> {
    return this.inner.subscribeToAll(options);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
