import { AccountCommands } from '../commands/accounts/account-commands.ts';
import { AccountDeletion } from '../commands/accounts/account-deletion.ts';
import { EmailClaims } from '../commands/accounts/email-claims.ts';
import { HomeDeletion } from '../commands/homes/home-deletion.ts';
import { PasswordHasher } from '../commands/accounts/password-hasher.ts';
import { StaffCommands } from '../commands/accounts/staff-commands.ts';
import { ProjectionRebuildCommands } from '../commands/projections/projection-rebuild-commands.ts';
import { TelemetryRecorder } from '../commands/bridge/telemetry-recorder.ts';
import { ChainedAppends } from '../commands/chained-appends.ts';
import { CompensationFailures } from '../commands/compensation-failures.ts';
import { EventSourcedCommandHandler } from '../commands/event-sourced-command-handler.ts';
import { GatewayAuthenticator } from '../commands/gateways/gateway-authenticator.ts';
import { GatewayCommands } from '../commands/gateways/gateway-commands.ts';
import { PairingCommands } from '../commands/gateways/pairing-commands.ts';
import { SecretDigester } from '../commands/gateways/secret-digester.ts';
import { HomeCommands } from '../commands/homes/home-commands.ts';
import { CommandOutcomes } from '../commands/remote-control/command-outcomes.ts';
import { RemoteCommands, type LocalOutcomeListener } from '../commands/remote-control/remote-commands.ts';
import type { Config } from '../config.ts';
import { eventCatalogue } from '../domain/catalogue.ts';
import type { EmailClaimStreams } from '../domain/accounts/email.ts';
import type { EventStore } from '../eventstore/port.ts';
import type { DataKeys } from '../eventstore/personal-data/data-key-store.ts';
import { PersonalDataSealer } from '../commands/personal-data-sealer.ts';
import type { Logger } from '../logger.ts';
import type { ProcessMetrics } from '../metrics/process-metrics.ts';

/** Everything that writes: the command handler and the use cases over it, wired once per process. */
export interface WriteSide {
  homes: HomeCommands;
  gateways: GatewayCommands;
  pairing: PairingCommands;
  accounts: AccountCommands;
  /** Leaving: account deletion (crypto-shredding the person's data key). */
  accountDeletion: AccountDeletion;
  /** Leaving: home deletion (gateway revoked, commands withdrawn, the home's free text shredded). */
  homeDeletion: HomeDeletion;
  /** Staff actions (admin API): deactivate and reactivate users, revoke gateways, each with a reason. */
  staff: StaffCommands;
  rebuildRecords: ProjectionRebuildCommands;
  gatewayAuthenticator: GatewayAuthenticator;
  remoteCommands: RemoteCommands;
  commandOutcomes: CommandOutcomes;
  /** Every gateway's telemetry and session events, and inventory requests, through one view of each stream's tip. */
  recorder: TelemetryRecorder;
}

export interface WriteSideOptions {
  config: Config;
  logger: Logger;
  store: EventStore;
  /** The data keys personal values are sealed under before they reach the log. */
  dataKeys: DataKeys;
  /** The names of e-mail claim streams (keyed by DATA_KEY_SECRET). */
  claimStreams: EmailClaimStreams;
  jwtSecret: string;
  clock: () => Date;
  /** The process metrics: the compensation-failure counter registers there, command outcomes are counted. */
  metrics?: ProcessMetrics;
}

export async function buildWriteSide({
  config,
  logger,
  store,
  dataKeys,
  claimStreams,
  jwtSecret,
  clock,
  metrics,
}: WriteSideOptions): Promise<WriteSide> {
  const sealer = new PersonalDataSealer(dataKeys);
  const handler = new EventSourcedCommandHandler(store, eventCatalogue, undefined, sealer);
  const digester = SecretDigester.fromConfig(config.GATEWAY_SECRET_KEY, jwtSecret);
  const homes = new HomeCommands(handler);
  const holderGrace = { graceMs: config.ABANDONED_CLAIM_GRACE_MS, clock };
  // Undoing a half-done write that fails itself is logged and counted (in the process registry: /metrics).
  const compensations = new CompensationFailures(logger, metrics?.registry);
  const gateways = new GatewayCommands(handler, homes, digester, holderGrace, compensations);
  const pairingOptions = { ttlMs: config.PAIRING_CODE_TTL_S * 1000, clock };
  const pairing = new PairingCommands(handler, homes, gateways, digester, pairingOptions, compensations);
  const hasher = new PasswordHasher(config.SCRYPT_LOG_N);
  const claims = new EmailClaims(handler, claimStreams);
  const accounts = new AccountCommands(handler, hasher, holderGrace, compensations, claims, config.REFRESH_TOKEN_REUSE);
  const remoteCommands = new RemoteCommands(handler, homes);
  const commandOutcomes = new CommandOutcomes(store, logger);
  const countOutcome: LocalOutcomeListener = metrics?.commands.observeLocal ?? (() => {});
  remoteCommands.onLocalEvents((commandId, events, state) => {
    commandOutcomes.observeLocal(commandId, events, state);
    countOutcome(commandId, events, state);
  });
  await commandOutcomes.start();
  // Many gateways' batches in flight at one moment share one transaction: the store's group commit.
  const recorder = new TelemetryRecorder(new ChainedAppends(store, eventCatalogue, sealer));
  const gatewayAuthenticator = new GatewayAuthenticator(handler, digester);
  const staff = new StaffCommands(handler, gateways);
  const accountDeletion = new AccountDeletion(handler, hasher, homes, dataKeys, claims);
  const homeDeletion = new HomeDeletion(handler, gateways, remoteCommands, dataKeys);
  return {
    homes,
    gateways,
    pairing,
    accounts,
    accountDeletion,
    homeDeletion,
    staff,
    rebuildRecords: new ProjectionRebuildCommands(handler),
    gatewayAuthenticator,
    remoteCommands,
    commandOutcomes,
    recorder,
  };
}
