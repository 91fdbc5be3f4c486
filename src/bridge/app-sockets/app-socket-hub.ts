import { can, type Role } from '../../domain/homes/roles.ts';
import { follow, type Following } from '../../eventstore/follow.ts';
import type { EventStore, RecordedEvent } from '../../eventstore/port.ts';
import type { Logger } from '../../logger.ts';
import type { DeviceQueries } from '../../projections/queries/device-queries.ts';
import { APP_CLOSE, type AppSocket } from './app-socket.ts';
import { deviceStatusFrames, entityStateFrames, type HomeDevices } from './live-frames.ts';

/** Telemetry pushed to the app, and what changes who may listen. */
const FOLLOWED = [
  'DeviceStatesReported',
  'DeviceInventoryReported',
  'BridgeSessionOpened',
  'BridgeSessionClosed',
  'HomeGatewayAttached',
  'PermissionRevoked',
  'PermissionRoleChanged',
  'RefreshTokenRevoked',
  'RefreshTokenReuseDetected',
  'UserPasswordChanged',
  'UserDeactivated',
];
/** How long the subscription outlives the last socket (an app reconnecting keeps it). */
const IDLE_UNSUBSCRIBE_MS = 60_000;
/** After these the user's sockets close: their sign-in ended (logout, a stolen token, a new password, staff deactivated the account). */
const SESSION_ENDING = new Set([
  'RefreshTokenRevoked',
  'RefreshTokenReuseDetected',
  'UserPasswordChanged',
  'UserDeactivated',
]);

interface HomeWatch extends HomeDevices {
  gatewayId: string | null;
  deviceNames: Map<string, string>;
  /** The gateway's current session as the log tells it (a replaced session's close must not mark it offline). */
  sessionId: string | null;
  sockets: Set<AppSocket>;
  /** Set once an event replaced the inventory, so an older read-model load does not overwrite it. */
  inventoryFromLog: boolean;
}

/**
 * The app sockets of this process, by home and by user, fed by ONE event-store subscription (filtered by type,
 * from the head when the first socket came; stopped a minute after the last one left), so state reports and session
 * changes reach the app whichever process holds the gateway, and revocations from any process close sockets.
 */
