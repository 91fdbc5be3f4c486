import type { Limiter } from '../limits/limiter.ts';
import type { AccountCommands } from '../commands/accounts/account-commands.ts';
import type { AccountDeletion } from '../commands/accounts/account-deletion.ts';
import type { HomeDeletion } from '../commands/homes/home-deletion.ts';
import type { WriteResult } from '../commands/write-result.ts';
import type { GatewayCommands } from '../commands/gateways/gateway-commands.ts';
import type { PairingCommands } from '../commands/gateways/pairing-commands.ts';
import type { HomeCommands } from '../commands/homes/home-commands.ts';
import type { GatewayQueries } from '../projections/queries/gateway-queries.ts';
import type { MembershipQueries } from '../projections/queries/membership-queries.ts';
import type { BridgeQueries } from '../projections/queries/bridge-queries.ts';
import type { DeviceQueries } from '../projections/queries/device-queries.ts';
import type { AuditQueries } from '../projections/queries/audit-queries.ts';
import type { UserQueries } from '../projections/queries/user-queries.ts';
import type { RemoteCommandQueries } from '../projections/queries/remote-command-queries.ts';
import type { DeviceInventoryRequests } from '../commands/bridge/device-inventory-requests.ts';
import type { CommandOutcomes } from '../commands/remote-control/command-outcomes.ts';
import type { RemoteCommands } from '../commands/remote-control/remote-commands.ts';
import type { GatewayLink } from '../commands/remote-control/submit-remote-command.ts';
import type { TokenService } from './auth/token-service.ts';

/** What the REST side may use: command handlers to write, queries over read models to read. */
export interface ApiDependencies {
  accounts: AccountCommands;
  accountDeletion: AccountDeletion;
  homeDeletion: HomeDeletion;
  homes: HomeCommands;
  gateways: GatewayCommands;
  pairing: PairingCommands;
  users: UserQueries;
  memberships: MembershipQueries;
  gatewayViews: GatewayQueries;
  bridgeViews: BridgeQueries;
  tokens: TokenService;
  homeIdsOf(userId: string): Promise<string[]>;
  /**
   * Read-your-writes: resolves once the read models have applied a write (bounded wait): true, or false when
   * READ_YOUR_WRITES_TIMEOUT_MS ran out first (answer from the write, or 202 — routes/pending-answer.ts).
   */
  settle(write: WriteResult): Promise<boolean>;
  /**
   * Wrong passwords on login: per (e-mail, client address) — a third party at another address cannot lock the
   * account out —, per client address (generous), and per e-mail from all addresses (much higher: distributed
   * guessing).
   */
  loginLimiter: { byEmailAndAddress: Limiter; byAddress: Limiter; byEmail: Limiter };
  /** Wrong current passwords on change-password, the same three ways with the user id for the e-mail. */
  passwordChangeLimiter: { byUserAndAddress: Limiter; byAddress: Limiter; byUser: Limiter };
  /** Failed pairing-code redemptions and verifications per client address. */
  pairingLimiter: Limiter;
  remoteCommands: RemoteCommands;
  remoteCommandViews: RemoteCommandQueries;
  /** Where a waiting request learns a command's outcome (from any process). */
  commandOutcomes: CommandOutcomes;
  /** This process's side of the bridge: is the gateway's socket here, and send at once if so. */
  gatewayLink: GatewayLink;
  remoteControl: { queueLimit: number };
  /** Asks a home's field edge for its device inventory (through the event store, whichever node holds the socket). */
  deviceInventory: DeviceInventoryRequests;
  auditViews: AuditQueries;
  /**
   * Read-time consistency for the audit history (writes do not wait for it): resolves once the audit read model
   * holds everything in the log at the time of the call, or after the read-your-writes timeout.
   */
  auditSettled(): Promise<void>;
  /** The field edge's device inventories with their latest states (the app's device list). */
  devices: DeviceQueries;
  /** The mobile app's calls: a session with no recorded activity for longer than this is `stale`. */
  fieldApp: { heartbeatTimeoutS: number };
}
