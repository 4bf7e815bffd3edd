#!/usr/bin/env node
// Form-schema browser harness.
//
//   node tests/forms/run.mjs <schemas-dir> <out-dir>
//
// <schemas-dir> is the output of `syncaut actions export --out DIR`: index.json
// names node.json and each action's form schema. Every form schema is rendered
// with the stock react-jsonschema-form (see page.jsx) in headless Chromium
// (Debian's /usr/bin/chromium, driven by playwright-core). For each form this
// writes <out-dir>/<name>.png (as loaded) and <out-dir>/<name>.empty-submit.png
// (after clicking Submit on the untouched form), and finally
// <out-dir>/report.json:
//
//   { "forms": [ {
//       "name": "get_orders", "file": "get_orders.json",
//       "fields": [ { "id", "label", "kind": "input"|"select"|"checkbox"|"textarea"|"radio"|"array"|…,
//                     "inputType", "required", "options"?, "value" } ],
//       "unsupported": [ "Unsupported field schema for field root_x: …" ],
//       "consoleErrors": [ { "type": "error"|"warning"|"pageerror", "text" } ],
//       "renderError": null | "message",
//       "emptySubmit": { "submitted": bool, "formData": {…}|null,
//                        "errors": [ "text as rjsf's error list shows it" ],
//                        "errorObjects": [ { "property", "message", "name", "stack" } ],
//                        "html5Blocked": bool, "html5Errors": [ "Label: browser message" ] }
//   } ] }
//
// emptySubmit: with stock props the browser's HTML5 validation (required,
// pattern, min/max attributes) runs before rjsf's; when it blocks the submit,
// html5Blocked/html5Errors record that, and the harness resubmits with
// form.noValidate so submitted/formData/errors always show rjsf's own verdict.
//
// consoleErrors holds console errors AND warnings (e.g. Ajv's "unknown format"
// notices) plus uncaught page errors; the harness itself never fails on them.
// The exit code is 0 once report.json is written; non-zero only when the
// harness itself broke (bad arguments, bundle build, server, browser launch).
//
// The functions below are exported so that scratch experiments can reuse the
// build/serve/launch/inspect steps.

import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const RENDER_TIMEOUT_MS = 15000;
const SUBMIT_TIMEOUT_MS = 5000;

const INDEX_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>form</title><link rel="icon" href="data:,"></head>
<body><div id="root"></div><script src="/bundle.js"></script></body></html>
`;

/** Bundles page.jsx into `<dir>/bundle.js` with the esbuild JS API (no network). */
export async function buildBundle(dir) {
  const esbuild = await import('esbuild');
  await mkdir(dir, { recursive: true });
  const outfile = path.join(dir, 'bundle.js');
  await esbuild.build({
    entryPoints: [path.join(HERE, 'page.jsx')],
    absWorkingDir: HERE,
    bundle: true,
    outfile,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    jsx: 'automatic',
    // Development React/rjsf so that their warnings reach the console.
    define: { 'process.env.NODE_ENV': '"development"' },
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  return outfile;
}

/** Serves `/` (the page), `/bundle.js` and `/schemas/<file>` from schemasDir on 127.0.0.1. */
export async function startServer(bundleFile, schemasDir) {
  const bundle = await readFile(bundleFile);
  const root = path.resolve(schemasDir);
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    try {
      if (url.pathname === '/' || url.pathname === '/index.html') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(INDEX_HTML);
      } else if (url.pathname === '/bundle.js') {
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
        res.end(bundle);
      } else if (url.pathname.startsWith('/schemas/')) {
        const file = path.resolve(root, decodeURIComponent(url.pathname.slice('/schemas/'.length)));
        if (!file.startsWith(root + path.sep)) throw Object.assign(new Error('outside'), { code: 'ENOENT' });
        const body = await readFile(file);
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(body);
      } else {
        res.writeHead(404);
        res.end();
      }
    } catch (e) {
      res.writeHead(e.code === 'ENOENT' ? 404 : 500);
      res.end(String(e.message));
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return { server, baseUrl: `http://127.0.0.1:${port}` };
}

