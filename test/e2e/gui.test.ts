/**
 * The GUI in Debian's Chromium against a real `deskex serve` on a temporary data folder: the served page and its
 * headers, logging in, placing an order and seeing it in the ladder and the blotter, crossing it from a second
 * account (the trade, the tape and both accounts change), a settlement run by the admin with a statement opened
 * and drilled into, the metrics view filling from /metrics, and a tuning change taking effect. A screenshot of every
 * main view is kept under test-results/screenshots. The steps run in order and share the server and browser.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Browser,
  createTrader,
  ensureUiBuilt,
  launchBrowser,
  login,
  rest,
  type Serve,
  screenshot,
  startServe,
  type Trader,
  uiLogin,
} from './harness.ts';

const INSTRUMENT = 'IF2612';
const DEPOSIT = 1_000_000_000; // 10,000,000.00

let serve: Serve;
let browser: Browser;
let adminToken: string;
let alice: Trader;
let bob: Trader;
let alicePage: Page;
let bobPage: Page;
let adminPage: Page;

beforeAll(async () => {
  await ensureUiBuilt();
  serve = await startServe();
  adminToken = await login(serve.url, 'admin', serve.adminPassword);
  alice = await createTrader(serve.url, adminToken, 'alice', DEPOSIT);
  bob = await createTrader(serve.url, adminToken, 'bob', DEPOSIT);
  browser = await launchBrowser();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

/** Opens the market view of the instrument (the picker in the header). */
async function openMarket(page: Page): Promise<void> {
  await page.goto(`${serve.url}/#/market`);
  await page.getByTestId('instrument-picker').selectOption(INSTRUMENT);
  await page.getByRole('heading', { name: `Ladder ${INSTRUMENT}` }).waitFor();
}

function ladderRow(page: Page, price: number) {
  return page.locator(`[data-testid=ladder] tr[data-price="${price}"]`);
}

