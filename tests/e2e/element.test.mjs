// The custom element <eoscope-widget>, lazy start, the JS API's argument checks and the watchdog,
// in headless Chromium under the strict CSP (see harness.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST, launchBrowser, openPage, startServer } from './harness.mjs';

let server;
let browser;
let dir;

const page = (body) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>host</title>
<link rel="icon" href="favicon.svg"><link rel="stylesheet" href="test.css"><script type="module" src="boot.js"></script>
</head><body>${body}</body></html>`;

const element = (id, attrs = '', content = '') =>
    `<eoscope-widget id="${id}" scenario="txn-commit" controls="minimal" panels="logs,verdicts" ${attrs}>${content}</eoscope-widget>`;

before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eoscope-element-'));
    cpSync(DIST, dir, { recursive: true });
    writeFileSync(join(dir, 'test.css'), '.spacer-test { height: 4000px; } eoscope-widget { display: block; }');
    writeFileSync(
        join(dir, 'element.html'),
        page(
            element('e1', 'autoplay="false"') +
                '<div class="spacer-test"></div>' +
                element('far', 'autoplay="false"', '<p class="fallback">A transaction commits: the markers make its records readable.</p>') +
                '<div id="api"></div><div id="api2"></div>',
        ),
    );
    const twenty = Array.from({ length: 20 }, (_, i) => element(`w${i}`, 'autoplay="true"')).join('\n');
    writeFileSync(join(dir, 'twenty.html'), page(twenty));
    server = await startServer(dir, { cors: true });
    browser = await launchBrowser();
});

after(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
});

const open = (path, opts = {}) => openPage(browser, server.url + path, { width: 700, height: 900, ...opts });
const stepOf = (p, id) => p.locator(`#${id}`).getAttribute('data-eoscope-step');

test('<eoscope-widget> mounts from its attributes, keeps its content until it comes near, and applies a changed step', async () => {
    const app = await open('element.html', { waitFor: '#e1 .eoscope .partition' });
    const { page: p } = app;
    assert.equal(await stepOf(p, 'e1'), '0');
    // The far one still shows the author's own content: nothing fetched or simulated for it.
    assert.equal(await p.locator('#far .fallback').innerText(), 'A transaction commits: the markers make its records readable.');
    assert.equal(await p.locator('#far .eoscope').count(), 0);
    await p.locator('#far').scrollIntoViewIfNeeded();
    await p.locator('#far .eoscope .partition').first().waitFor();
    assert.equal(await p.locator('#far .fallback').count(), 0);
    // An author's script sets `step`: the widget is rebuilt at that step.
    await p.evaluate(() => document.getElementById('far').setAttribute('step', '12'));
    await p.waitForFunction(() => document.getElementById('far').dataset.eoscopeStep === '12');
    // A bad attribute set later: its message, in that widget.
    await p.evaluate(() => document.getElementById('far').setAttribute('step', 'twelve'));
    await p.locator('#far .notice').getByText('step must be a whole number').waitFor();
    await app.close();
});

test('20 widgets on a page: only those near the viewport mount and play; a removed one stops', async () => {
    const app = await open('twenty.html', { waitFor: '#w0 .eoscope .partition' });
    const { page: p } = app;
    await p.waitForFunction(() => Number(document.getElementById('w0').dataset.eoscopeStep) > 0);
    const mounted = await p.locator('eoscope-widget .eoscope').count();
    assert.ok(mounted >= 1 && mounted <= 6, `${mounted} of 20 mounted`);
    const idle = await p.evaluate(() =>
        [...document.querySelectorAll('eoscope-widget')].filter((e) => e.dataset.eoscopeStep === undefined).length,
    );
    assert.equal(idle, 20 - mounted, 'the others have no step: not simulated');
    // w0 plays (autoplay): removed from the page, it sends no more steps.
    await p.evaluate(() => {
        const el = document.getElementById('w0');
        window.__after = 0;
        el.addEventListener('eoscope:step', () => window.__after++);
        el.remove();
    });
    await p.waitForTimeout(1200);
    assert.equal(await p.evaluate(() => window.__after), 0, 'no step after removal');
    await app.close();
});

