import { describe, expect, it } from 'vitest';
import {
  ACTIONS,
  can,
  canManage,
  GRANTABLE_ROLES,
  ROLES,
  type Action,
  type Role,
} from '../../src/domain/homes/roles.ts';

/** The policy written out cell by cell, independently of the tables in src/domain: they must agree everywhere. */
const ALLOWED: Record<Action, readonly Role[]> = {
  'home.read': ['owner', 'admin', 'user', 'viewer'],
  'home.rename': ['owner', 'admin'],
  'home.transfer_ownership': ['owner'],
  'home.delete': ['owner'],
  'gateway.read': ['owner', 'admin', 'user', 'viewer'],
  'gateway.provision': ['owner', 'admin'],
  'gateway.rename': ['owner', 'admin'],
  'gateway.rotate_secret': ['owner', 'admin'],
  'gateway.revoke': ['owner', 'admin'],
  'gateway.delete': ['owner'],
  'device.read': ['owner', 'admin', 'user', 'viewer'],
  'device.control': ['owner', 'admin', 'user'],
  'device.sync': ['owner', 'admin'],
  'permission.list': ['owner', 'admin'],
  'permission.manage': ['owner', 'admin'],
  'audit.read': ['owner', 'admin'],
};

const RANK: Record<Role, number> = { viewer: 0, user: 1, admin: 2, owner: 3 };

describe('role matrix', () => {
  for (const action of ACTIONS) {
    for (const role of [...ROLES, null]) {
      const expected = role !== null && ALLOWED[action].includes(role);
      it(`${role ?? 'stranger'} ${expected ? 'may' : 'may not'} ${action}`, () => {
        expect(can(role, action)).toBe(expected);
      });
    }
  }

  // Every (actor, from, to) triple: managing needs permission.manage, never touches the owner, and never reaches
  // the actor's own rank (owner manages admin and below; admin manages user and viewer).
  for (const actor of [...ROLES, null]) {
    for (const from of [...ROLES, null]) {
      for (const to of [...ROLES, null]) {
        if (from === null && to === null) continue;
        const touchesOwner = from === 'owner' || to === 'owner';
        const belowActor = (role: Role | null) => role === null || (actor !== null && RANK[role] < RANK[actor]);
        const expected =
          actor !== null && can(actor, 'permission.manage') && !touchesOwner && belowActor(from) && belowActor(to);
        it(`${actor ?? 'stranger'} ${expected ? 'may' : 'may not'} move a member ${from ?? '(none)'} → ${to ?? '(none)'}`, () => {
          expect(canManage(actor, from, to)).toBe(expected);
        });
      }
    }
  }

  it('owner is never grantable', () => {
    expect(GRANTABLE_ROLES).not.toContain('owner');
  });
});
