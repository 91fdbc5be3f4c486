import { fold } from '../../domain/decider.ts';
import { DomainError } from '../../domain/errors.ts';
import {
  remoteCommandDecider,
  type AckOutcome,
  type IssueCommand,
  type RemoteCommandCommand,
  type RemoteCommandState,
} from '../../domain/remote-control/remote-command.ts';
import { remoteCommandStream, type RemoteCommandEvent } from '../../domain/remote-control/remote-command-events.ts';
import { lastHashOf } from '../../eventstore/hash-chain.ts';
import type { RecordedEvent } from '../../eventstore/port.ts';
import type { CommandResult, EventSourcedCommandHandler } from '../event-sourced-command-handler.ts';
import type { HomeCommands } from '../homes/home-commands.ts';
import type { CommandContext } from '../metadata.ts';
import { NO_STREAM, type StreamTip } from '../stream-tip.ts';
import { markCommandHop } from './command-trace.ts';
import { writeResultOf, type WriteResult } from '../write-result.ts';

export interface IssueInput {
  commandId: string;
  gatewayId: string;
  homeId: string;
  actorId: string;
  deviceId: string;
  action: string;
  params: Record<string, unknown>;
  timeoutS: number;
  ttlS: number;
  fingerprint: string;
  /**
   * The id was made here (a random UUID), not sent by the client: its stream cannot exist yet, so it is not read
   * first. Should it exist after all, the append's "no stream" expectation refuses it and the retry reads it.
   */
  newId?: boolean;
}

/**
 * A command's state, the revision it was read at (the dispatch lock appends with it) and its last hash: enough to
 * write the next event without reading the stream again.
 */
export interface KnownCommand extends StreamTip {
  state: RemoteCommandState;
  revision: number;
}

export interface Issued extends KnownCommand {
  /** False when this was a retry of a command already issued under the same id (nothing was written). */
  created: boolean;
  /** True when it was also dispatched on the session given to `issue` (in the same append): send it now. */
  dispatched: boolean;
  write: WriteResult;
}

/** A gateway session of this process, on which a command can be dispatched, and the context to record it with. */
export interface DispatchSession {
  sessionId: string;
  nodeId: string;
  context: CommandContext;
}

/**
 * Something that wants to hear when a command's stream changes in this process (waiting requests), with the
 * state after the change, so that it need not read the stream again.
 */
export type LocalOutcomeListener = (
  commandId: string,
  events: readonly RemoteCommandEvent[],
  state: RemoteCommandState,
) => void;

/**
 * Remote-command use cases: every transition goes through the decider on `remote_command-<id>`. Dispatching is
 * guarded by the stream revision: the `RemoteCommandDispatched` append with the revision the dispatcher read is
 * the lock, so two triggers (the issuing process, the bridge's follower, a reconnect) never send one command
 * twice on one session.
 */
export class RemoteCommands {
  private listener: LocalOutcomeListener = () => {};

  constructor(
    private readonly handler: EventSourcedCommandHandler,
    private readonly homes: HomeCommands,
  ) {}

  onLocalEvents(listener: LocalOutcomeListener): void {
    this.listener = listener;
  }

  /**
   * Issues the command. With `dispatchOn` (a session of its gateway in this process) a new command is dispatched
   * there in the same append: both events decided by the decider, both in the log (each with its own actor and
   * context), one transaction and one round trip instead of two. Being the stream's first append, it is also the
   * dispatch lock.
   */
  async issue(input: IssueInput, context: CommandContext, dispatchOn?: DispatchSession): Promise<Issued> {
    const actorRole = await this.homes.roleOf(input.homeId, input.actorId);
    const stream = remoteCommandStream(input.commandId);
    const command: IssueCommand = {
      type: 'Issue',
      commandId: input.commandId,
      gatewayId: input.gatewayId,
      homeId: input.homeId,
      deviceId: input.deviceId,
      action: input.action,
      params: input.params,
      issuedBy: input.actorId,
      actorRole,
      timeoutS: input.timeoutS,
      ttlS: input.ttlS,
      fingerprint: input.fingerprint,
      now: context.now,
    };
    const known = input.newId ? { ...NO_STREAM, state: remoteCommandDecider.initialState } : undefined;
    const result = dispatchOn
      ? await this.handler.execute(
          remoteCommandDecider,
          stream,
          {
            ...command,
            type: 'IssueAndDispatch',
            sessionId: dispatchOn.sessionId,
            nodeId: dispatchOn.nodeId,
            dispatchedAt: dispatchOn.context.now,
          },
          // Each event with its own actor: the issue is the user's, the dispatch the gateway session's.
          (event) => (event.type === 'RemoteCommandIssued' ? context : dispatchOn.context),
          known,
        )
      : await this.handler.execute(remoteCommandDecider, stream, command, context, known);
    if (dispatchOn) this.announce(command.commandId, result);
    // Nothing written means the id was already issued (with this body: the decider refuses another): the stream
    // exists, so its revision is known.
    return {
      state: result.state,
      revision: result.revision ?? 0,
      lastHash: result.lastHash,
      created: result.events.length > 0,
      dispatched: result.events.some((event) => event.type === 'RemoteCommandDispatched'),
      write: writeResultOf(result),
    };
  }

