/**
 * The staff console in a real browser (Debian's chromium driven by playwright-core) against a started server:
 * staff sign in; a simulated gateway connects and the live overview shows it online; staff revoke it with a
 * reason and its session closes; the audit log, filtered, shows the revocation with its reason; staff deactivate
 * a user, whose next API call is 401; staff rebuild a projection and watch its progress bar, moved by the live
 * feed, reach completion; a user who is not staff is refused. Every page is screenshotted into
 * test/artifacts/ (not committed), also on a narrow screen. Skipped, saying so, when no chromium is installed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerWithGateway, registerUser, type ProvisionedGateway, type TestUser } from '../support/fixtures.ts';
import { GatewaySocket } from '../support/gateway-socket.ts';
import { makeStaff, STAFF_PASSWORD, type TestStaff } from '../support/staff.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
const ARTIFACTS = path.resolve(import.meta.dirname, '../artifacts');
const REASON = 'Gateway reported stolen (ticket 4711)';
/** The promise: a gateway that connects is shown online within two seconds. */
const ONLINE_WITHIN_MS = 2_000;

if (!HAVE_CHROMIUM)
  console.warn(`admin console browser test skipped: no chromium at ${CHROMIUM} (apt-get install chromium)`);

describe.skipIf(!HAVE_CHROMIUM)('admin console in chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let staff: TestStaff;
  let gateway: ProvisionedGateway;
  let victim: TestUser;
  let outsider: TestUser;
  const problems: string[] = [];

  const shoot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    // Rebuild pages of one event, each reported: the progress bar moves through every step.
    server = await startTestServer('pglite', { REBUILD_PAGE_SIZE: '1', REBUILD_PROGRESS_INTERVAL_MS: '0' });
    [staff, gateway, victim, outsider] = await Promise.all([
      makeStaff(server),
      ownerWithGateway(server, 'console-owner'),
      registerUser(server, 'console-victim'),
      registerUser(server, 'console-outsider'),
    ]);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // A CSP violation or a script error shows up here: the console must run under its own strict policy.
    // (A failed load is reported below with its URL; the browser's own favicon request is not the console's.)
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
        problems.push(message.text());
    });
    page.on('response', (response) => {
      if (response.status() >= 400 && !response.url().endsWith('/favicon.ico'))
        problems.push(`${response.status()} ${response.url()}`);
    });
    page.on('pageerror', (error) => problems.push(error.message));
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('serves the console with a strict Content-Security-Policy', async () => {
    const response = await page.goto(`${server.url}/admin/`);
    const policy = response!.headers()['content-security-policy'];
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toContain('unsafe-inline');
  });

  it('lets staff sign in and shows the live overview', async () => {
    await page.getByLabel('E-mail').fill(staff.email);
    await page.getByLabel('Password').fill(STAFF_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Fleet overview (live)' }).waitFor();
    await page.locator('[data-metric=online] dd').waitFor();
    expect(await page.locator('[data-metric=online] dd').textContent()).toBe('0');
    await shoot('overview');
  });

  it('shows a gateway online within 2 s of its connecting', async () => {
    const socket = await GatewaySocket.connect(server.url, gateway);
    await socket.next('welcome');
    await page.locator('[data-metric=online] dd', { hasText: /^1$/ }).waitFor({ timeout: ONLINE_WITHIN_MS });
    await shoot('overview-online');

    await page.getByRole('link', { name: 'Gateways' }).click();
    const revoke = page.getByRole('button', { name: 'Revoke Hall' });
    await revoke.waitFor();
    await shoot('gateways');
    await revoke.click();
    const dialog = page.getByRole('dialog', { name: 'Revoke gateway' });
    await dialog.getByLabel(/Reason/).fill(REASON);
    await shoot('gateways-revoke-confirmation');
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    expect((await socket.closed).reason).toMatch(/revoked/);
    await page.getByRole('cell', { name: 'revoked' }).first().waitFor();
  });

  it('finds the revocation and its reason in the filtered audit log', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByLabel('Event types').fill('GatewayRevoked');
    await page.getByLabel('Gateway id').fill(gateway.gatewayId);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('cell', { name: `reason: ${REASON}` }).waitFor();
    // The unfiltered first page (shown when the page opened) is replaced by the filtered one: the header and the
    // one revocation.
    await expect.poll(() => page.getByRole('row').count()).toBe(2);
    await shoot('audit');
  });

  it('deactivates a user from the keyboard, whose next API call is 401', async () => {
    expect((await victim.http.get('/api/auth/profile')).status).toBe(200);
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByLabel('E-mail or name').fill(victim.email);
    await page.keyboard.press('Enter');
    const deactivate = page.getByRole('button', { name: `Deactivate ${victim.email}` });
    await deactivate.focus();
    await page.keyboard.press('Enter');
    await page.keyboard.type('Abuse report confirmed');
    // From the reason to Cancel, then to the confirming button.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: `Reactivate ${victim.email}` }).waitFor();
    expect((await victim.http.get('/api/auth/profile')).status).toBe(401);
    await shoot('users');
  });

  it('rebuilds a projection with a reason, its progress bar moved by the live feed to completion', async () => {
    let projectionReads = 0;
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/admin/projections') projectionReads += 1;
    });
    await page.getByRole('link', { name: 'Projections', exact: true }).click();
    const rebuild = page.getByRole('button', { name: 'Rebuild users' });
    await rebuild.waitFor();
    // Every value the bar shows on the way (old values too: several feed events may arrive in one task).
    await page.evaluate(`(() => {
      window.seen = [];
      const bar = document.querySelector('[data-rebuild-bar="users"]');
      new MutationObserver((records) => {
        for (const record of records) if (record.attributeName === 'value') window.seen.push(Number(record.oldValue));
      }).observe(bar, { attributes: true, attributeOldValue: true });
    })()`);
    await rebuild.click();
    const dialog = page.getByRole('dialog', { name: 'Rebuild users' });
    await dialog.getByLabel(/Reason/).fill('Handler fixed (ticket 88)');
    await dialog.getByRole('button', { name: 'Rebuild' }).click();
    await page.locator('[data-rebuild-state="users"]', { hasText: /^completed/ }).waitFor({ timeout: 30_000 });
    const final = await page.evaluate<[number, number]>(
      `(() => { const bar = document.querySelector('[data-rebuild-bar="users"]'); return [bar.value, bar.max]; })()`,
    );
    expect(final[0]).toBe(final[1]);
    // A step on the way: a value set after the start and before the end.
    const seen = await page.evaluate<number[]>('window.seen');
    expect(
      seen.some((value) => value > 0 && value < final[1]),
      JSON.stringify(seen),
    ).toBe(true);
    // The progress came from the event feed: the table was read once, when the page opened.
    expect(projectionReads).toBe(1);
    await shoot('projections-rebuilt');
  });

  it('shows homes, sessions and projections, and fits a narrow screen', async () => {
    for (const [link, heading] of [
      ['Homes', 'Homes'],
      ['Sessions', 'Open bridge sessions'],
      ['Projections', 'Projections'],
    ] as const) {
      await page.getByRole('link', { name: link, exact: true }).click();
      await page.getByRole('heading', { name: heading }).waitFor();
      await page.locator('table').first().waitFor();
      await shoot(link.toLowerCase());
    }
    await page.setViewportSize({ width: 360, height: 740 });
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('table').waitFor();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await shoot('users-narrow');
    expect(problems).toEqual([]);
  });

  it('refuses a user who is not staff', async () => {
    const context = await browser.newContext();
    const other = await context.newPage();
    await other.goto(`${server.url}/admin/`);
    await other.getByLabel('E-mail').fill(outsider.email);
    await other.getByLabel('Password').fill('correct horse battery');
    await other.getByRole('button', { name: 'Sign in' }).click();
    await other.getByRole('alert').getByText('not staff').waitFor();
    expect(await other.getByRole('navigation').isVisible()).toBe(false);
    await other.screenshot({ path: path.join(ARTIFACTS, 'refused.png') });
    await context.close();
  });
});
