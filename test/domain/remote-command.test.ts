import { describe, expect, it } from 'vitest';
import { eventCatalogue } from '../../src/domain/catalogue.ts';
import { ROLES, type Role } from '../../src/domain/homes/roles.ts';
import { remoteCommandDecider, type IssueCommand } from '../../src/domain/remote-control/remote-command.ts';
import { deciderSpec, summary } from '../support/decider-testing.ts';

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

const { given, stateOf, historyOf } = deciderSpec(remoteCommandDecider);

const issued = historyOf(issueCommand());
const queued = historyOf(issueCommand({ ttlS: 60 }));
const dispatched = historyOf(issueCommand(), { type: 'Dispatch', sessionId: SESSION, nodeId: 'n1', now: at(1) });
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
      expect(summary(given([]).when(issueCommand({ actorRole: role === 'stranger' ? null : role })))).toBe(
        expected[role],
      );
    }
  });

  it('is idempotent on its id: the same request changes nothing, another request under it is a conflict', () => {
    given(issued)
      .when(issueCommand({ now: at(5) }))
      .then([]);
    given(issued)
      .when(issueCommand({ fingerprint: 'b'.repeat(64) }))
      .thenThrows('command_id_conflict', 'conflict');
    given(issued)
      .when(issueCommand({ issuedBy: '20000000-0000-4000-8000-000000000002' }))
      .thenThrows('command_id_conflict', 'conflict');
  });

  it('dispatches once per session and again on a new session (at least once)', () => {
    given(issued)
      .when({ type: 'Dispatch', sessionId: SESSION, nodeId: 'n1', now: at(1) })
      .thenTypes(['RemoteCommandDispatched']);
    given(dispatched)
      .when({ type: 'Dispatch', sessionId: SESSION, nodeId: 'n1', now: at(2) })
      .then([]);
    const again = given(dispatched)
      .when({ type: 'Dispatch', sessionId: SESSION2, nodeId: 'n2', now: at(2) })
      .thenTypes(['RemoteCommandDispatched']);
    expect(again[0]).toMatchObject({ type: 'RemoteCommandDispatched', data: { attempt: 2, session_id: SESSION2 } });
  });

  it('expires a queued command instead of dispatching it after its time to live', () => {
    given(queued)
      .when({ type: 'Dispatch', sessionId: SESSION, nodeId: 'n1', now: at(59) })
      .thenTypes(['RemoteCommandDispatched']);
    given(queued)
      .when({ type: 'Dispatch', sessionId: SESSION, nodeId: 'n1', now: at(60) })
      .thenTypes(['RemoteCommandExpired']);
  });

  it('records the ack as success or failure, once; a later ack is recorded as late', () => {
    expect(
      given(dispatched)
        .when({ type: 'Acknowledge', gatewayId: GW, outcome: ok, now: at(2) })
        .thenTypes(['RemoteCommandSucceeded'])[0],
    ).toMatchObject({
      type: 'RemoteCommandSucceeded',
      data: { result: { on: true }, completed_at: at(2).toISOString() },
    });
    const error = { code: 'unknown_device', message: 'No device' };
    const failed = given(dispatched).when({
      type: 'Acknowledge',
      gatewayId: GW,
      outcome: { status: 'error', error },
      now: at(2),
    });
    expect(failed.thenTypes(['RemoteCommandFailed'])[0]).toMatchObject({
      type: 'RemoteCommandFailed',
      data: { error },
    });
    const succeeded = [
      ...dispatched,
      ...given(dispatched)
        .when({ type: 'Acknowledge', gatewayId: GW, outcome: ok, now: at(2) })
        .thenTypes(['RemoteCommandSucceeded']),
    ];
    const late = given(succeeded)
      .when({ type: 'Acknowledge', gatewayId: GW, outcome: ok, now: at(3) })
      .thenTypes(['RemoteCommandLateAckRecorded']);
    expect(late[0]).toMatchObject({
      type: 'RemoteCommandLateAckRecorded',
      data: { final_status: 'succeeded', ack_status: 'ok' },
    });
    expect(stateOf([...succeeded, ...late]).status).toBe('succeeded');
  });

  it('refuses an ack from another gateway and anything for a command that does not exist', () => {
    given(dispatched)
      .when({ type: 'Acknowledge', gatewayId: '30000000-0000-4000-8000-000000000009', outcome: ok, now: at(2) })
      .thenThrows('command_not_found', 'not_found');
    given([])
      .when({ type: 'TimeOut', now: at(2) })
      .thenThrows('command_not_found', 'not_found');
  });

  it('times out an unfinished command once; a finished one stays finished', () => {
    const timedOut = [
      ...dispatched,
      ...given(dispatched)
        .when({ type: 'TimeOut', now: at(11) })
        .thenTypes(['RemoteCommandTimedOut']),
    ];
    expect(timedOut.map((e) => e.type)).toEqual([
      'RemoteCommandIssued',
      'RemoteCommandDispatched',
      'RemoteCommandTimedOut',
    ]);
    given(timedOut)
      .when({ type: 'TimeOut', now: at(12) })
      .then([]);
    given(timedOut)
      .when({ type: 'Dispatch', sessionId: SESSION2, nodeId: 'n1', now: at(12) })
      .thenThrows('command_finished', 'conflict');
    given(timedOut)
      .when({ type: 'Acknowledge', gatewayId: GW, outcome: ok, now: at(13) })
      .thenTypes(['RemoteCommandLateAckRecorded']);
  });

  it('sweeps: expires queued commands past their expiry, times out dispatched ones past their deadline, leaves the rest', () => {
    given(queued)
      .when({ type: 'Sweep', now: at(59) })
      .then([]);
    given(queued)
      .when({ type: 'Sweep', now: at(60) })
      .thenTypes(['RemoteCommandExpired']);
    given(dispatched)
      .when({ type: 'Sweep', now: at(10) })
      .then([]);
    given(dispatched)
      .when({ type: 'Sweep', now: at(11) })
      .thenTypes(['RemoteCommandTimedOut']);
    given(issued)
      .when({ type: 'Sweep', now: at(10) })
      .thenTypes(['RemoteCommandTimedOut']);
  });
});
