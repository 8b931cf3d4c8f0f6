// Long text can't freeze the page (issue #17):
// - a title, beat title and narration at their caps (src/sim/limits.rs: 200 and 2,000 characters),
//   each one unbreakable word, mount fast and stay inside the widget (no horizontal overflow) at
//   390 px: `overflow-wrap: anywhere` on the whole app made Chromium's layout of such a word
//   quadratic (7–10 s for 200 KB);
// - the editor with the largest scenario file the app accepts (1 MiB): "Load this scenario" keeps
//   the reader's own text as written (no pretty-printed copy written back into the textarea), and
//   the app stays responsive with the editor open (steps while a megabyte sits in the textarea).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST, launchBrowser, openPage, startServer } from './harness.mjs';

const MAX_TITLE_CHARS = 200;
const MAX_TEXT_CHARS = 2_000;
const MAX_FILE_BYTES = 1 << 20;

const word = (n, c = 'W') => c.repeat(n);
const LONG = {
    format: 'eoscope/scenario@1',
    title: { en: word(MAX_TITLE_CHARS, 'T') },
    description: { en: word(MAX_TEXT_CHARS, 'D') },
    version: '3.9',
    producers: [{ script: [{ send: { records: 2 } }] }],
    consumers: [{}],
    beats: [{ step: 0, title: { en: word(MAX_TITLE_CHARS, 'B') }, narration: { en: word(MAX_TEXT_CHARS, 'N') } }],
};

/** The largest file the app accepts: 10,000 script steps, padded with white space to 1 MiB. */
function largestFile() {
    const f = {
        format: 'eoscope/scenario@1',
        title: { en: 'the largest file' },
        version: '3.9',
        producers: [{ script: Array.from({ length: 10_000 }, (_, i) => ({ send: { partition: 0, records: 1 + (i % 3) } })) }],
        consumers: [{}],
    };
    const text = JSON.stringify(f, null, 1);
    assert.ok(text.length < MAX_FILE_BYTES, `${text.length} bytes before padding`);
    return text + ' '.repeat(MAX_FILE_BYTES - text.length);
}

let server;
let browser;
let dir;

before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eoscope-longtext-'));
    cpSync(DIST, dir, { recursive: true });
    writeFileSync(join(dir, 'test.css'), 'eoscope-widget { display: block; }');
    const inline = JSON.stringify(LONG).replace(/</g, '\\u003c');
    writeFileSync(
        join(dir, 'long.html'),
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>long</title><link rel="icon" href="favicon.svg">
<link rel="stylesheet" href="test.css"><script type="module" src="boot.js"></script></head><body>
<eoscope-widget id="long" controls="minimal" panels="logs,verdicts" autoplay="false"><script type="application/json">${inline}</script></eoscope-widget>
</body></html>`,
    );
    server = await startServer(dir);
    browser = await launchBrowser();
});

after(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Nothing inside `sel` is wider than `sel` itself, and the page does not scroll sideways. */
async function noOverflow(p, sel) {
    const r = await p.evaluate((sel) => {
        const root = document.querySelector(sel);
        const box = root.getBoundingClientRect();
        const wide = [...root.querySelectorAll('*')]
            .map((e) => [e, e.getBoundingClientRect()])
            .filter(([, b]) => b.width > 0 && (b.right > box.right + 1 || b.left < box.left - 1))
            .map(([e, b]) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} ${Math.round(b.left)}–${Math.round(b.right)}`);
        return { wide: wide.slice(0, 5), page: document.documentElement.scrollWidth, view: window.innerWidth };
    }, sel);
    assert.deepEqual(r.wide, [], `elements wider than ${sel}`);
    assert.ok(r.page <= r.view, `the page scrolls sideways: ${r.page} > ${r.view}`);
}

test('a title, beat title and narration at their caps, each one unbreakable word: the widget mounts in under a second and nothing overflows at 390 px', async () => {
    const app = await openPage(browser, server.url + 'long.html', { width: 390, height: 800 });
    const p = app.page;
    // From the script's start to the widget's first step on screen.
    await p.waitForFunction(() => document.getElementById('long')?.dataset.eoscopeStep === '0', null, { timeout: 20_000 });
    // A remount (an attribute set again): from the call to the narration drawn and laid out.
    const ms = await p.evaluate(async () => {
        const el = document.getElementById('long');
        const t = performance.now();
        el.setAttribute('panels', 'logs,verdicts');
        await new Promise((ok) => {
            const check = () => (el.querySelector('.eoscope .narration') ? ok() : requestAnimationFrame(check));
            check();
        });
        void el.getBoundingClientRect().height;
        return Math.round(performance.now() - t);
    });
    const title = p.locator('#long .narration');
    assert.match(await title.innerText(), /B{200}/);
    // Layout is cheap now: a forced reflow of the whole widget after a width change.
    const reflow = await p.evaluate(() => {
        const el = document.getElementById('long');
        const t = performance.now();
        el.style.setProperty('width', '300px');
        void el.getBoundingClientRect().height;
        el.style.removeProperty('width');
        void el.getBoundingClientRect().height;
        return Math.round(performance.now() - t);
    });
    console.log(`# long words: widget remounted and laid out in ${ms} ms; two forced reflows ${reflow} ms`);
    assert.ok(ms < 1000, `the widget took ${ms} ms to mount`);
    assert.ok(reflow < 200, `reflow took ${reflow} ms`);
    await noOverflow(p, '#long');
    await app.screenshot('long-words-390');
    // A 200 KB unbreakable word anywhere else in the app's tree (text no cap reaches today) lays
    // out fast and wraps inside the widget, and the app's own `overflow-wrap` is not `anywhere`
    // (issue #17 measured 7–10 s for a 200 KB title with it; this probe, a plain paragraph, took
    // ~120 ms even with it, so the property itself is asserted too).
    const huge = await p.evaluate(() => {
        const root = document.querySelector('#long .eoscope');
        const el = document.createElement('p');
        el.className = 'probe-long-word';
        el.textContent = 'X'.repeat(200_000);
        const t = performance.now();
        root.append(el);
        void root.getBoundingClientRect().height;
        return { ms: Math.round(performance.now() - t), wrap: getComputedStyle(root).overflowWrap };
    });
    console.log(`# a 200 KB word in the app's tree: laid out in ${huge.ms} ms (overflow-wrap: ${huge.wrap})`);
    assert.equal(huge.wrap, 'break-word');
    assert.ok(huge.ms < 1000, `a 200 KB word took ${huge.ms} ms to lay out`);
    await noOverflow(p, '#long');
    await p.evaluate(() => document.querySelector('.probe-long-word').remove());
    await app.close();
});