/** Launches Debian's Chromium headless with a fresh, empty user-data-dir. */
export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'forms-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1000, height: 800 },
  });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      await rm(userDataDir, { recursive: true, force: true }).catch(() => {});
    },
  };
}

/** Opens the page for one schema URL and waits for it to render. Returns { page, consoleErrors, renderError }. */
export async function openForm(context, baseUrl, schemaUrl) {
  const page = await context.newPage();
  page.setDefaultTimeout(RENDER_TIMEOUT_MS);
  const consoleErrors = [];
  page.on('console', (msg) => {
    const type = msg.type();
    if (type === 'error' || type === 'warning') consoleErrors.push({ type, text: msg.text() });
  });
  page.on('pageerror', (err) => consoleErrors.push({ type: 'pageerror', text: String(err && err.message ? err.message : err) }));
  let renderError = null;
  try {
    await page.goto(`${baseUrl}/?schema=${encodeURIComponent(schemaUrl)}`);
    await page.waitForFunction(() => window.__ready === true, null, { timeout: RENDER_TIMEOUT_MS });
    renderError = await page.evaluate(() => window.__renderError);
  } catch (e) {
    renderError = `harness: page did not render: ${e.message}`;
  }
  return { page, consoleErrors, renderError };
}

/** Lists the rendered widgets of the form (label text + widget kind). */
export async function collectFields(page) {
  return page.evaluate(() => {
    const clean = (node) => {
      if (!node) return null;
      const c = node.cloneNode(true);
      c.querySelectorAll('.required').forEach((n) => n.remove());
      c.querySelectorAll('input, select, textarea, button').forEach((n) => n.remove());
      return c.textContent.replace(/\s+/g, ' ').trim();
    };
    const labelOf = (el) => {
      if (el.id) {
        const l = document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
        if (l) return clean(l);
      }
      const wrap = el.closest('label');
      if (wrap && !(el.type === 'radio')) return clean(wrap);
      const fs = el.closest('fieldset');
      const legend = fs && fs.querySelector(':scope > legend');
      if (legend) return clean(legend);
      return el.getAttribute('aria-label') || el.name || null;
    };
    const kindOf = (el) => {
      const tag = el.tagName.toLowerCase();
      if (tag === 'select') return el.multiple ? 'multiselect' : 'select';
      if (tag === 'textarea') return 'textarea';
      if (el.type === 'checkbox') return 'checkbox';
      if (el.type === 'radio') return 'radio';
      return 'input';
    };
    const form = document.querySelector('form');
    if (!form) return [];
    const fields = [];
    const radioGroups = new Map();
    for (const el of form.querySelectorAll('input, select, textarea')) {
      if (el.type === 'submit' || el.type === 'hidden' || el.type === 'button') continue;
      const kind = kindOf(el);
      if (kind === 'radio') {
        const key = el.name || el.id;
        let g = radioGroups.get(key);
        if (!g) {
          const fs = el.closest('.form-group') || el.closest('fieldset');
          const l = fs && (fs.querySelector(':scope > label.control-label') || fs.querySelector(':scope > legend'));
          g = { id: el.id.replace(/-\d+$/, ''), label: clean(l), kind, inputType: 'radio', required: el.required, options: [], value: null };
          radioGroups.set(key, g);
          fields.push(g);
        }
        g.options.push(clean(el.closest('label')) || el.value);
        if (el.checked) g.value = clean(el.closest('label')) || el.value;
        continue;
      }
      const f = {
        id: el.id || null,
        label: labelOf(el),
        kind,
        inputType: kind === 'input' ? el.type : null,
        required: !!el.required,
      };
      if (kind === 'select' || kind === 'multiselect') {
        f.options = [...el.options].map((o) => o.textContent.trim());
        f.value = el.selectedIndex >= 0 ? el.options[el.selectedIndex].textContent.trim() : null;
      } else if (kind === 'checkbox') {
        f.value = el.checked;
      } else {
        f.value = el.value;
      }
      fields.push(f);
    }
    // Array fields: the fieldset with its add button (the item widgets are listed above).
    for (const fs of form.querySelectorAll('fieldset.rjsf-field-array, fieldset.field-array')) {
      const legend = fs.querySelector(':scope > legend');
      fields.push({
        id: fs.id || null,
        label: clean(legend),
        kind: 'array',
        inputType: null,
        required: !!(legend && legend.querySelector('.required')),
        items: fs.querySelectorAll(':scope > .array-item-list > .rjsf-array-item, :scope .array-item').length,
        addButton: !!fs.querySelector('button.btn-add, button[id$="__add"]'),
      });
    }
    return fields;
  });
}

