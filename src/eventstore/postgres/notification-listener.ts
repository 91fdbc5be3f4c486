import pg from 'pg';
import { Observable, Subject, filter, map, share } from 'rxjs';

/**
 * One dedicated connection that LISTENs on a Postgres server. It reconnects with backoff when the server goes
 * away; subscribers also poll, so a notification lost during a reconnect only delays delivery.
 */
export class NotificationListener {
  private client: pg.Client | null = null;
  private readonly messages = new Subject<{ channel: string; payload: string }>();
  private readonly channels = new Set<string>();
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  /** LISTEN statements one after another: pg deprecates (and pg@9 rejects) overlapping queries on one client. */
  private statements: Promise<void> = Promise.resolve();

  constructor(
    private readonly connectionString: string,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  notifications(channel: string): Observable<string> {
    if (!this.channels.has(channel)) {
      this.channels.add(channel);
      void this.listen(channel);
    }
    return this.messages.pipe(
      filter((message) => message.channel === channel),
      map((message) => message.payload),
      share(),
    );
  }

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString });
    client.on('notification', (message) =>
      this.messages.next({ channel: message.channel, payload: message.payload ?? '' }),
    );
    client.on('error', (error) => {
      this.onError(error);
      this.scheduleReconnect();
    });
    client.on('end', () => this.scheduleReconnect());
    await client.connect();
    this.client = client;
    await this.serially(async () => {
      for (const channel of this.channels) await client.query(`listen ${pg.escapeIdentifier(channel)}`);
    });
  }

  private async listen(channel: string): Promise<void> {
    try {
      await this.serially(async () => {
        await this.client?.query(`listen ${pg.escapeIdentifier(channel)}`);
      });
    } catch (error) {
      this.onError(error);
    }
  }

  private serially(statement: () => Promise<void>): Promise<void> {
    const next = this.statements.then(statement);
    // The caller of `next` gets the failure; the chain only has to keep going for the statements after it.
    this.statements = next.catch(() => {});
    return next;
  }

  private scheduleReconnect(attempt = 0): void {
    if (this.closed || this.reconnectTimer) return;
    this.client = null;
    const delay = Math.min(5000, 100 * 2 ** attempt);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect().catch((error: unknown) => {
        this.onError(error);
        this.scheduleReconnect(attempt + 1);
      });
    }, delay);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = null;
    this.messages.complete();
    // Closing: a connection that fails to end is already broken, and ending it has nothing left to free.
    await client?.end().catch(() => {});
  }
}