describe.sequential('the GUI in Chromium', () => {
  it('serves the login page with a strict CSP and cached, hashed assets', async () => {
    const res = await fetch(`${serve.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toMatch(/connect-src 'self' ws:\/\/127\.0\.0\.1:\d+/);
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline scripts
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const a = await fetch(serve.url + asset);
    expect(a.status).toBe(200);
    expect(a.headers.get('cache-control')).toContain('immutable');
    expect(a.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${serve.url}/assets/..%2f..%2fpackage.json`)).status).toBe(404);
    // the API is still closed without credentials
    expect((await fetch(`${serve.url}/api/v1/accounts`)).status).toBe(401);
  });

  it('logs in, places an order and shows it in the ladder and the blotter', async () => {
    alicePage = await browser.newPage();
    await alicePage.goto(serve.url);
    await alicePage.getByRole('heading', { name: 'deskex' }).waitFor();
    await screenshot(alicePage, 'login');
    await uiLogin(alicePage, serve.url, alice.username, alice.password);
    await openMarket(alicePage);
    const form = alicePage.getByRole('form', { name: 'Order entry' });
    await form.getByLabel('Price').fill('3799.8');
    await form.getByLabel('Volume').fill('2');
    await form.getByLabel('Volume').press('Enter'); // keyboard: Enter sends
    await expect
      .poll(() => alicePage.getByTestId('order-result').textContent())
      .toMatch(/Order \d+ new: buy 2 IF2612 @ 3799\.8/);
    // the ladder: bid volume 2 at 3799.8, marked as mine
    await ladderRow(alicePage, 37998).locator('td.own-buy', { hasText: '2' }).waitFor();
    expect(await ladderRow(alicePage, 37998).locator('td.bid').textContent()).toBe('2');
    expect(await ladderRow(alicePage, 37998).getAttribute('class')).toContain('best-bid');
    // the blotter
    const open = alicePage.getByTestId('open-orders');
    await open.locator('tbody tr', { hasText: '3799.8' }).waitFor();
    expect(await open.locator('tbody tr').count()).toBe(1);
    await screenshot(alicePage, 'market');
  });

  it("shows the API's refusal next to the field", async () => {
    const form = alicePage.getByRole('form', { name: 'Order entry' });
    // 500 lots at 3790.0 need 68 million of margin: the risk check refuses, and says so at the volume
    await form.getByLabel('Price').fill('3790');
    await form.getByLabel('Volume').fill('500');
    await form.getByRole('button', { name: 'Buy 500 IF2612 @ 3790' }).click();
    const volume = form.getByLabel('Volume');
    await expect.poll(() => volume.getAttribute('aria-invalid')).toBe('true');
    expect(await form.locator('.field.invalid').textContent()).toMatch(/RISK_INSUFFICIENT_FUNDS/);
    expect(await form.getByLabel('Price').getAttribute('aria-invalid')).toBe('false');
  });

  it('crosses it from a second account: the trade, the tape and both accounts change', async () => {
    bobPage = await browser.newPage();
    await uiLogin(bobPage, serve.url, bob.username, bob.password);
    await openMarket(bobPage);
    // bob sees alice's bid; a click on its price fills in the ticket
    await ladderRow(bobPage, 37998).locator('td.bid', { hasText: '2' }).waitFor();
    await ladderRow(bobPage, 37998).locator('td.price button').click();
    const form = bobPage.getByRole('form', { name: 'Order entry' });
    await expect.poll(() => form.getByLabel('Price').inputValue()).toBe('3799.8');
    await form.getByLabel('Sell').check();
    await form.getByLabel('Volume').fill('2');
    await form.getByRole('button', { name: 'Sell 2 IF2612 @ 3799.8' }).click();
    await expect
      .poll(() => bobPage.getByTestId('order-result').textContent())
      .toMatch(/Order \d+ filled: sell 2 IF2612 @ 3799\.8, filled 2/);
    // the tape on both pages
    for (const page of [alicePage, bobPage]) {
      const first = page.locator('[data-testid=tape] tbody tr').first();
      await first.filter({ hasText: '3799.8' }).waitFor();
      expect(await first.getAttribute('class')).toBe('sell');
    }
    // alice: the bid is gone from the ladder and the blotter; the trade is in her trades
    await ladderRow(alicePage, 37998).locator('td.bid', { hasText: /^$/ }).waitFor();
    await alicePage.getByTestId('open-orders').getByText('No open orders.').waitFor();
    await alicePage.getByRole('tab', { name: 'My trades' }).click();
    await alicePage.getByTestId('my-trades').locator('tbody tr', { hasText: '3799.8' }).waitFor();
    await alicePage.getByRole('tab', { name: 'Order history' }).click();
    await alicePage.getByTestId('order-history').locator('tbody tr', { hasText: 'filled' }).waitFor();
    // both accounts: long 2 and short 2, margin and commission charged
    for (const [page, side] of [
      [alicePage, 'long'],
      [bobPage, 'short'],
    ] as const) {
      await page.goto(`${serve.url}/#/account`);
      const row = page.getByTestId('positions').locator(`tr[data-instrument="${INSTRUMENT}"]`);
      await row.waitFor();
      const cells = await row.locator('td').allTextContents();
      // long (today / yd), avg long, short (today / yd), ...
      expect(side === 'long' ? cells[0] : cells[2]).toBe('2 / 0');
      const qifi = page.getByTestId('qifi');
      await expect.poll(() => qifi.locator('[data-field=commission] dd').textContent()).not.toBe('0.00');
      expect(await qifi.locator('[data-field=margin] dd').textContent()).not.toBe('0.00');
    }
    await alicePage.getByTestId('equity-curve').locator('canvas').first().waitFor();
    await screenshot(alicePage, 'account');
    // the REST view agrees
    const a = await rest(serve.url, 'GET', `/api/v1/accounts/${alice.accountId}/positions`, { token: adminToken });
    expect(a.positions.find((p: { instrumentId: string }) => p.instrumentId === INSTRUMENT).long.today).toBe(2);
  });

  it('runs a settlement as admin and opens a statement with its drill-down', async () => {
    adminPage = await browser.newPage();
    await uiLogin(adminPage, serve.url, 'admin', serve.adminPassword);
    await adminPage.goto(`${serve.url}/#/settlement`);
    await adminPage.getByRole('button', { name: 'Close all instruments' }).click();
    await expect.poll(() => adminPage.getByTestId('settle-note').textContent()).toMatch(/Every instrument is closed/);
    await adminPage.getByRole('button', { name: 'Run settlement' }).click();
    await expect.poll(() => adminPage.getByTestId('settle-note').textContent()).toMatch(/Settled day 1/);
    const runs = adminPage.getByTestId('settlement-runs');
    await runs.locator('tbody tr', { hasText: /^1/ }).waitFor();
    await adminPage.getByRole('button', { name: 'Open day 1' }).click();
    await adminPage.getByRole('button', { name: `Open the statement of account ${alice.accountId}` }).click();
    const statement = adminPage.getByTestId('statement');
    await statement.waitFor();
    const pos = statement.getByTestId('statement-positions').locator(`tr[data-instrument="${INSTRUMENT}"]`);
    await pos.waitFor();
    // after settlement today's position is yesterday's
    expect((await pos.locator('td').allTextContents())[0]).toBe('0 / 2');
    await pos.getByRole('button', { name: INSTRUMENT }).click();
    await adminPage.getByRole('heading', { name: `Trades of ${INSTRUMENT} show all` }).waitFor();
    const trades = statement.getByTestId('statement-trades').locator('tbody tr');
    expect(await trades.count()).toBe(1);
    expect(await trades.first().textContent()).toContain('3799.8');
    const csv = adminPage.getByRole('link', { name: 'Export all statements (CSV)' });
    const href = await csv.getAttribute('href');
    const res = await adminPage.request.get(serve.url + href);
    expect(res.status()).toBe(200);
    expect(await res.text()).toContain(String(alice.accountId));
    await screenshot(adminPage, 'settlement');
    // open the next day again for the views after this one
    await adminPage.getByRole('button', { name: 'Open the next day (continuous)' }).click();
    await expect.poll(() => adminPage.getByTestId('settle-note').textContent()).toMatch(/continuous/);
  });

  it('shows live metrics from the API', async () => {
    await adminPage.goto(`${serve.url}/#/metrics`);
    await expect
      .poll(async () => Number(await adminPage.getByTestId('metrics-samples').textContent()), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(3);
    // three browser pages are connected
    expect(Number(await adminPage.getByTestId('ws-clients').textContent())).toBeGreaterThanOrEqual(3);
    await adminPage.getByTestId('latency-chart').locator('canvas').first().waitFor();
    await screenshot(adminPage, 'metrics');
  });

  it('changes a tuning control and sees it take effect', async () => {
    await adminPage.goto(`${serve.url}/#/tuning`);
    expect(await adminPage.getByTestId('applies-shards').textContent()).toBe('needs a restart');
    expect(await adminPage.getByTestId('applies-snapshotEvery').textContent()).toBe('applies live');
    const before = await rest(serve.url, 'GET', '/api/v1/tuning', { token: adminToken });
    const snapshotsBefore = before.stats.snapshots as number;
    // a snapshot every 1000 commands, then 1000 commands: a snapshot must be written
    const field = adminPage.getByLabel('Snapshot interval');
    await expect.poll(() => field.inputValue()).toBe(String(before.settings.snapshotEvery));
    await field.fill('1000');
    await adminPage.getByRole('button', { name: 'Apply' }).click();
    await expect
      .poll(() => adminPage.getByTestId('tuning-note').textContent())
      .toMatch(/snapshot interval 1000 \(in force now\)/);
    const after = await rest(serve.url, 'GET', '/api/v1/tuning', { token: adminToken });
    expect(after.settings.snapshotEvery).toBe(1000);
    for (let i = 0; i < 10; i++) {
      await rest(serve.url, 'POST', '/api/v1/orders/batch', {
        token: adminToken,
        body: {
          orders: Array.from({ length: 100 }, () => ({
            accountId: alice.accountId,
            instrumentId: INSTRUMENT,
            side: 'buy',
            price: 36000,
            volume: 1,
            tif: 'IOC',
          })),
        },
      });
    }
    const snaps = adminPage.locator('[data-stat=snapshots] dd');
    await expect
      .poll(async () => Number((await snaps.textContent())?.replace(/,/g, '')), { timeout: 15_000 })
      .toBeGreaterThan(snapshotsBefore);
    await screenshot(adminPage, 'tuning');
  });

  it('shows the admin pages', async () => {
    await adminPage.goto(`${serve.url}/#/admin`);
    await adminPage.getByTestId('admin-instruments').locator(`tr[data-instrument="${INSTRUMENT}"]`).waitFor();
    await screenshot(adminPage, 'admin');
    await adminPage.getByRole('tab', { name: 'Accounts and funds' }).click();
    await adminPage.getByTestId('admin-accounts').locator(`tr[data-account="${alice.accountId}"]`).waitFor();
    await adminPage.getByRole('tab', { name: 'Users' }).click();
    await adminPage.getByTestId('admin-users').locator('tr[data-user="bob"]').waitFor();
    await screenshot(adminPage, 'admin-users');
  });

  it('ran without console errors or CSP violations', () => {
    expect(browser.problems).toEqual([]);
  });
});
