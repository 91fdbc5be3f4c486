import {
  RemoteCommands,
  type DispatchSession,
  type Issued,
  type KnownCommand,
} from '../commands/remote-control/remote-commands.ts';
import { markCommandHop } from '../commands/remote-control/command-trace.ts';
import { DomainError } from '../domain/errors.ts';
import { isUuid } from '../domain/values/uuid.ts';
import { follow, type Following } from '../eventstore/follow.ts';
import type { EventStore, RecordedEvent } from '../eventstore/port.ts';
import type { Logger } from '../logger.ts';
import type { RemoteCommandQueries } from '../projections/queries/remote-command-queries.ts';
import type { GatewayBridge } from './gateway-bridge.ts';
import type { GatewaySession } from './gateway-session.ts';
import type { InboundAckFrame } from './protocol/index.ts';
import { QUEUE_EVENT_TYPES } from './queued-commands.ts';
import { QueueView } from './queue-view.ts';
import { RecentDispatches } from './recent-dispatches.ts';

export interface CommandRelayOptions {
  bridge: GatewayBridge;
  commands: RemoteCommands;
  queries: RemoteCommandQueries;
  store: EventStore;
  nodeId: string;
  logger: Logger;
  /** Whether this process's read models came to include everything in the log now (false: not in time). */
  readModelCaughtUp: () => Promise<boolean>;
}

/**
 * Carries remote commands to the gateways this process holds, whichever process issued them:
 * - follows `RemoteCommandIssued` from every process and dispatches those for local sessions;
 * - keeps, from the same subscription, which commands wait for each gateway (QueueView), so a (re)connect
 *   costs no query at all unless the gateway has commands waiting — which it then delivers in issue order;
 * - records the gateway's acks (either dialect, already normalised by the protocol module).
 * Every send is preceded by the `RemoteCommandDispatched` append (the lock), so triggers never double-send.
 */
export class CommandRelay {
  private following: Following | null = null;
  /** Per gateway: deliveries run one after another, so queued commands go out in order. */
  private readonly lanes = new Map<string, Promise<void>>();
  private readonly recent = new RecentDispatches();
  /** Which commands wait for each gateway; until its snapshot is built (retried in the background), connects ask. */
  private readonly queued: QueueView;

  constructor(private readonly options: CommandRelayOptions) {
    this.queued = new QueueView({
      readModelCaughtUp: options.readModelCaughtUp,
      unfinished: () => options.queries.unfinished(),
      logger: options.logger,
    });
    options.bridge.onCommandAck((session, requestId, frame) => this.onAck(session, requestId, frame));
    options.bridge.onSessionReady((session) => this.deliverQueued(session));
  }

  /**
   * Follows the log from its head now, and builds the queue view: the read model as of at least that head (one
   * query), with the followed events applied over it — events both include leave a command where its latest event
   * puts it. When the read model does not catch up in time the view is retried in the background (queue-view.ts).
   */
  async start(): Promise<void> {
    const head = await this.options.store.headPosition();
    this.following = follow(
      this.options.store,
      { eventTypes: QUEUE_EVENT_TYPES },
      head,
      (event) => this.onEvent(event),
      { name: 'command-relay', logger: this.options.logger },
    );
    await this.queued.build();
  }

  stop(): void {
    this.following?.stop();
    this.queued.stop();
  }

  private onEvent(event: RecordedEvent): void {
    this.queued.apply(event);
    if (event.type === 'RemoteCommandIssued') this.onIssued(event);
  }

  private onIssued(event: RecordedEvent): void {
    markCommandHop('relay_woken', String(event.data.command_id));
    const gatewayId = String(event.data.gateway_id);
    if (!this.options.bridge.sessionFor(gatewayId)) return;
    this.enqueue(gatewayId, () => this.deliver(RemoteCommands.fromIssued(event)));
  }

  /** The issuing process holds the gateway's socket: send at once, without waiting for the subscription. */
  dispatchIfLocal(known: KnownCommand): boolean {
    const gatewayId = known.state.gatewayId!;
    if (!this.options.bridge.sessionFor(gatewayId)) return false;
    this.enqueue(gatewayId, () => this.deliver(known));
    return true;
  }

  isLocal(gatewayId: string): boolean {
    return this.options.bridge.sessionFor(gatewayId) !== undefined;
  }

