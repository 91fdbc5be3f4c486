import { Counter, Histogram, type Registry } from 'prom-client';
import type { RemoteCommandState } from '../domain/remote-control/remote-command-state.ts';
import type { RemoteCommandEvent } from '../domain/remote-control/remote-command-events.ts';

const OUTCOME_OF_EVENT: Readonly<Record<string, string>> = {
  RemoteCommandSucceeded: 'succeeded',
  RemoteCommandFailed: 'failed',
  RemoteCommandTimedOut: 'timed_out',
  RemoteCommandExpired: 'expired',
};

/** Seconds from dispatch to the gateway's ack: a LAN device answers in ms, a slow one within its timeout (≤ 60 s). */
const ROUND_TRIP_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Remote commands' outcomes and round trips, counted where the outcome is written: each outcome event is appended
 * by exactly one process, so a cluster's sum counts each command once.
 */
export class CommandMetrics {
  private readonly outcomes: Counter<'outcome'>;
  private readonly roundTrip: Histogram<'outcome'>;

  constructor(registry: Registry) {
    this.outcomes = new Counter({
      name: 'smarthome_remote_command_outcomes_total',
      help: 'Remote commands ended by this process, by outcome (succeeded, failed, timed_out, expired)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    for (const outcome of Object.values(OUTCOME_OF_EVENT)) this.outcomes.inc({ outcome }, 0);
    this.roundTrip = new Histogram({
      name: 'smarthome_remote_command_round_trip_seconds',
      help: "Remote commands from their (last) dispatch to the gateway's ack, by outcome (succeeded, failed)",
      labelNames: ['outcome'],
      buckets: ROUND_TRIP_BUCKETS,
      registers: [registry],
    });
  }

  /** A `LocalOutcomeListener`: the events this process appended to one command, and the command folded. */
  readonly observeLocal = (_commandId: string, events: readonly RemoteCommandEvent[], state: RemoteCommandState) => {
    for (const event of events) {
      const outcome = OUTCOME_OF_EVENT[event.type];
      if (outcome === undefined) continue;
      this.outcomes.inc({ outcome });
      const acked = outcome === 'succeeded' || outcome === 'failed';
      if (acked && state.dispatchedAt !== null && state.completedAt !== null) {
        const seconds = (Date.parse(state.completedAt) - Date.parse(state.dispatchedAt)) / 1000;
        if (Number.isFinite(seconds) && seconds >= 0) this.roundTrip.observe({ outcome }, seconds);
      }
    }
  };
}
