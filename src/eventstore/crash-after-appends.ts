import { DelegatingEventStore } from './delegating-event-store.ts';
import type { AppendOptions, AppendResult, EventStore, EventToAppend } from './port.ts';
/**
 * Fault injection for crash tests (FAULT_EXIT_AFTER_APPENDS, refused outside tests by the configuration): the
 * process kills itself right after its `limit`th successful append — a call that committed (a multi-stream call
 * counts once) — so a test can stop a multi-stream command between any two of its appends, as `kill -9` would.
 * Nothing after the commit runs: no answer, no compensation, no clean shutdown.
 */
export class CrashAfterAppends extends DelegatingEventStore {
  private appends = 0;

  constructor(
    inner: EventStore,
    private readonly limit: number,
    private readonly crash: () => void = () => process.kill(process.pid, 'SIGKILL'),
  ) {
    super(inner);
    const many = inner.appendToStreams?.bind(inner);
    if (many) {
      this.appendToStreams = async (appends) => {
        const outcomes = await many(appends);
        if (outcomes.some((outcome) => !(outcome instanceof Error))) this.counted();
        return outcomes;
      };
    }
  }

  override async appendToStream(
    stream: string,
    events: readonly EventToAppend[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    const result = await this.inner.appendToStream(stream, events, options);
    this.counted();
    return result;
  }

  private counted(): void {
    this.appends += 1;
    if (this.appends === this.limit) this.crash();
  }
}
