import type { IncomingMessage } from 'node:http';
import type { VerifyClientCallbackAsync, WebSocket } from 'ws';
import { can } from '../../domain/homes/roles.ts';
import { isUuid } from '../../domain/values/uuid.ts';
import type { Logger } from '../../logger.ts';
import type { HomeRow, MembershipQueries } from '../../projections/queries/membership-queries.ts';
import { APP_CLOSE, AppSocket, type AppSocketSettings } from './app-socket.ts';
import type { AppSocketHub } from './app-socket-hub.ts';

const APP_PATH = /^\/ws\/home\/([^/]+)\/?$/;
/** The edge's local home id, which is what the app sends. */
const LOCAL_HOME_ID = /^[0-9]{1,18}$/;
export const USE_CLOUD_HOME_ID = 'use the cloud home id (a UUID, home_id of GET /api/remote/gateways)';

/** Checks an access token: its user and expiry (Unix seconds), or null when it is not a valid access token. */
export type AccessTokenCheck = (token: string) => Promise<{ userId: string; expiresAt: number } | null>;

export interface AppSocketGateOptions {
  verifyAccessToken: AccessTokenCheck;
  memberships: MembershipQueries;
  hub: AppSocketHub;
  logger: Logger;
  /** Open app sockets per user on this process. */
  maxSocketsPerUser: number;
  settings: AppSocketSettings;
}

interface Admitted {
  userId: string;
  expiresAtMs: number;
  /** The home to watch, or why the socket is closed right after opening (a reason the app can read). */
  home: HomeRow | { refusal: string };
}

/**
 * The entrance of the app's live socket `/ws/home/{id}/?token=<access token>` (same `ws` server as the bridge):
 * 401 before the upgrade for a missing or bad token, 404 for a home the caller is not in (as REST), 403 without
 * `device.read`, 429 past the per-user bound. A numeric id (the edge's local home id) resolves to the caller's
 * only home with a gateway; otherwise the socket opens and closes at once with 4404 and a reason naming the fix.
 */
export class AppSocketGate {
  private readonly admitted = new WeakMap<IncomingMessage, Admitted>();

  constructor(private readonly options: AppSocketGateOptions) {}

  /** Whether the request is for an app socket (anything else is the gateway bridge's). */
  handles(request: IncomingMessage): boolean {
    return APP_PATH.test(pathOf(request));
  }

  readonly verifyClient: VerifyClientCallbackAsync = (info, callback) => {
    this.admit(info.req).then(
      (refusal) => (refusal ? callback(false, refusal.status, refusal.message) : callback(true)),
      (error: unknown) => {
        this.options.logger.error({ err: error }, 'app socket admission failed');
        callback(false, 503, 'Service Unavailable');
      },
    );
  };

  private async admit(request: IncomingMessage): Promise<{ status: number; message: string } | null> {
    const pathId = APP_PATH.exec(pathOf(request))![1]!;
    const user = await this.options.verifyAccessToken(tokenOf(request) ?? '');
    if (!user) return { status: 401, message: 'Unauthorized' };
    if (this.options.hub.socketsOf(user.userId) >= this.options.maxSocketsPerUser)
      return { status: 429, message: 'Too Many Requests' };
    const home = await this.homeFor(user.userId, pathId);
    if (home === 'bad_id') return { status: 400, message: 'Bad Request' };
    if (home === null) return { status: 404, message: 'Not Found' };
    if ('role' in home && !can(home.role, 'device.read')) return { status: 403, message: 'Forbidden' };
    // Before the 101: everything after the app sees its socket open is delivered to it.
    await this.options.hub.ensureSubscribed();
    this.admitted.set(request, { userId: user.userId, expiresAtMs: user.expiresAt * 1000, home });
    return null;
  }

  private async homeFor(userId: string, pathId: string): Promise<Admitted['home'] | null | 'bad_id'> {
    if (isUuid(pathId)) return (await this.options.memberships.homesOf(userId, pathId.toLowerCase()))[0] ?? null;
    if (!LOCAL_HOME_ID.test(pathId)) return 'bad_id';
    const withGateway = (await this.options.memberships.homesOf(userId)).filter(
      (home) => home.active_gateway_id !== null,
    );
    return withGateway.length === 1 ? withGateway[0]! : { refusal: USE_CLOUD_HOME_ID };
  }

  /** Takes a socket whose upgrade `verifyClient` admitted. */
  async accept(socket: WebSocket, request: IncomingMessage): Promise<void> {
    const admitted = this.admitted.get(request);
    if (!admitted) return void socket.close(APP_CLOSE.unauthorized, 'unauthenticated');
    if ('refusal' in admitted.home) return void socket.close(APP_CLOSE.homeNotFound, admitted.home.refusal);
    // Several upgrades of one user may have passed the check together.
    if (this.options.hub.socketsOf(admitted.userId) >= this.options.maxSocketsPerUser) {
      return void socket.close(APP_CLOSE.tooMany, `at most ${this.options.maxSocketsPerUser} live sockets per user`);
    }
    const home = admitted.home;
    const appSocket = new AppSocket(socket, admitted.userId, home.id, admitted.expiresAtMs, this.options.settings);
    try {
      await this.options.hub.add(appSocket, home.active_gateway_id);
      // Again now that the hub follows the log: a revocation the read model applied since the upgrade closes it
      // here, a later one through the subscription.
      const role = await this.options.memberships.roleOf(home.id, admitted.userId);
      if (role === null || !can(role, 'device.read'))
        appSocket.close(APP_CLOSE.forbidden, 'your access to this home was revoked');
    } catch (error) {
      this.options.logger.error({ err: error, home_id: home.id }, 'app socket could not start');
      appSocket.close(APP_CLOSE.serverError, 'server error; reconnect later');
    }
  }
}

function pathOf(request: IncomingMessage): string {
  return new URL(request.url ?? '/', 'http://app.invalid').pathname;
}

/** `?token=` as the app sends it, or an `Authorization: Bearer` header. */
function tokenOf(request: IncomingMessage): string | null {
  const fromQuery = new URL(request.url ?? '/', 'http://app.invalid').searchParams.get('token');
  if (fromQuery) return fromQuery;
  const match = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '');
  return match ? match[1]! : null;
}
