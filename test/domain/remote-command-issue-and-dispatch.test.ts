import { describe, expect, it } from 'vitest';
import {
  remoteCommandDecider,
  type IssueAndDispatchCommand,
  type IssueCommand,
} from '../../src/domain/remote-control/remote-command.ts';
import type { RemoteCommandEvent } from '../../src/domain/remote-control/remote-command-events.ts';
import { deciderSpec } from '../support/decider-testing.ts';

const { given, stateOf, historyOf } = deciderSpec(remoteCommandDecider);

const CMD = '40000000-0000-4000-8000-000000000001';
const GW = '30000000-0000-4000-8000-000000000001';
const HOME = '10000000-0000-4000-8000-000000000001';
const USER = '20000000-0000-4000-8000-000000000001';
const SESSION = '50000000-0000-4000-8000-000000000001';
const T0 = new Date('2030-01-01T00:00:00.000Z');
const T1 = new Date('2030-01-01T00:00:00.250Z');

const issue = (overrides: Partial<IssueCommand> = {}): IssueCommand => ({
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
  fingerprint: 'a'.repeat(64),
  now: T0,
  ...overrides,
});

const issueAndDispatch = (overrides: Partial<IssueCommand> = {}): IssueAndDispatchCommand => ({
  ...issue(overrides),
  type: 'IssueAndDispatch',
  sessionId: SESSION,
  nodeId: 'node-a',
  dispatchedAt: T1,
});

const issued = (overrides: Partial<IssueCommand> = {}): RemoteCommandEvent[] => historyOf(issue(overrides));

describe('remote command decider: issue and dispatch in one decision', () => {
  it('a new command on a local session is issued and dispatched (attempt 1, at the session time)', () => {
    given([])
      .when(issueAndDispatch())
      .then([
        ...issued(),
        {
          type: 'RemoteCommandDispatched',
          data: {
            command_id: CMD,
            gateway_id: GW,
            home_id: HOME,
            session_id: SESSION,
            node_id: 'node-a',
            dispatched_at: T1.toISOString(),
            attempt: 1,
          },
        },
      ]);
  });

  it('a queued command (ttl) issued on a local session is dispatched, not expired', () => {
    const events = given([])
      .when(issueAndDispatch({ ttlS: 60 }))
      .thenTypes(['RemoteCommandIssued', 'RemoteCommandDispatched']);
    expect(stateOf(events).status).toBe('dispatched');
  });

  it('the same request again under the same id writes nothing (not even a second dispatch)', () => {
    given(issued()).when(issueAndDispatch()).then([]);
  });

  it('another request under a used id is refused (command_id_conflict)', () => {
    given(issued())
      .when(issueAndDispatch({ fingerprint: 'b'.repeat(64) }))
      .thenThrows('command_id_conflict');
  });

  it('a viewer may not control devices (forbidden), a stranger does not see the gateway (gateway_not_found)', () => {
    given([])
      .when(issueAndDispatch({ actorRole: 'viewer' }))
      .thenThrows('forbidden');
    given([])
      .when(issueAndDispatch({ actorRole: null }))
      .thenThrows('gateway_not_found');
  });
});