test('eoscope.mount refuses hostile arguments with a TypeError before the wasm sees them; the page keeps working', async () => {
    const app = await open('element.html', { waitFor: '#e1 .eoscope .partition' });
    const { page: p } = app;
    await p.waitForFunction(() => window.eoscope);
    const errors = await p.evaluate(async () => {
        const api = document.getElementById('api');
        const cyclic = {};
        cyclic.self = cyclic;
        let deep = {};
        for (let i = 0; i < 10000; i++) deep = { d: deep };
        const cases = [
            [document.body, {}],
            [document.documentElement, {}],
            [{ nodeType: 1, setAttribute() {} }, {}],
            [api, { step: NaN }],
            [api, { step: Infinity }],
            [api, { scenario: 'txn-commit', extra: cyclic }],
            [api, deep],
            [api, new Map([['scenario', 'txn-commit']])],
            [api, [1, 2]],
            [api, { lang: new Date() }],
            [api, Object.create({ scenario: 'txn-commit' })],
        ];
        const out = [];
        for (const [el, o] of cases) {
            try {
                await window.eoscope.mount(el, o);
                out.push('accepted');
            } catch (e) {
                out.push(`${e.name}: ${e.message}`);
            }
        }
        return out;
    });
    assert.deepEqual(errors, [
        'TypeError: eoscope.mount: the element cannot be <html>, <head> or <body> (it would replace the page)',
        'TypeError: eoscope.mount: the element cannot be <html>, <head> or <body> (it would replace the page)',
        'TypeError: eoscope.mount: the first argument must be an element of the page',
        'TypeError: eoscope.mount: option `step` must be a string, a finite number or a boolean',
        'TypeError: eoscope.mount: option `step` must be a string, a finite number or a boolean',
        'TypeError: eoscope.mount: option `extra` must be a string, a finite number or a boolean',
        'TypeError: eoscope.mount: option `d` must be a string, a finite number or a boolean',
        'TypeError: eoscope.mount: the options must be a plain object, like {scenario: "txn-commit"}',
        'TypeError: eoscope.mount: the options must be a plain object, like {scenario: "txn-commit"}',
        'TypeError: eoscope.mount: option `lang` must be a string, a finite number or a boolean',
        'TypeError: eoscope.mount: the options must be a plain object, like {scenario: "txn-commit"}',
    ]);
    // The body is untouched and the instance alive: a good mount works, and e1 still steps.
    assert.equal(await p.locator('#e1').count(), 1);
    assert.equal(await p.evaluate(() => window.eoscope.mount(document.getElementById('api2'), { scenario: 'txn-commit', controls: 'minimal', panels: 'logs', autoplay: false })), undefined);
    await p.locator('#api2 .eoscope .partition').first().waitFor();
    await p.locator('#e1').getByRole('button', { name: 'Step forward' }).click();
    await p.waitForFunction(() => document.getElementById('e1').dataset.eoscopeStep === '1');
    await app.close();
});

test('watchdog: if the instance traps, every widget it serves says so in place', async () => {
    const app = await open('element.html', { waitFor: '#e1 .eoscope .partition' });
    const { page: p } = app;
    await p.locator('#far').scrollIntoViewIfNeeded();
    await p.locator('#far .eoscope .partition').first().waitFor();
    // The reader's build is the one these widgets use; a trap in it, as a bug in a handler would.
    const js = await p.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).find((u) => /eoscope-reader-[0-9a-f]+\.js$/.test(u)));
    assert.ok(js, 'the reader build was loaded');
    await p.evaluate(async (url) => {
        const mod = await import(url);
        setTimeout(() => mod.__abortForTests());
    }, js);
    for (const id of ['e1', 'far']) {
        await p.locator(`#${id} .eoscope-failed`).getByText('eoscope stopped: reload the page.').waitFor();
    }
    // The trap itself is the one expected page error.
    assert.ok(app.problems.every((m) => /unreachable/.test(m)), app.problems.join('\n'));
    app.problems.length = 0;
    await app.close();
});
