import Router from '@koa/router';
import type { Context } from 'koa';
import type { Session } from '../../commands/accounts/account-commands.ts';
import { DomainError } from '../../domain/errors.ts';
import type { ApiDependencies } from '../api-dependencies.ts';
import { InvalidTokenError } from '../auth/token-service.ts';
import { reserveAttempt } from '../attempt-reservation.ts';
import { HttpError, unauthorized } from '../http-error.ts';
import { requireUser } from '../middleware/authenticate.ts';
import { commandContext } from '../middleware/request-context.ts';
import { validate } from '../validation.ts';
import { answerPending } from './pending-answer.ts';
import {
  changePasswordBody,
  loginBody,
  profilePatch,
  refreshBody,
  registerBody,
  type ProfileResponse,
  type SessionResponse,
  type TokensResponse,
} from '../contracts/auth-contract.ts';
import { caseSensitiveRouter } from '../case-sensitive-router.ts';

const PROFILE = '/api/auth/profile/';

function profileBody(row: {
  id: string;
  email: string;
  name: string;
  created_at: Date;
  updated_at: Date;
}): ProfileResponse {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

export function authRoutes(deps: ApiDependencies): Router {
  const router = caseSensitiveRouter('/api/auth');
  addSessionRoutes(router, deps);
  addProfileRoutes(router, deps);
  return router;
}

const tokensFor = async (deps: ApiDependencies, session: Session): Promise<TokensResponse> => ({
  access: await deps.tokens.signAccess(session.userId, { staff: session.staff }),
  refresh: await deps.tokens.signRefresh(session),
});

async function profileOf(deps: ApiDependencies, userId: string): Promise<ProfileResponse> {
  const row = await deps.users.byId(userId);
  if (!row) throw new HttpError(404, 'user_not_found', 'No such user');
  return profileBody(row);
}

async function refreshClaims(deps: ApiDependencies, token: string) {
  try {
    return await deps.tokens.verifyRefresh(token);
  } catch (error) {
    if (error instanceof InvalidTokenError) throw unauthorized('invalid_token', error.message);
    throw error;
  }
}

/** Register, log in, refresh, log out: the calls that start, renew and end a sign-in. */
function addSessionRoutes(router: Router, deps: ApiDependencies): void {
  router.post('/register', async (ctx: Context) => {
    const body = validate(registerBody, ctx.request.body);
    const displayName = body.name ?? [body.first_name, body.last_name].filter(Boolean).join(' ');
    const session = await deps.accounts.register(
      { email: body.email, password: body.password, name: displayName },
      commandContext(ctx),
    );
    await deps.settle(session.write);
    // From the write, not the users read model: a registration never answers 404 for the user it wrote.
    const at = session.registeredAt;
    ctx.status = 201;
    ctx.body = {
      user: profileBody({ ...session.profile, created_at: at, updated_at: at }),
      ...(await tokensFor(deps, session)),
      homes: [],
    } satisfies SessionResponse;
  });

  router.post('/login', async (ctx: Context) => {
    const body = validate(loginBody, ctx.request.body);
    const limits = deps.loginLimiter;
    const attempt = await reserveAttempt([
      [limits.byEmailAndAddress, pairKey(body.email, ctx.ip)],
      [limits.byAddress, ctx.ip],
      [limits.byEmail, body.email],
    ]);
    let session: Session;
    try {
      session = await deps.accounts.logIn(body, commandContext(ctx));
    } catch (error) {
      // Only wrong credentials count; anything else (a store outage) gives the attempt back.
      if (!(error instanceof DomainError && error.code === 'invalid_credentials')) await attempt.refund();
      throw error;
    }
    await attempt.refund();
    // This address knew the password: its earlier failures are forgiven (the per-e-mail count is not: others').
    await limits.byEmailAndAddress.reset(pairKey(body.email, ctx.ip));
    const settled = await deps.settle(session.write);
    const row = await deps.users.byId(session.userId);
    const homes = await deps.homeIdsOf(session.userId);
    // Registered on another node, and the users read model is stuck: the tokens still, and where the profile is.
    if (!row && !settled) return answerPending(ctx, PROFILE, { ...(await tokensFor(deps, session)), homes });
    if (!row) throw new HttpError(404, 'user_not_found', 'No such user');
    ctx.body = { ...(await tokensFor(deps, session)), user: profileBody(row), homes } satisfies SessionResponse;
  });

  const refresh = async (ctx: Context) => {
    const body = validate(refreshBody, ctx.request.body);
    const claims = await refreshClaims(deps, body.refresh);
    const session = await deps.accounts.refresh(claims, commandContext(ctx, { kind: 'user', id: claims.userId }));
    ctx.body = await tokensFor(deps, session);
  };
  router.post('/refresh', refresh);
  router.post('/token/refresh', refresh);

  router.post('/logout', async (ctx: Context) => {
    const body = validate(refreshBody, ctx.request.body);
    const claims = await refreshClaims(deps, body.refresh);
    await deps.accounts.logOut(claims, commandContext(ctx, { kind: 'user', id: claims.userId }));
    ctx.status = 204;
  });
}

/** The signed-in user's profile and password. */
function addProfileRoutes(router: Router, deps: ApiDependencies): void {
  const authenticated = requireUser(deps.tokens);

  router.get('/profile', authenticated, async (ctx: Context) => {
    ctx.body = await profileOf(deps, ctx.state.userId as string);
  });

  // PUT as the original accepted it (Django's RetrieveUpdateAPIView), with the same body as PATCH.
  const updateProfile = async (ctx: Context) => {
    const body = validate(profilePatch, ctx.request.body);
    const userId = ctx.state.userId as string;
    const write = await deps.accounts.updateProfile(userId, body, commandContext(ctx));
    if (!(await deps.settle(write))) return answerPending(ctx, PROFILE);
    ctx.body = await profileOf(deps, userId);
  };
  router.patch('/profile', authenticated, updateProfile);
  router.put('/profile', authenticated, updateProfile);

  router.post('/change-password', authenticated, async (ctx: Context) => {
    const body = validate(changePasswordBody, ctx.request.body);
    const userId = ctx.state.userId as string;
    // A stolen access token must not become an oracle for the password: attempts are limited like logins.
    const limits = deps.passwordChangeLimiter;
    const attempt = await reserveAttempt([
      [limits.byUserAndAddress, pairKey(userId, ctx.ip)],
      [limits.byAddress, ctx.ip],
      [limits.byUser, userId],
    ]);
    try {
      await deps.accounts.changePassword(
        userId,
        { oldPassword: body.old_password, newPassword: body.new_password },
        commandContext(ctx),
      );
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'wrong_password')) await attempt.refund();
      throw error;
    }
    await attempt.refund();
    ctx.status = 204;
  });
}

/** An account (e-mail or user id) tried from one client address: the key failures lock out. */
function pairKey(account: string, address: string): string {
  return `${account} ${address}`;
}