/** Texts of rjsf's UnsupportedField placeholders. */
export async function collectUnsupported(page) {
  return page.evaluate(() => {
    const found = [...document.querySelectorAll('.unsupported-field')].map((n) =>
      (n.querySelector('p') || n).textContent.replace(/\s+/g, ' ').trim(),
    );
    if (found.length === 0 && document.body.innerText.includes('Unsupported field schema')) {
      for (const line of document.body.innerText.split('\n')) {
        if (line.includes('Unsupported field schema')) found.push(line.trim());
      }
    }
    return found;
  });
}

/** Fields the browser's own (HTML5) constraint validation rejects, with its messages. */
export async function html5Invalid(page) {
  return page.evaluate(() => {
    const form = document.querySelector('form');
    if (!form || form.noValidate) return [];
    return [...form.elements]
      .filter((el) => el.willValidate && !el.validity.valid)
      .map((el) => {
        const l = el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
        const label = l ? l.textContent.replace(/\*/g, '').replace(/\s+/g, ' ').trim() : null;
        return { id: el.id || null, label, message: el.validationMessage };
      });
  });
}

/** Clicks Submit once; resolves { fired: bool } once onSubmit or onError ran (or after the timeout). */
async function clickSubmit(page, timeout) {
  const before = await page.evaluate(() => ({ s: window.__submitCount, e: window.__errorCount }));
  const button = page.locator('form button[type="submit"], form input[type="submit"]').first();
  if ((await button.count()) === 0) return { before, fired: false, noButton: true };
  await button.click();
  try {
    await page.waitForFunction((b) => window.__submitCount > b.s || window.__errorCount > b.e, before, { timeout });
    return { before, fired: true };
  } catch {
    return { before, fired: false };
  }
}

/**
 * Clicks Submit and reports what happened: submitted formData or the errors rjsf lists.
 *
 * With stock Form props the browser's HTML5 validation runs first (rjsf puts
 * `required` etc. on the inputs) and blocks the submit before rjsf sees it.
 * That is recorded as html5Blocked/html5Errors; the harness then sets
 * `form.noValidate` and clicks again so that `submitted`/`formData`/`errors`
 * always describe rjsf's own (Ajv) validation of the untouched form.
 */
export async function submitAndCollect(page) {
  const native = await html5Invalid(page);
  let click = await clickSubmit(page, native.length ? 300 : SUBMIT_TIMEOUT_MS);
  const result = { submitted: false, formData: null, errors: [], errorObjects: [], html5Blocked: false, html5Errors: [] };
  if (click.noButton) return { ...result, note: 'harness: no submit button' };
  if (native.length && !click.fired) {
    result.html5Blocked = true;
    result.html5Errors = native.map((n) => `${n.label || n.id}: ${n.message}`);
    await page.evaluate(() => {
      document.querySelector('form').noValidate = true;
    });
    click = await clickSubmit(page, SUBMIT_TIMEOUT_MS);
  }
  if (!click.fired) result.note = 'harness: neither onSubmit nor onError fired';
  await page.waitForTimeout(50); // let the error list paint
  const r = await page.evaluate((b) => {
    const submitted = window.__submitCount > b.s;
    const json = (v) => (v === undefined ? null : JSON.parse(JSON.stringify(v)));
    const errs = !submitted && window.__errorCount > b.e ? window.__errors || [] : [];
    const listed = [...document.querySelectorAll('.errors li, .panel-danger li')].map((n) => n.textContent.trim());
    return {
      submitted,
      formData: submitted ? json(window.__submitted) : null,
      errors: listed.length ? listed : errs.map((e) => e.stack),
      errorObjects: errs.map((e) => ({ property: e.property, message: e.message, name: e.name, stack: e.stack })),
    };
  }, click.before);
  return { ...result, ...r };
}

