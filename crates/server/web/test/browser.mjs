#!/usr/bin/env node
// Browser test of the `syncaut serve` web page, as a person would use it.
//
//   node test/browser.mjs <baseUrl> <apiKey> <screenshotsDir>
//
// Needs a server started with `syncaut serve --sandbox` (its fake store `abc123xyz`
// and the credential `Sandbox`), and Debian's /usr/bin/chromium (or CHROMIUM_PATH),
// driven headless by playwright-core. It:
//
//   1. opens the page; a wrong API key is refused, the right one connects;
//   2. checks the Credentials panel lists `Sandbox`, tests it against the store, and
//      adds, tests (refused: a made-up token) and deletes a scratch credential;
//   3. builds a two-step workflow: `customers` (Get all customers, customer group
//      "Retail" chosen in the store-options widget) and `orders` (Get all orders,
//      status "Awaiting Fulfillment", `page` = {{customers.data.[0].id}} inserted with
//      the "+ variable" picker), and checks the exact request the page sends;
//   4. runs it, waits (60 s at most) until both steps show `succeeded` from the live
//      event stream, and checks the `orders` output has an order with "status_id": 11;
//   5. checks Recent runs (and GET /v1/runs) list the run, and that opening it shows
//      its steps.
//
// Any console error, uncaught page error, failed request or error answer from the
// server fails the test, except the ones a step expects (listed in report.json under
// "expected", with the reason). Writes 01-start.png, 02-forms.png, 03-options.png,
// 04-picker.png, 05-run.png (full page) and report.json
// `{ "ok", "steps": [...], "errors": [...] }` into <screenshotsDir>. Exits 0 only when
// everything passed.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const RUN_TIMEOUT_MS = 60_000;
const UI_TIMEOUT_MS = 15_000;
const TEMPLATE = '{{customers.data.[0].id}}';

const [baseArg, apiKey, shotsArg] = process.argv.slice(2);
if (!baseArg || !apiKey || !shotsArg) {
  console.error('usage: node test/browser.mjs <baseUrl> <apiKey> <screenshotsDir>');
  process.exit(2);
}
const baseUrl = baseArg.replace(/\/+$/, '');
const origin = new URL(baseUrl).origin;
const shotsDir = path.resolve(shotsArg);

const report = { ok: false, baseUrl, steps: [], errors: [], expected: [], screenshots: [], run: null };

// Error answers a step expects: [{ method, path, status, reason }], consumed once each.
let allowances = [];
function expectFailure(method, urlPath, status, reason) {
  allowances.push({ method, path: urlPath, status, reason });
}
function allowed(method, url, status) {
  const u = new URL(url);
  const i = allowances.findIndex((a) => a.method === method && a.path === u.pathname && a.status === status);
  if (i === -1) return null;
  const [a] = allowances.splice(i, 1);
  report.expected.push({ method, path: u.pathname, status, reason: a.reason });
  return a;
}
// Chrome logs every error answer as a console error too ("Failed to load resource");
// one whose answer was expected is not an error of its own.
const expectedUrls = new Set();

function fail(kind, text) {
  report.errors.push({ kind, text });
  console.error(`  ! ${kind}: ${text}`);
}

async function shot(page, name) {
  const file = path.join(shotsDir, name);
  await page.screenshot({ path: file, fullPage: true });
  // A full-page capture leaves Chromium's scroll state off by a little, enough for the
  // next click to press on one element and release on another: start again from the top
  // (every action scrolls its element into view anyway).
  await page.evaluate(() => window.scrollTo(0, 0));
  report.screenshots.push(name);
}

