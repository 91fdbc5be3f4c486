import { Counter, Registry } from 'prom-client';
import type { Logger } from '../logger.ts';

/**
 * The compensations that undo a half-done multi-stream write, and what stays blocked when one fails (until the
 * abandoned-claim clean-up frees it after the grace period, DESIGN.md rule 9).
 */
const BLOCKED_BY: Record<Compensation, string> = {
  release_email_claim: 'the e-mail address stays claimed',
  free_gateway_slot: "the home's gateway slot stays taken",
  return_pairing_code: 'the pairing code stays spent',
};

export type Compensation = 'release_email_claim' | 'free_gateway_slot' | 'return_pairing_code';

export const COMPENSATION_FAILURES_METRIC = 'smarthome_compensation_failures_total';

/**
 * Where failed compensations show: each one is logged (error level, with its stream and what stays blocked) and
 * counted in a prom-client counter labelled by compensation. The counter lives in `registry` (its own by default),
 * so the app can expose it (e.g. `/metrics`) without a global registry.
 */
export class CompensationFailures {
  private readonly counter: Counter<'compensation'>;

  constructor(
    private readonly logger: Logger,
    readonly registry: Registry = new Registry(),
  ) {
    this.counter = new Counter({
      name: COMPENSATION_FAILURES_METRIC,
      help: 'Compensations (undoing a half-done write) that failed; what they should have freed stays blocked until the clean-up',
      labelNames: ['compensation'],
      registers: [registry],
    });
  }

  /**
   * Runs `undo`. Its failure is recorded here and not thrown: the caller is already failing with the error that
   * made the compensation necessary, and that one is what its client must see.
   */
  async attempt(compensation: Compensation, stream: string, undo: () => Promise<unknown>): Promise<void> {
    try {
      await undo();
    } catch (error) {
      this.counter.inc({ compensation });
      this.logger.error({ err: error, compensation, stream }, `compensation failed: ${BLOCKED_BY[compensation]}`);
    }
  }

  /** How many of this compensation failed in this process. */
  async count(compensation: Compensation): Promise<number> {
    const metric = await this.counter.get();
    return metric.values.find((value) => value.labels.compensation === compensation)?.value ?? 0;
  }
}
