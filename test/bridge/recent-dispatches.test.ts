import { describe, expect, it } from 'vitest';
import { RecentDispatches } from '../../src/bridge/recent-dispatches.ts';
import type { KnownCommand } from '../../src/commands/remote-control/remote-commands.ts';
import { remoteCommandDecider } from '../../src/domain/remote-control/remote-command.ts';

const known = (commandId: string, revision: number): KnownCommand => ({
  state: { ...remoteCommandDecider.initialState, commandId },
  revision,
  lastHash: `hash-${revision}`,
});

describe('RecentDispatches', () => {
  it('knows when a view of a command is older than what this process wrote', () => {
    const recent = new RecentDispatches();
    recent.remember(known('a', 1));
    expect(recent.isBehind(known('a', 0))).toBe(true);
    expect(recent.isBehind(known('a', 1))).toBe(false);
    expect(recent.isBehind(known('b', 0))).toBe(false);
    expect(recent.lastView('a')?.lastHash).toBe('hash-1');
  });

  it('forgets the oldest command past its capacity, keeping the one written again', () => {
    const recent = new RecentDispatches(2);
    recent.remember(known('a', 1));
    recent.remember(known('b', 1));
    recent.remember(known('a', 2));
    recent.remember(known('c', 1));
    expect(recent.lastView('b')).toBeUndefined();
    expect(recent.lastView('a')?.revision).toBe(2);
    expect(recent.lastView('c')?.revision).toBe(1);
  });
});
