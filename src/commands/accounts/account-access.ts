import { follow, type Following } from '../../eventstore/follow.ts';
import type { EventStore, Position } from '../../eventstore/port.ts';
import type { Logger } from '../../logger.ts';

const FOLLOWED = ['UserDeactivated', 'UserReactivated'];
const PAGE = 1_000;

/**
 * Which accounts are deactivated, per process, from the log: read whole at start (before the API listens), then
 * followed live, so a deactivation on any node refuses the user's access tokens everywhere within moments — and
 * at once on the node that wrote it (`note`). An access token is verified without a database read; this set is
 * what makes "the next API call is 401" true without waiting for the token to expire.
 */
export class AccountAccess {
  private readonly deactivated = new Set<string>();
  private following: Following | null = null;

  constructor(
    private readonly store: EventStore,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    let after: Position | null = null;
    for (;;) {
      const page = await this.store.readAll({ after, filter: { eventTypes: FOLLOWED }, maxCount: PAGE });
      for (const event of page) this.note(event);
      after = page.at(-1)?.position ?? after;
      if (page.length < PAGE) break;
    }
    this.following = follow(this.store, { eventTypes: FOLLOWED }, after, (event) => this.note(event), {
      name: 'account-access',
      logger: this.logger,
    });
  }

  isDeactivated(userId: string): boolean {
    return this.deactivated.has(userId);
  }

  /** Applies a deactivation or reactivation (from the log, or right after this node wrote it). */
  note(event: { type: string; data: unknown }): void {
    const userId = (event.data as { user_id?: unknown }).user_id;
    if (typeof userId !== 'string') return;
    if (event.type === 'UserDeactivated') this.deactivated.add(userId);
    if (event.type === 'UserReactivated') this.deactivated.delete(userId);
  }

  stop(): void {
    this.following?.stop();
  }
}