test('the same long words in the full app at 390 px: the editor loads them and nothing overflows', async () => {
    const app = await openPage(browser, server.url + 'index.html', { width: 390, height: 800, waitFor: '#eoscope-app .partition' });
    const p = app.page;
    const a = p.locator('#eoscope-app');
    await a.getByRole('button', { name: 'Edit the scenario file (JSON)' }).click();
    await a.getByLabel('Scenario file (JSON)').fill(JSON.stringify(LONG));
    const t = Date.now();
    await a.getByRole('button', { name: 'Load this scenario' }).click();
    await a.locator('.story-title').getByText(LONG.title.en).waitFor();
    const ms = Date.now() - t;
    console.log(`# long words in the app: loaded and drawn in ${ms} ms`);
    assert.ok(ms < 1000, `${ms} ms`);
    await noOverflow(p, '#eoscope-app .narration');
    const page = await p.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(page[0] <= page[1], `the app scrolls sideways: ${page}`);
    await app.close();
});

test('the largest accepted file (1 MiB) in the editor: kept as written, and the app stays responsive with it open', async () => {
    const text = largestFile();
    assert.equal(text.length, MAX_FILE_BYTES);
    const app = await openPage(browser, server.url + 'index.html', { width: 1000, height: 900, waitFor: '#eoscope-app .partition' });
    const p = app.page;
    const a = p.locator('#eoscope-app');
    await a.getByRole('button', { name: 'Edit the scenario file (JSON)' }).click();
    const area = a.getByRole('textbox', { name: 'Scenario file (JSON)' });
    await area.evaluate((el, v) => {
        el.value = v;
        el.dispatchEvent(new Event('input', { bubbles: true }));
    }, text);
    let t = Date.now();
    await a.getByRole('button', { name: 'Load this scenario' }).click();
    await a.locator('.story-title').getByText('the largest file').waitFor({ timeout: 60_000 });
    const loadMs = Date.now() - t;
    // The reader's text, byte for byte: not a pretty-printed copy of it.
    assert.equal(await area.evaluate((el) => el.value.length), text.length);
    assert.ok(await area.evaluate((el, v) => el.value === v, text), 'the textarea holds the text as written');
    // Steps with the megabyte in the editor cost what they cost with the editor closed: the
    // textarea's text is neither read back nor laid out again on each render.
    const steps = async (n) => {
        const fwd = a.getByRole('button', { name: 'Step forward' });
        const from = Number((await a.locator('.step-no').innerText()).match(/\d+/)[0]);
        const t = Date.now();
        for (let i = 1; i <= n; i++) {
            await fwd.click();
            await a.locator('.step-no').getByText(`step ${from + i}`, { exact: true }).waitFor();
        }
        return (Date.now() - t) / n;
    };
    await steps(2); // (warm)
    const open = await steps(10);
    // A key typed at the end of the text (its input event carries the whole text to the app once).
    t = Date.now();
    await area.press('Control+End');
    await area.press('x');
    await p.evaluate(() => new Promise((ok) => requestAnimationFrame(() => ok())));
    const typeMs = Date.now() - t;
    await a.getByRole('button', { name: 'Hide the scenario file' }).click();
    const closed = await steps(10);
    console.log(
        `# 1 MiB file in the editor: load ${loadMs} ms; a step ${open.toFixed(0)} ms with the editor open, ${closed.toFixed(0)} ms closed; a key ${typeMs} ms`,
    );
    assert.ok(loadMs < 10_000, `load took ${loadMs} ms`);
    assert.ok(open < closed * 1.5 + 50, `a step took ${open} ms with the editor open, ${closed} ms closed`);
    assert.ok(typeMs < 3000, `a key took ${typeMs} ms`);
    // The text typed is kept: shown again, the editor holds it.
    await a.getByRole('button', { name: 'Edit the scenario file (JSON)' }).click();
    assert.equal(await area.evaluate((el) => el.value.length), text.length + 1);
    await app.close();
});