async function step(name, fn) {
  const started = Date.now();
  const errorsBefore = report.errors.length;
  process.stdout.write(`- ${name} … `);
  try {
    const detail = await fn();
    const entry = { name, ok: true, ms: Date.now() - started };
    if (detail !== undefined) entry.detail = detail;
    if (report.errors.length > errorsBefore) {
      entry.ok = false;
      entry.error = `${report.errors.length - errorsBefore} page error(s) during this step`;
    }
    report.steps.push(entry);
    console.log(entry.ok ? 'ok' : `FAILED (${entry.error})`);
  } catch (e) {
    report.steps.push({ name, ok: false, ms: Date.now() - started, error: String((e && e.message) || e) });
    console.log('FAILED');
    throw e;
  }
}

/** JSON with object keys sorted, to compare values whatever their key order. */
function canonical(value) {
  return JSON.stringify(value, (_, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v,
  );
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function main() {
  await mkdir(shotsDir, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US', timezoneId: 'UTC' });
    context.setDefaultTimeout(UI_TIMEOUT_MS);
    const page = await context.newPage();

    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const where = msg.location() && msg.location().url;
      if (msg.text().startsWith('Failed to load resource') && where && expectedUrls.has(where)) return;
      fail('console', `${msg.text()}${where ? ` (${where})` : ''}`);
    });
    page.on('pageerror', (err) => fail('pageerror', String((err && err.stack) || err)));
    page.on('requestfailed', (req) => {
      if (!req.url().startsWith(origin)) return;
      fail('requestfailed', `${req.method()} ${req.url()}: ${req.failure() && req.failure().errorText}`);
    });
    page.on('response', (res) => {
      if (!res.url().startsWith(origin) || res.status() < 400) return;
      const method = res.request().method();
      if (allowed(method, res.url(), res.status())) {
        expectedUrls.add(res.url());
        return;
      }
      fail('http', `${method} ${res.url()} answered ${res.status()}`);
    });

    const steps = page.getByTestId('step');
    const stepCard = (i) => steps.nth(i);

    await step('open the page', async () => {
      const res = await page.goto(`${baseUrl}/`, { waitUntil: 'load' });
      check(res && res.ok(), `GET / answered ${res && res.status()}`);
      await page.getByTestId('api-key-input').waitFor();
      const hint = await page.locator('#api-key-hint').innerText();
      check(hint.includes('syncaut serve') && hint.includes('api.key'), `the key hint says: ${hint}`);
      await shot(page, '01-start.png');
    });

    await step('a wrong API key is refused', async () => {
      expectFailure('GET', '/v1/actions', 401, 'the page checks a wrong API key on purpose');
      await page.getByTestId('api-key-input').fill('not-the-key');
      await page.getByTestId('api-key-submit').click();
      const error = page.getByTestId('api-key-error');
      await error.waitFor();
      const text = await error.innerText();
      check(/refused/i.test(text), `the refusal says: ${text}`);
      return text;
    });

    await step('enter the API key', async () => {
      await page.getByTestId('api-key-input').fill(apiKey);
      await page.getByTestId('api-key-submit').click();
      await page.getByTestId('connected').waitFor();
      const stored = await page.evaluate(() => window.sessionStorage.getItem('syncaut.apiKey'));
      check(stored === apiKey, 'the key is kept in sessionStorage');
    });

    await step('the Credentials panel lists Sandbox', async () => {
      const sandbox = page.locator('[data-testid="credential"][data-name="Sandbox"]');
      await sandbox.waitFor();
      const names = await page.getByTestId('credential').evaluateAll((els) => els.map((e) => e.dataset.name));
      return { credentials: names };
    });

    await step('test Sandbox against the store', async () => {
      const row = page.locator('[data-testid="credential"][data-name="Sandbox"]');
      await row.getByTestId('credential-test-toggle').click();
      check((await row.getByTestId('credential-test-store').inputValue()) === 'abc123xyz', 'the test store defaults to abc123xyz');
      await row.getByTestId('credential-test-run').click();
      const result = row.getByTestId('credential-test-result');
      await result.waitFor();
      const text = await result.innerText();
      check((await result.getAttribute('data-ok')) === 'true', `the test says: ${text}`);
      check(text.includes("Jane's Jars"), `the test names the store: ${text}`);
      await row.getByTestId('credential-test-toggle').click();
      return text;
    });

    await step('add, test and delete a credential', async () => {
      const name = `Scratch ${Date.now()}`;
      await page.getByTestId('credential-name').fill(name);
      await page.getByTestId('credential-token').fill('not-a-real-token-0000');
      await page.getByTestId('credential-save').click();
      const row = page.locator(`[data-testid="credential"][data-name="${name}"]`);
      await row.waitFor();
      check((await page.getByTestId('credential-token').inputValue()) === '', 'the token field is cleared after saving');
      check((await page.getByTestId('credential-name').inputValue()) === '', 'the name field is cleared after saving');
      const panelText = await page.getByTestId('credentials-panel').innerText();
      check(!panelText.includes('not-a-real-token'), 'the token is never shown');

      expectFailure(
        'POST',
        `/v1/credentials/${encodeURIComponent(name)}/test`,
        422,
        'a made-up token is refused by the store (invalid_access_token), and the page shows why',
      );
      await row.getByTestId('credential-test-toggle').click();
      await row.getByTestId('credential-test-store').fill('abc123xyz');
      await row.getByTestId('credential-test-run').click();
      const result = row.getByTestId('credential-test-result');
      await result.waitFor();
      check((await result.getAttribute('data-ok')) === 'false', 'a made-up token does not pass the test');
      const message = await result.innerText();
      check(/Invalid Access Token/i.test(message), `the refusal shows the server's message: ${message}`);

      await row.getByTestId('credential-delete').click();
      await row.getByTestId('credential-confirm-delete').click();
      await row.waitFor({ state: 'detached' });
      return { refused: message.slice(0, 120) };
    });

    await step('step 1: customers, Get all customers', async () => {
      await page.getByTestId('add-step').click();
      const card = stepCard(0);
      await card.getByTestId('step-name').fill('customers');
      await card.getByTestId('step-action').selectOption('get_customers');
      check((await card.getByTestId('step-credential').inputValue()) === 'Sandbox', 'the credential defaults to Sandbox');
      check((await card.getByTestId('step-store-hash').inputValue()) === 'abc123xyz', 'the store hash defaults to abc123xyz');
      await card.locator('form.step-form').waitFor();
    });

    await step('choose the customer group "Retail" in the options widget', async () => {
      const widget = stepCard(0).locator('[data-testid="options-widget"][data-field="customer_group_id"]');
      const input = widget.getByRole('combobox');
      await input.click();
      await widget.locator('[data-testid="options-option"]', { hasText: 'Wholesale' }).waitFor();
      await input.pressSequentially('Ret', { delay: 60 });
      const retail = widget.locator('[data-testid="options-option"]', { hasText: 'Retail' });
      await retail.waitFor();
      await widget.locator('[data-testid="options-option"]', { hasText: 'Wholesale' }).waitFor({ state: 'detached' });
      const listed = await widget.getByTestId('options-option').allInnerTexts();
      await shot(page, '03-options.png');
      await retail.click();
      await widget.getByTestId('options-popup').waitFor({ state: 'detached' });
      check((await widget.getAttribute('data-value')) === '1', `the field holds ${await widget.getAttribute('data-value')}`);
      check((await input.inputValue()) === 'Retail', `the field shows ${await input.inputValue()}`);
      return { listedWhileSearching: listed };
    });

    await step('step 2: orders, Get all orders, status "Awaiting Fulfillment"', async () => {
      await page.getByTestId('add-step').click();
      const card = stepCard(1);
      await card.getByTestId('step-name').fill('orders');
      await card.getByTestId('step-action').selectOption('get_orders');
      check((await card.getByTestId('step-credential').inputValue()) === 'Sandbox', 'the credential carries over');
      check((await card.getByTestId('step-store-hash').inputValue()) === 'abc123xyz', 'the store hash carries over');
      const status = card.getByLabel('Status', { exact: true });
      await status.selectOption({ label: 'Awaiting Fulfillment' });
      const shown = await status.evaluate((el) => el.options[el.selectedIndex].text);
      check(shown === 'Awaiting Fulfillment', `the status shows ${shown}`);
    });

    await step('put {{customers.data.[0].id}} into Page with the "+ variable" picker', async () => {
      const card = stepCard(1);
      check((await stepCard(0).getByTestId('variable-picker-toggle').count()) === 0, 'the first step has no picker');
      await card.getByTestId('variable-picker-toggle').click();
      const picker = card.getByTestId('variable-picker');
      await picker.waitFor();
      await picker.getByTestId('picker-field').selectOption('page');
      const variable = picker.locator(`[data-testid="picker-variable"][data-expression="${TEMPLATE}"]`);
      await variable.waitFor();
      const offered = await picker.getByTestId('picker-variable').count();
      await picker.getByTestId('picker-filter').fill('.id}}');
      await picker.locator('[data-testid="picker-variable"]:not([data-expression$=".id}}"])').first().waitFor({ state: 'detached' });
      const filtered = await picker.getByTestId('picker-variable').evaluateAll((els) => els.map((e) => e.dataset.expression));
      check(filtered.includes(TEMPLATE), `the filter keeps ${TEMPLATE}: ${filtered.join(' ')}`);
      await shot(page, '04-picker.png');
      await variable.click();
      await picker.waitFor({ state: 'detached' });
      const value = await card.getByLabel('Page', { exact: true }).inputValue();
      check(value === TEMPLATE, `Page holds ${value}`);
      return { variablesOffered: offered, afterFilter: filtered };
    });

    await step('both steps are filled', async () => {
      await page.mouse.click(5, 5);
      await page.evaluate(() => window.scrollTo(0, 0));
      await shot(page, '02-forms.png');
    });

    let runId;
    await step('run the workflow: the page sends what was filled', async () => {
      await page.getByTestId('workflow-name').fill('Retail orders to fulfil');
      const [request] = await Promise.all([
        page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/v1/runs'),
        page.getByTestId('run-workflow').click(),
      ]);
      const body = request.postDataJSON();
      const wf = body.workflow;
      const expected = {
        name: 'Retail orders to fulfil',
        steps: [
          { name: 'customers', action: 'get_customers', credential: 'Sandbox', storeHash: 'abc123xyz', params: { customer_group_id: 1 } },
          { name: 'orders', action: 'get_orders', credential: 'Sandbox', storeHash: 'abc123xyz', params: { status_id: 11, page: TEMPLATE } },
        ],
      };
      check(canonical(wf) === canonical(expected), `the page sent ${JSON.stringify(wf)}`);
      const answer = await (await request.response()).json();
      runId = answer.id;
      check(typeof runId === 'string' && runId.length > 0, 'POST /v1/runs gave a run id');
      await page.locator(`[data-testid="run-panel"][data-run-id="${runId}"]`).waitFor();
      return { runId, workflow: wf };
    });

    await step('watch both steps succeed live', async () => {
      const panel = page.locator(`[data-testid="run-panel"][data-run-id="${runId}"]`);
      const stepRow = (name) => panel.locator(`[data-testid="run-step"][data-step-name="${name}"]`);
      await stepRow('customers').and(page.locator('[data-status="succeeded"]')).waitFor({ timeout: RUN_TIMEOUT_MS });
      await stepRow('orders').and(page.locator('[data-status="succeeded"]')).waitFor({ timeout: RUN_TIMEOUT_MS });
      await panel.and(page.locator('[data-status="succeeded"]')).waitFor({ timeout: RUN_TIMEOUT_MS });
      const history = {
        customers: await stepRow('customers').getAttribute('data-history'),
        orders: await stepRow('orders').getAttribute('data-history'),
      };
      for (const [name, h] of Object.entries(history)) {
        check(h === 'pending,running,succeeded', `${name} went ${h} (expected pending,running,succeeded from the event stream)`);
      }
      check((await panel.getByTestId('cancel-run').count()) === 0, 'no Cancel button once the run finished');
      return { history };
    });

    await step('the orders output shows an order with "status_id": 11', async () => {
      const row = page.locator(`[data-testid="run-step"][data-step-name="orders"]`);
      const output = row.getByTestId('step-output');
      await output.waitFor();
      const text = await output.textContent();
      check(text.includes('"status_id": 11'), 'the orders output has "status_id": 11');
      const parsed = JSON.parse(text);
      const orders = parsed.data;
      check(Array.isArray(orders) && orders.length > 0, 'the orders output lists orders');
      check(orders.every((o) => o.status_id === 11), 'every order listed is Awaiting Fulfillment');
      check(orders.some((o) => o.customer_id === 1) || orders.length > 0, 'orders are listed');
      const customers = await page.locator(`[data-testid="run-step"][data-step-name="customers"]`).getByTestId('step-output').textContent();
      const custData = JSON.parse(customers).data;
      check(custData.length > 0 && custData.every((c) => c.customer_group_id === 1), 'the customers are all in group 1 (Retail)');
      await page.getByTestId('run-panel').scrollIntoViewIfNeeded();
      await shot(page, '05-run.png');
      report.run = { id: runId, orders: orders.map((o) => ({ id: o.id, status_id: o.status_id })), customers: custData.map((c) => c.id) };
      return report.run;
    });

    await step('Recent runs and GET /v1/runs list the run', async () => {
      const item = page.locator(`[data-testid="recent-run"][data-run-id="${runId}"]`);
      await item.waitFor();
      const itemText = await item.innerText();
      check(itemText.includes('Retail orders to fulfil') && itemText.includes('succeeded'), `the list says: ${itemText}`);
      const res = await page.request.get(`${baseUrl}/v1/runs?limit=20`, { headers: { Authorization: `Bearer ${apiKey}` } });
      check(res.ok(), `GET /v1/runs answered ${res.status()}`);
      const runs = (await res.json()).runs;
      const listed = runs.find((r) => r.id === runId);
      check(listed && listed.status === 'succeeded' && listed.workflow === 'Retail orders to fulfil', `GET /v1/runs has ${JSON.stringify(listed)}`);
      return listed;
    });

    await step('opening a recent run shows its steps', async () => {
      await page.getByTestId('run-panel').getByRole('button', { name: 'Close' }).click();
      await page.getByTestId('run-panel').waitFor({ state: 'detached' });
      await page.locator(`[data-testid="recent-run"][data-run-id="${runId}"]`).click();
      const panel = page.locator(`[data-testid="run-panel"][data-run-id="${runId}"]`);
      await panel.waitFor();
      const statuses = await panel.getByTestId('run-step').evaluateAll((els) => els.map((e) => `${e.dataset.stepName}:${e.dataset.status}`));
      check(statuses.join(',') === 'customers:succeeded,orders:succeeded', `the run shows ${statuses.join(',')}`);
      return statuses;
    });

    check(allowances.length === 0, `expected error answers that never came: ${JSON.stringify(allowances)}`);
    await page.waitForTimeout(300); // let late console messages arrive
  } finally {
    await browser.close();
  }
}

let crashed = null;
try {
  await main();
} catch (e) {
  crashed = e;
  report.errors.push({ kind: 'test', text: String((e && e.stack) || e) });
}
report.ok = !crashed && report.errors.length === 0 && report.steps.every((s) => s.ok);
await mkdir(shotsDir, { recursive: true });
await writeFile(path.join(shotsDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
const passed = report.steps.filter((s) => s.ok).length;
const stepFailures = report.steps.length - passed;
// A failure outside any step (a late page error, a crash before the first step) counts once.
const failed = stepFailures + (!report.ok && stepFailures === 0 ? 1 : 0);
console.log(`\n${report.ok ? 'browser test passed' : 'browser test FAILED'}: ${shotsDir}/report.json`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(report.ok ? 0 : 1);