/** Renders one schema and fills a report entry; screenshots go to outDir. */
export async function inspectForm(context, baseUrl, outDir, name, file) {
  const entry = {
    name,
    file,
    fields: [],
    unsupported: [],
    consoleErrors: [],
    renderError: null,
    emptySubmit: { submitted: false, formData: null, errors: [], errorObjects: [], html5Blocked: false, html5Errors: [] },
  };
  const { page, consoleErrors, renderError } = await openForm(context, baseUrl, `/schemas/${file}`);
  entry.consoleErrors = consoleErrors; // filled live until the page closes
  entry.renderError = renderError;
  try {
    await page.screenshot({ path: path.join(outDir, `${name}.png`), fullPage: true });
    if (!renderError) {
      entry.fields = await collectFields(page);
      entry.unsupported = await collectUnsupported(page);
      entry.emptySubmit = await submitAndCollect(page);
      await page.screenshot({ path: path.join(outDir, `${name}.empty-submit.png`), fullPage: true });
      // A submit can also fail to render (error boundary).
      const late = await page.evaluate(() => window.__renderError);
      if (late) entry.renderError = late;
    }
  } catch (e) {
    entry.harnessError = String(e.message || e);
  } finally {
    await page.close().catch(() => {});
  }
  entry.consoleErrors = [...consoleErrors];
  return entry;
}

/** The form schemas of an export: node.json first, then each action's form in index order. */
export async function listForms(schemasDir) {
  const index = JSON.parse(await readFile(path.join(schemasDir, 'index.json'), 'utf8'));
  const files = [];
  if (index.node) files.push(index.node);
  for (const a of index.actions || []) if (a.form) files.push(a.form);
  return files.map((file) => ({ name: path.basename(file).replace(/\.json$/, ''), file }));
}

export async function run(schemasDir, outDir, forms) {
  await mkdir(outDir, { recursive: true });
  forms = forms || (await listForms(schemasDir));
  const buildDir = await mkdtemp(path.join(tmpdir(), 'forms-build-'));
  let server;
  let browser;
  try {
    const bundle = await buildBundle(buildDir);
    const srv = await startServer(bundle, schemasDir);
    server = srv.server;
    browser = await launchBrowser();
    const report = { forms: [] };
    for (const { name, file } of forms) {
      const entry = await inspectForm(browser.context, srv.baseUrl, outDir, name, file);
      report.forms.push(entry);
      const n = entry.consoleErrors.length;
      console.log(
        `${name}: ${entry.fields.length} fields, ${entry.unsupported.length} unsupported, ` +
          `${n} console messages, renderError=${entry.renderError ? 'yes' : 'no'}, ` +
          `emptySubmit=${entry.emptySubmit.submitted ? 'submitted' : `${entry.emptySubmit.errors.length} errors`}`,
      );
    }
    await writeFile(path.join(outDir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
    return report;
  } finally {
    if (browser) await browser.close();
    if (server) await new Promise((r) => server.close(r));
    await rm(buildDir, { recursive: true, force: true }).catch(() => {});
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const [schemasDir, outDir] = process.argv.slice(2);
  if (!schemasDir || !outDir) {
    console.error('usage: node tests/forms/run.mjs <schemas-dir> <out-dir>');
    process.exit(2);
  }
  run(path.resolve(schemasDir), path.resolve(outDir)).then(
    () => {
      console.log(`wrote ${path.join(path.resolve(outDir), 'report.json')}`);
      process.exit(0);
    },
    (e) => {
      console.error(`forms harness failed: ${e && e.stack ? e.stack : e}`);
      process.exit(1);
    },
  );
}
