import { describe, expect, it } from 'vitest';
import { eventCatalogue } from '../../src/domain/catalogue.ts';
import { fold } from '../../src/domain/decider.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { ROLES, type Role } from '../../src/domain/homes/roles.ts';
import { remoteCommandDecider, type IssueCommand, type RemoteCommandCommand } from '../../src/domain/remote-control/remote-command.ts';
import type { RemoteCommandEvent } from '../../src/domain/remote-control/remote-command-events.ts';

const CMD = '40000000-0000-4000-8000-000000000001';
const GW = '30000000-0000-4000-8000-000000000001';
const HOME = '10000000-0000-4000-8000-000000000001';
const USER = '20000000-0000-4000-8000-000000000001';
const SESSION = '50000000-0000-4000-8000-000000000001';
const SESSION2 = '50000000-0000-4000-8000-000000000002';
const T0 = new Date('2030-01-01T00:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const FP = 'a'.repeat(64);

const issueCommand = (overrides: Partial<IssueCommand> = {}): IssueCommand => ({
  type: 'Issue',
  commandId: CMD,
  gatewayId: GW,
  homeId: HOME,
  deviceId: 'lamp-1',
  action: 'turn_on',
  params: { brightness: 50 },
  issuedBy: USER,
  actorRole: 'user',
  timeoutS: 10,
  ttlS: 0,
  fingerprint: FP,
  now: T0,
  ...overrides,
});

const given = (...commands: RemoteCommandCommand[]): RemoteCommandEvent[] => {
  const events: RemoteCommandEvent[] = [];
  for (const command of commands) events.push(...remoteCommandDecider.decide(command, fold(remoteCommandDecider, events)));
  return events;
};
const when = (history: RemoteCommandEvent[], command: RemoteCommandCommand) => remoteCommandDecider.decide(command, fold(remoteCommandDecider, history));

function outcome(fn: () => RemoteCommandEvent[]): string {
  try {
    return fn().map((event) => event.type).join(',') || 'nothing';
  } catch (error) {
    if (error instanceof DomainError) return `${error.kind}:${error.code}`;
    throw error;
  }
}

const issued = given(issueCommand());
const queued = given(issueCommand({ ttlS: 60 }));
const dispatched = given(issueCommand(), { type: 'Dispatch', sessionId: SESSION, nodeId: 'n1', now: at(1) });
const ok = { status: 'ok' as const, result: { on: true } };

describe('remote command decider', () => {
  it('issues a valid event (catalogue) with the expiry of its time to live', () => {
    expect(issued).toHaveLength(1);
    expect(() => eventCatalogue.validate('RemoteCommandIssued', issued[0]!.data)).not.toThrow();
    expect(issued[0]!.data).toMatchObject({ expires_at: null, issued_at: T0.toISOString() });
    expect(queued[0]!.data).toMatchObject({ expires_at: at(60).toISOString(), ttl_s: 60 });
  });

  it('lets owner, admin and user control devices; a viewer is refused and a stranger told it does not exist', () => {
    const expected: Record<Role | 'stranger', string> = {
      owner: 'RemoteCommandIssued',
      admin: 'RemoteCommandIssued',
      user: 'RemoteCommandIssued',
      viewer: 'forbidden:forbidden',
      stranger: 'not_found:gateway_not_found',
    };
    for (const role of [...ROLES, 'stranger'] as const) {
      expect(outcome(() => when([], issueCommand({ actorRole: role === 'stranger' ? null : role })))).toBe(expected[role]);
    }
  });

  it('is idempotent on its id: the same request changes nothing, another request under it is a conflict', () => {
    expect(outcome(() => when(issued, issueCommand({ now: at(5) })))).toBe('nothing');
    expect(outcome(() => when(issued, issueCommand({ fingerprint: 'b'.repeat(64) })))).toBe('conflict:command_id_conflict');
    expect(outcome(() => when(issued, issueCommand({ issuedBy: '20000000-0000-4000-8000-000000000002' })))).toBe('conflict:command_id_conflict');
  });

  it('dispatches once per session and again on a new session (at least once)', () => {
    expect(outcome(() => when(issued, { type: 'Dispatch', sessionId: SESSION, nodeId: 'n1', now: at(1) }))).toBe('RemoteCommandDispatched');
    expect(outcome(() => when(dispatched, { type: 'Dispatch', sessionId: SESSION, nodeId: 'n1', now: at(2) }))).toBe('nothing');
    const again = when(dispatched, { type: 'Dispatch', sessionId: SESSION2, nodeId: 'n2', now: at(2) });
    expect(again[0]).toMatchObject({ type: 'RemoteCommandDispatched', data: { attempt: 2, session_id: SESSION2 } });
  });

  it('expires a queued command instead of dispatching it after its time to live', () => {
    expect(outcome(() => when(queued, { type: 'Dispatch', sessionId: SESSION, nodeId: 'n1', now: at(59) }))).toBe('RemoteCommandDispatched');
    expect(outcome(() => when(queued, { type: 'Dispatch', sessionId: SESSION, nodeId: 'n1', now: at(60) }))).toBe('RemoteCommandExpired');
  });

  it('records the ack as success or failure, once; a later ack is recorded as late', () => {
    expect(when(dispatched, { type: 'Acknowledge', gatewayId: GW, outcome: ok, now: at(2) })[0]).toMatchObject({
      type: 'RemoteCommandSucceeded',
      data: { result: { on: true }, completed_at: at(2).toISOString() },
    });
    const error = { code: 'unknown_device', message: 'No device' };
    expect(when(dispatched, { type: 'Acknowledge', gatewayId: GW, outcome: { status: 'error', error }, now: at(2) })[0]).toMatchObject({
      type: 'RemoteCommandFailed',
      data: { error },
    });
    const succeeded = [...dispatched, ...when(dispatched, { type: 'Acknowledge', gatewayId: GW, outcome: ok, now: at(2) })];
    const late = when(succeeded, { type: 'Acknowledge', gatewayId: GW, outcome: ok, now: at(3) });
    expect(late[0]).toMatchObject({ type: 'RemoteCommandLateAckRecorded', data: { final_status: 'succeeded', ack_status: 'ok' } });
    expect(fold(remoteCommandDecider, [...succeeded, ...late]).status).toBe('succeeded');
  });

  it('refuses an ack from another gateway and anything for a command that does not exist', () => {
    expect(outcome(() => when(dispatched, { type: 'Acknowledge', gatewayId: '30000000-0000-4000-8000-000000000009', outcome: ok, now: at(2) }))).toBe(
      'not_found:command_not_found',
    );
    expect(outcome(() => when([], { type: 'TimeOut', now: at(2) }))).toBe('not_found:command_not_found');
  });

  it('times out an unfinished command once; a finished one stays finished', () => {
    const timedOut = [...dispatched, ...when(dispatched, { type: 'TimeOut', now: at(11) })];
    expect(timedOut.map((e) => e.type)).toEqual(['RemoteCommandIssued', 'RemoteCommandDispatched', 'RemoteCommandTimedOut']);
    expect(outcome(() => when(timedOut, { type: 'TimeOut', now: at(12) }))).toBe('nothing');
    expect(outcome(() => when(timedOut, { type: 'Dispatch', sessionId: SESSION2, nodeId: 'n1', now: at(12) }))).toBe('conflict:command_finished');
    expect(when(timedOut, { type: 'Acknowledge', gatewayId: GW, outcome: ok, now: at(13) })[0]!.type).toBe('RemoteCommandLateAckRecorded');
  });

  it('sweeps: expires queued commands past their expiry, times out dispatched ones past their deadline, leaves the rest', () => {
    expect(outcome(() => when(queued, { type: 'Sweep', now: at(59) }))).toBe('nothing');
    expect(outcome(() => when(queued, { type: 'Sweep', now: at(60) }))).toBe('RemoteCommandExpired');
    expect(outcome(() => when(dispatched, { type: 'Sweep', now: at(10) }))).toBe('nothing');
    expect(outcome(() => when(dispatched, { type: 'Sweep', now: at(11) }))).toBe('RemoteCommandTimedOut');
    expect(outcome(() => when(issued, { type: 'Sweep', now: at(10) }))).toBe('RemoteCommandTimedOut');
  });
});
