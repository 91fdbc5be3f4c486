import type { AccountCommands } from '../commands/accounts/account-commands.ts';
import type { WriteResult } from '../commands/command-bus.ts';
import type { UserQueries } from '../projections/queries/user-queries.ts';
import type { TokenService } from './auth/token-service.ts';
import type { RateLimiter } from './rate-limiter.ts';

/** What the REST side may use: command handlers to write, queries over read models to read. */
export interface ApiDependencies {
  accounts: AccountCommands;
  users: UserQueries;
  tokens: TokenService;
  homeIdsOf(userId: string): Promise<string[]>;
  /** Read-your-writes: resolves once the read models have applied a write (bounded wait). */
  settle(write: WriteResult): Promise<void>;
  loginLimiter: { byEmail: RateLimiter; byAddress: RateLimiter };
}