  /**
   * The issuing request, when this process holds the gateway's socket and no delivery is under way for it: runs
   * `issue` in the gateway's lane with that session, so the command is issued and dispatched in one append, then
   * sends it. In the lane, nothing queued overtakes it and nothing overtakes it. Null: the socket is elsewhere or
   * the lane is busy (a reconnect's queue): the caller issues plainly and the lane dispatches in order.
   */
  async issueHere(
    gatewayId: string,
    commandId: string,
    issue: (session: DispatchSession) => Promise<Issued>,
  ): Promise<Issued | null> {
    const session = this.options.bridge.sessionFor(gatewayId);
    if (!session || this.lanes.has(gatewayId)) return null;
    return this.inLane(gatewayId, async () => {
      // Recorded as the relay records every dispatch: by the gateway's session, caused by the command.
      const issued = await issue({
        sessionId: session.sessionId,
        nodeId: this.options.nodeId,
        context: session.contexts.forCommand(commandId),
      });
      if (issued.dispatched) this.send(session, issued);
      return issued;
    });
  }

  private enqueue(gatewayId: string, task: () => Promise<void>): void {
    this.inLane(gatewayId, task).catch((error: unknown) =>
      this.options.logger.error({ err: error, gateway_id: gatewayId }, 'command delivery failed'),
    );
  }

  /** Runs `task` after everything already in the gateway's lane; its failure is the caller's, not the lane's. */
  private inLane<T>(gatewayId: string, task: () => Promise<T>): Promise<T> {
    const previous = this.lanes.get(gatewayId) ?? Promise.resolve();
    const run = previous.then(task);
    const next = run.then(
      () => {},
      () => {},
    );
    this.lanes.set(gatewayId, next);
    void next.finally(() => {
      if (this.lanes.get(gatewayId) === next) this.lanes.delete(gatewayId);
    });
    return run;
  }

  private async deliver(known: KnownCommand): Promise<void> {
    const gatewayId = known.state.gatewayId!;
    const session = this.options.bridge.sessionFor(gatewayId);
    // Already dispatched by this process (the issuer's fast path beat the follower): nothing to race for.
    if (!session || this.recent.isBehind(known)) return;
    const dispatched = await this.options.commands.dispatch(
      known,
      { sessionId: session.sessionId, nodeId: this.options.nodeId },
      session.contexts.forCommand(known.state.commandId!),
    );
    if (dispatched.send) this.send(session, dispatched.known);
  }

  /**
   * Sends a command whose dispatch on `session` is recorded. A session that closed meanwhile gets nothing: the
   * command is still pending in the read model, and the gateway's next session delivers it.
   */
  private send(session: GatewaySession, known: KnownCommand): void {
    if (!session.isOpen) return;
    this.recent.remember(known);
    const state = known.state;
    // Each dialect encodes it its own way (`command` on /bridge/, `control_entity`/`run_scene` on /ws/gateway/).
    session.sendCommand({
      commandId: state.commandId!,
      deviceId: state.deviceId!,
      action: state.action!,
      params: state.params ?? {},
    });
    markCommandHop('frame_sent', state.commandId!);
  }

  /**
   * After the welcome: every command still waiting for this gateway, oldest first (expired ones are recorded as
   * such). One issued just before, that the subscription has not brought yet, comes through `onIssued`: the
   * session is open by then.
   */
  private deliverQueued(session: GatewaySession): void {
    const queued = this.queued.of(session.gatewayId);
    if (queued?.length === 0) return;
    this.enqueue(session.gatewayId, async () => {
      for (const id of queued ?? (await this.lookUpQueue(session.gatewayId))) {
        if (!session.isOpen) return;
        const known = await this.options.commands.load(id);
        if (known) await this.deliver(known);
      }
    });
  }

  /** Without the view: the read model, once it includes everything in the log now. */
  private async lookUpQueue(gatewayId: string): Promise<string[]> {
    await this.options.readModelCaughtUp();
    return (await this.options.queries.pendingForGateway(gatewayId)).map(({ id }) => id);
  }

  private onAck(session: GatewaySession, requestId: string, frame: InboundAckFrame): boolean {
    if (!isUuid(requestId)) return false;
    const commandId = requestId.toLowerCase();
    markCommandHop('ack_received', commandId);
    const known = this.recent.lastView(commandId);
    this.options.commands
      .acknowledge(commandId, session.gatewayId, frame.payload, session.contexts.forCommand(requestId), known)
      .catch((error: unknown) => {
        if (error instanceof DomainError && error.kind === 'not_found') {
          session.reportUnknownRequest(requestId);
          return;
        }
        this.options.logger.error({ err: error, command_id: requestId }, 'could not record a command ack');
      });
    return true;
  }
}