export class AppSocketHub {
  private readonly homes = new Map<string, HomeWatch>();
  private readonly byUser = new Map<string, Set<AppSocket>>();
  private subscription: Following | null = null;
  private starting: Promise<void> | null = null;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: EventStore,
    private readonly devices: DeviceQueries,
    private readonly logger: Logger,
  ) {}

  socketsOf(userId: string): number {
    return this.byUser.get(userId)?.size ?? 0;
  }

  /** Registers an accepted socket; it receives every followed event from the subscription's position on. */
  async add(socket: AppSocket, activeGatewayId: string | null): Promise<void> {
    let watch = this.homes.get(socket.homeId);
    const fresh = !watch;
    if (!watch) {
      watch = {
        gatewayId: activeGatewayId,
        deviceNames: new Map(),
        sessionId: null,
        sockets: new Set(),
        inventoryFromLog: false,
      };
      this.homes.set(socket.homeId, watch);
    }
    watch.sockets.add(socket);
    const mine = this.byUser.get(socket.userId) ?? new Set();
    mine.add(socket);
    this.byUser.set(socket.userId, mine);
    void socket.closed.then(() => this.remove(socket));
    await this.ensureSubscribed();
    if (fresh && watch.gatewayId) await this.loadInventory(watch, watch.gatewayId);
  }

  /** Closes the sockets of `userId` on `homeId` whose role no longer allows watching it. */
  private closeForRole(homeId: string, userId: string, role: Role | null): void {
    if (role !== null && can(role, 'device.read')) return;
    for (const socket of this.homes.get(homeId)?.sockets ?? []) {
      if (socket.userId === userId) socket.close(APP_CLOSE.forbidden, 'your access to this home was revoked');
    }
  }

  closeAll(code: number, reason: string): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.subscription?.stop();
    this.subscription = null;
    for (const sockets of this.byUser.values()) for (const socket of sockets) socket.close(code, reason);
  }

  private remove(socket: AppSocket): void {
    const watch = this.homes.get(socket.homeId);
    watch?.sockets.delete(socket);
    if (watch && watch.sockets.size === 0) this.homes.delete(socket.homeId);
    const mine = this.byUser.get(socket.userId);
    mine?.delete(socket);
    if (mine && mine.size === 0) this.byUser.delete(socket.userId);
    this.stopLaterWhenIdle();
  }

  /** Nobody listens: after a grace (an app reconnects within seconds), telemetry costs this process nothing. */
  private stopLaterWhenIdle(): void {
    if (this.homes.size > 0 || !this.subscription || this.idleTimer) return;
    this.idleTimer = setTimeout(() => this.stopWhenIdle(), IDLE_UNSUBSCRIBE_MS);
    this.idleTimer.unref();
  }

  private stopWhenIdle(): void {
    this.idleTimer = null;
    if (this.homes.size > 0 || !this.subscription) return;
    this.subscription.stop();
    this.subscription = null;
  }

  private async loadInventory(watch: HomeWatch, gatewayId: string): Promise<void> {
    const names = await this.devices.deviceNamesOf(gatewayId);
    if (watch.inventoryFromLog || watch.gatewayId !== gatewayId) return;
    watch.deviceNames = names;
  }

  /**
   * Starts the shared subscription (from the head) unless it runs. The gate calls it before the upgrade completes,
   * so whatever happens after the app sees its socket open is delivered.
   */
  async ensureSubscribed(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (!this.subscription) {
      this.starting ??= this.subscribe().finally(() => (this.starting = null));
      await this.starting;
    }
    // An upgrade admitted but never completed (the app went away) must not keep the subscription forever.
    this.stopLaterWhenIdle();
  }

  /**
   * From the head (the gate subscribes before the upgrade completes); `follow` resumes from the last delivered
   * event after a failure, so a revocation written during the gap still closes its sockets.
   */
  private async subscribe(): Promise<void> {
    const head = await this.store.headPosition();
    this.subscription = follow(this.store, { eventTypes: FOLLOWED }, head, (event) => this.deliver(event), {
      name: 'app-sockets',
      logger: this.logger,
    });
  }

  private deliver(event: RecordedEvent): void {
    try {
      this.onEvent(event);
    } catch (error) {
      this.logger.error({ err: error, event_type: event.type, position: event.position }, 'app socket push failed');
    }
  }

  private onEvent(event: RecordedEvent): void {
    const data = event.data as { home_id?: string; user_id?: string; gateway_id?: string };
    if (SESSION_ENDING.has(event.type)) {
      for (const socket of this.byUser.get(data.user_id ?? '') ?? [])
        socket.close(APP_CLOSE.unauthorized, 'your sign-in ended; sign in again');
      return;
    }
    if (event.type === 'PermissionRevoked') return this.closeForRole(data.home_id ?? '', data.user_id ?? '', null);
    if (event.type === 'PermissionRoleChanged')
      return this.closeForRole(data.home_id ?? '', data.user_id ?? '', (event.data as { role: Role }).role);
    const watch = this.homes.get(data.home_id ?? '');
    if (!watch || !data.gateway_id) return;
    if (event.type === 'HomeGatewayAttached') {
      Object.assign(watch, {
        gatewayId: data.gateway_id,
        deviceNames: new Map(),
        sessionId: null,
        inventoryFromLog: true,
      });
      return;
    }
    // Only the home's active gateway speaks for it.
    if (watch.gatewayId !== data.gateway_id) return;
    for (const frame of this.framesFor(watch, event, data.gateway_id))
      for (const socket of watch.sockets) socket.send(frame);
  }

  private framesFor(watch: HomeWatch, event: RecordedEvent, gatewayId: string): Array<Record<string, unknown>> {
    switch (event.type) {
      case 'DeviceStatesReported':
        return entityStateFrames(
          watch,
          gatewayId,
          (event.data as { devices: Array<{ device_id: string; state: unknown }> }).devices,
        );
      case 'DeviceInventoryReported': {
        const entities = (event.data as { entities: Array<{ entity_id: string; device_name: string }> }).entities;
        watch.deviceNames = new Map(entities.map((entity) => [entity.entity_id, entity.device_name]));
        watch.inventoryFromLog = true;
        return [];
      }
      case 'BridgeSessionOpened':
        watch.sessionId = (event.data as { session_id: string }).session_id;
        return deviceStatusFrames(watch, gatewayId, true);
      case 'BridgeSessionClosed': {
        const sessionId = (event.data as { session_id: string }).session_id;
        if (watch.sessionId !== null && watch.sessionId !== sessionId) return [];
        watch.sessionId = null;
        return deviceStatusFrames(watch, gatewayId, false);
      }
      default:
        return [];
    }
  }
}