  /** The state and revision of a command, or null when there is no such command. */
  async load(commandId: string): Promise<KnownCommand | null> {
    const loaded = await this.handler.load(remoteCommandDecider, remoteCommandStream(commandId));
    return loaded.revision === null
      ? null
      : { state: loaded.state, revision: loaded.revision, lastHash: loaded.lastHash };
  }

  /** The state right after an observed `RemoteCommandIssued` (the first event of its stream). */
  static fromIssued(event: RecordedEvent): KnownCommand {
    return {
      state: fold(remoteCommandDecider, [{ type: event.type, data: event.data } as RemoteCommandEvent]),
      revision: event.revision,
      lastHash: lastHashOf(event),
    };
  }

  async history(commandId: string): Promise<RecordedEvent[]> {
    return this.handler.readStream(remoteCommandStream(commandId));
  }

  /**
   * Records that the command is being sent on `sessionId`, appending right after `known` (no read: a stale view
   * fails on the revision, which is the lock). `send` true: the caller holds the lock and must send it now; false:
   * already sent on this session, finished, expired (recorded here) or someone else moved first. `known` is the
   * command after this call, as far as this caller knows.
   */
  async dispatch(
    known: KnownCommand,
    session: { sessionId: string; nodeId: string },
    context: CommandContext,
  ): Promise<{ send: boolean; state: RemoteCommandState; known: KnownCommand }> {
    const command: RemoteCommandCommand = {
      type: 'Dispatch',
      sessionId: session.sessionId,
      nodeId: session.nodeId,
      now: context.now,
    };
    let result: CommandResult<RemoteCommandEvent, RemoteCommandState> | null;
    try {
      result = await this.handler.executeOnce(
        remoteCommandDecider,
        remoteCommandStream(known.state.commandId!),
        command,
        context,
        known,
      );
    } catch (error) {
      // Finished, or no such command: nothing to send.
      if (error instanceof DomainError) return { send: false, state: known.state, known };
      throw error;
    }
    // Someone else moved first (the revision was the lock), or nothing to do (already sent on this session).
    if (result === null || result.events.length === 0) return { send: false, state: known.state, known };
    this.announce(known.state.commandId!, result);
    const state = result.state;
    return {
      send: result.events[0]!.type === 'RemoteCommandDispatched',
      state,
      known: { state, revision: result.revision!, lastHash: result.lastHash },
    };
  }

  /** Records the gateway's ack; `known` (what the dispatcher wrote last) spares the read when nothing came since. */
  async acknowledge(
    commandId: string,
    gatewayId: string,
    outcome: AckOutcome,
    context: CommandContext,
    known?: KnownCommand,
  ): Promise<RemoteCommandEvent[]> {
    const events = await this.run(
      commandId,
      { type: 'Acknowledge', gatewayId, outcome, now: context.now },
      context,
      known,
    );
    markCommandHop('ack_appended', commandId);
    return events;
  }

  /** The waiting request gave up: records `timed_out` unless the command finished meanwhile. Returns the state. */
  async timeOut(commandId: string, context: CommandContext): Promise<RemoteCommandState> {
    const result = await this.handler.execute(
      remoteCommandDecider,
      remoteCommandStream(commandId),
      { type: 'TimeOut', now: context.now },
      context,
    );
    this.announce(commandId, result);
    return result.state;
  }

  /** Its home was deleted: a queued command expires, a sent or awaited one times out (finished ones stay). */
  async withdraw(commandId: string, context: CommandContext): Promise<RemoteCommandEvent[]> {
    return this.run(commandId, { type: 'Withdraw', now: context.now }, context);
  }

  async sweep(commandId: string, context: CommandContext): Promise<RemoteCommandEvent[]> {
    return this.run(commandId, { type: 'Sweep', now: context.now }, context);
  }

  private async run(
    commandId: string,
    command: RemoteCommandCommand,
    context: CommandContext,
    known?: KnownCommand,
  ): Promise<RemoteCommandEvent[]> {
    const result = await this.handler.execute(
      remoteCommandDecider,
      remoteCommandStream(commandId),
      command,
      context,
      known,
    );
    this.announce(commandId, result);
    return result.events;
  }

  /** Tells this process's listener what a write changed (nothing when it wrote nothing). */
  private announce(
    commandId: string,
    result: { events: readonly RemoteCommandEvent[]; state: RemoteCommandState },
  ): void {
    if (result.events.length > 0) this.listener(commandId, result.events, result.state);
  }
}
