// The hostile-input suite (issue #17): every way a reader, an author or a script can hand eoscope
// input — widget attributes, a widget's scenario file (`src`, or written inside the element), the
// JS API, a shared moment in the URL's fragment, the iframe page's query, the editor's "Load this
// scenario", and "Open a trace…" — each with inputs chosen to break it. Each case asserts the
// exact message a person sees on the page, and that the page is still alive: another widget on
// the same page (the sentinel, served by the same wasm instance) still steps afterwards.
//
// Table-driven: add a row to a table below. `EOSCOPE_HOSTILE_PRINT=1` prints what each case shows
// instead of asserting it (to write a new row's expectation).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST, launchBrowser, openPage, startServer } from './harness.mjs';

const PRINT = process.env.EOSCOPE_HOSTILE_PRINT === '1';
const DEFAULT = ' — showing the default story instead.';
const b64 = (s) => Buffer.from(s).toString('base64url');
const moment = (o) => 'm=1.' + b64(JSON.stringify(o));
const STORY = 'lost-ack-no-idempotence';

// A valid scenario file, and ways to spoil it.
const GOOD = {
    format: 'eoscope/scenario@1',
    title: { en: 'hostile' },
    version: '3.9',
    producers: [{ script: [{ send: { records: 2 } }] }],
    consumers: [{}],
};
const file = (patch) => JSON.stringify({ ...GOOD, ...patch });

// Scenario files, given to the editor's "Load this scenario" and (a few) to a widget.
const FILES = [
    ['empty text', ''],
    ['white space only', '   \n\t  '],
    ['not JSON', 'hello'],
    ['truncated JSON', file({}).slice(0, 40)],
    ['a JSON array', '[1,2,3]'],
    ['JSON null', 'null'],
    ['a string', '"eoscope"'],
    ['no format', JSON.stringify({ ...GOOD, format: undefined })],
    ['a future format', file({ format: 'eoscope/scenario@9' })],
    ['a trace file in the editor', JSON.stringify({ format: 'eoscope/trace@1', scenario: GOOD })],
    ['an unknown top-level key', file({ bogus: 1 })],
    ['a version eoscope does not model', file({ version: '0.8' })],
    ['brokers: 0', file({ cluster: { brokers: 0 } })],
    ['brokers: 1000', file({ cluster: { brokers: 1000 } })],
    ['partitions: -1', file({ cluster: { partitions: -1 } })],
    ['records: 10^12', file({ producers: [{ script: [{ send: { records: 1e12 } }] }] })],
    ['10,001 records in a batch', file({ producers: [{ script: [{ send: { records: 10001 } }] }] })],
    ['records past the cap (403,000)', file({ producers: [{ script: [{ send: { records: 13, batches: 31000 } }] }] })],
    ['batches past the cap (32,001)', file({ producers: [{ script: [{ send: { records: 1, batches: 32001 } }] }] })],
    ['an unknown script step', file({ producers: [{ script: [{ explode: {} }] }] })],
    ['an unknown producer config', file({ producers: [{ config: { 'no.such': 1 }, script: [] }] })],
    ['acks: 7', file({ producers: [{ config: { acks: 7 }, script: [] }] })],
    ['a title past the cap', file({ title: { en: 'x'.repeat(201) } })],
    ['a crash of a broker that does not exist', file({ schedule: [{ at: 1, crash: 'broker-99' }] })],
    ['max_steps: 0', file({ limits: { max_steps: 0 } })],
    ['a file over 1 MiB', file({ description: { en: 'x'.repeat(1_100_000) } })],
    ['deep nesting', '['.repeat(100_000) + ']'.repeat(100_000)],
    ['a lone surrogate and NULs', file({ title: { en: 'a\ud800\u0000b' } })],
    ['markup in a title (loads, shown as text)', file({ title: { en: '<img src=x onerror=alert(1)>' } }), '<img src=x onerror=alert(1)>'],
];

// Widget attributes: [case, attributes of <eoscope-widget> (or, with `div`, data- attributes)].
const ATTRS = [
    ['unknown story', { scenario: 'no-such-story' }],
    ['markup as the story', { scenario: '<img src=x onerror=alert(1)>' }],
    ['step not a number', { step: 'abc' }],
    ['step negative', { step: '-5' }],
    ['step past u64', { step: '99999999999999999999999' }],
    ['step past the start cap', { step: '5000000' }],
    ['lang fr', { lang: 'fr' }],
    ['panels with an unknown one', { panels: 'logs,nope' }],
    ['controls: some', { controls: 'some' }],
    ['height 10', { height: '10' }],
    ['height 100000', { height: '100000' }],
    ['height in px', { height: '12px' }],
    ['seed x', { seed: 'x' }],
    ['autoplay maybe', { autoplay: 'maybe' }],
    ['knobs unknown', { knobs: 'warp-drive' }],
    ['src javascript:', { scenario: null, src: 'javascript:alert(1)' }],
    ['src another site', { scenario: null, src: '//evil.example/a.json' }],
    ['src with a space', { scenario: null, src: 'a b.json' }],
    ['scenario and src', { src: 'hostile/good.json' }],
    ['data-step on a div', { div: true, 'data-step': '1e3' }],
    ['data-eoscope unknown on a div', { div: true, 'data-eoscope': 'nope' }],
    ['a moment that is not one', { moment: 'm=2.eyJzIjoiYSJ9' }],
];

// A widget's own scenario file: [case, {src: file name and text} or {inline: text}].
const OWN = [
    ['src missing (404)', { src: 'hostile/missing.json', text: null }],
    ['src not JSON', { src: 'hostile/not-json.json', text: 'hello' }],
    ['src a JSON array', { src: 'hostile/array.json', text: '[]' }],
    ['src records past the cap', { src: 'hostile/records.json', text: file({ producers: [{ script: [{ send: { records: 400001 } }] }] }) }],
    ['src over 1 MiB', { src: 'hostile/big.json', text: file({ description: { en: 'x'.repeat(1_100_000) } }) }],
    ['src an unknown key', { src: 'hostile/bogus.json', text: file({ bogus: 1 }) }],
    ['inline not JSON', { inline: 'hello' }],
    ['inline truncated', { inline: file({}).slice(0, 30) }],
    ['inline brokers 0', { inline: file({ cluster: { brokers: 0 } }) }],
    ['inline markup', { inline: '<img src=x onerror=alert(1)><b>x</b>' }],
    ['inline and scenario', { inline: file({}), scenario: 'txn-commit' }],
];

// `eoscope.mount(element, options)`: [case, options (a function building them in the page, or JSON)].
const API = [
    ['step NaN', 'nan'],
    ['a Map', 'map'],
    ['an array', 'array'],
    ['a cyclic value', 'cyclic'],
    ['a function value', 'function'],
    ['the body as the element', 'body'],
    ['a fake element', 'fake'],
    ['an unknown option', { bogus: 1 }],
    ['step as text', { step: 'x' }],
    ['step 1e30', { step: 1e30 }],
    ['step -1', { step: -1 }],
    ['height 1.5', { height: 1.5 }],
    ['src and scenario', { scenario: 'txn-commit', src: 'a.json' }],
    ['a 10,001-character option', { scenario: 'x'.repeat(10_001) }],
];

// URL fragments on the app's page.
const FRAGMENTS = [
    ['m= with nothing', 'm='],
    ['m=1 without data', 'm=1'],
    ['version 2', 'm=2.eyJzIjoiYSJ9'],
    ['not base64', 'm=1.!!!!'],
    ['truncated base64', 'm=1.eyJzIjo'],
    ['base64 of not JSON', 'm=1.' + b64('not json')],
    ['an array', 'm=1.' + b64('[1,2,3]')],
    ['an unknown story', moment({ s: 'no-such-story' })],
    ['step -1', moment({ s: STORY, t: -1 })],
    ['step 1e300', moment({ s: STORY, t: 1e300 })],
    ['lang fr', moment({ s: STORY, l: 'fr' })],
    ['an unknown key', moment({ s: STORY, x: 1 })],
    ['a drop of nothing', moment({ s: STORY, a: [{ drop: 'x' }] })],
    ['a crash of a broker that does not exist', moment({ s: STORY, a: [{ crash: 'broker-99', at: 1 }] })],
    ['too long', 'm=1.' + 'A'.repeat(9000)],
    ['markup instead of base64', 'm=1.<img src=x onerror=alert(1)>'],
    ['bytes that are not UTF-8', 'm=1.' + Buffer.from([0xff, 0xfe, 0x00]).toString('base64url')],
];

// The iframe page's query (embed.html?…).
const QUERIES = [
    ['an unknown option', 'bogus=1'],
    ['a bad percent-escape', 'scenario=%E0%A4%A'],
    ['step not a number', 'scenario=txn-commit&step=abc'],
    ['height 5', 'scenario=txn-commit&height=5'],
    ['lang fr', 'scenario=txn-commit&lang=fr'],
    ['controls all', 'scenario=txn-commit&controls=all'],
    ['too long', 'scenario=txn-commit&moment=' + 'A'.repeat(10_000)],
    ['src another site', 'src=https:%2F%2Fevil.example%2Fa.json&scenario='],
    ['src javascript:', 'src=javascript:alert(1)'],
    ['moment with a bad story', 'moment=' + moment({ s: 'nope' })],
];

// Trace files opened with "Open a trace…".
const TRACE = { format: 'eoscope/trace@1', scenario: GOOD, seed: 1, actions: [], step: 0, digest: '0000000000000000' };
const trace = (patch) => JSON.stringify({ ...TRACE, ...patch });
const TRACES = [
    ['not JSON', 'hello'],
    ['a JSON array', '[]'],
    ['no format', JSON.stringify({ ...TRACE, format: undefined })],
    ['a future format', trace({ format: 'eoscope/trace@9' })],
    ['a scenario file', file({})],
    ['no scenario', trace({ scenario: undefined })],
    ['a broken scenario', trace({ scenario: { ...GOOD, cluster: { brokers: 0 } } })],
    ['seed -1', trace({ seed: -1 })],
    ['step past the cap', trace({ step: 1e12 })],
    ['a bad digest', trace({ digest: 'xyz' })],
    ['an action on a missing node', trace({ step: 5, actions: [{ crash: 'broker-99', at: 1 }] })],
    ['over 32 MiB', { bytes: 33 << 20 }],
];

let server;
let browser;
let dir;

const page = (body) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hostile</title>
<link rel="icon" href="favicon.svg"><link rel="stylesheet" href="test.css"><script type="module" src="boot.js"></script>
</head><body>${body}</body></html>`;
const SENTINEL = '<eoscope-widget id="sentinel" scenario="txn-commit" controls="minimal" panels="logs" autoplay="false"></eoscope-widget><div id="box"></div>';

before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eoscope-hostile-'));
    cpSync(DIST, dir, { recursive: true });
    writeFileSync(join(dir, 'test.css'), 'eoscope-widget { display: block; }');
    writeFileSync(join(dir, 'host.html'), page(SENTINEL));
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'hostile'));
    writeFileSync(join(dir, 'hostile', 'good.json'), file({}));
    for (const [, c] of OWN) if (c.src && c.text !== null) writeFileSync(join(dir, c.src), c.text);
    server = await startServer(dir, { cors: true });
    browser = await launchBrowser();
});

after(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
});

const seen = [];
/** Asserts (or, with EOSCOPE_HOSTILE_PRINT=1, prints) what a case showed. */
function expect(group, name, shown, want) {
    seen.push(`${group}: ${name}`);
    if (PRINT) {
        console.log(`# ${group} | ${name} | ${JSON.stringify(shown)}`);
        return;
    }
    assert.equal(shown, want, `${group}: ${name}`);
}

/**
 * The sentinel widget `id` still steps: one step forward (or back to the start at its end), and
 * its step counter (data-eoscope-step) changes.
 */
async function stillSteps(p, id = 'sentinel') {
    const el = p.locator(`#${id}`);
    await p.waitForFunction((i) => document.getElementById(i)?.dataset.eoscopeStep !== undefined, id);
    const before = await el.getAttribute('data-eoscope-step');
    const fwd = el.getByRole('button', { name: 'Step forward' });
    if (await fwd.isDisabled()) await el.getByRole('button', { name: 'Back to the start' }).click();
    else await fwd.click();
    await p.waitForFunction(([i, b]) => document.getElementById(i).dataset.eoscopeStep !== b, [id, before], { timeout: 5000 });
}

/** On an app page (index.html, embed.html): a sentinel widget mounted through the API. */
async function mountSentinel(p) {
    await p.waitForFunction(() => window.eoscope);
    const err = await p.evaluate(async () => {
        const el = document.createElement('div');
        el.id = 'sentinel';
        document.body.append(el);
        return window.eoscope.mount(el, { scenario: 'txn-commit', panels: 'logs', autoplay: false });
    });
    assert.equal(err, undefined);
}

const noticeOf = async (loc) => {
    await loc.locator('p.error[role=alert]').first().waitFor();
    return loc.locator('p.error[role=alert]').first().innerText();
};

test(`widget attributes: ${ATTRS.length} hostile values`, async () => {
    const app = await openPage(browser, server.url + 'host.html', { width: 700, height: 900, waitFor: '#sentinel .eoscope .partition' });
    const p = app.page;
    for (const [name, attrs] of ATTRS) {
        await p.evaluate((a) => {
            const box = document.getElementById('box');
            box.replaceChildren();
            const div = a.div === true;
            const el = document.createElement(div ? 'div' : 'eoscope-widget');
            el.id = 'target';
            const all = div
                ? { 'data-eoscope': 'txn-commit', 'data-controls': 'none', 'data-panels': 'verdicts', 'data-autoplay': 'false' }
                : { scenario: 'txn-commit', controls: 'none', panels: 'verdicts', autoplay: 'false' };
            for (const [k, v] of Object.entries(a)) if (k !== 'div') all[k] = v;
            for (const [k, v] of Object.entries(all)) if (v !== null) el.setAttribute(k, v);
            box.append(el);
            if (div) window.eoscope.mountAll();
        }, attrs);
        expect('attribute', name, await noticeOf(p.locator('#target')), ATTR_WANT[name]);
        await stillSteps(p);
    }
    assert.equal(await p.locator('#box img, #box script, #box b').count(), 0, 'no value became markup');
    await app.close();
});

test(`a widget's own scenario file (src and inline): ${OWN.length} hostile files`, async () => {
    const app = await openPage(browser, server.url + 'host.html', { width: 700, height: 900, waitFor: '#sentinel .eoscope .partition' });
    const p = app.page;
    for (const [name, c] of OWN) {
        await p.evaluate((c) => {
            const box = document.getElementById('box');
            box.replaceChildren();
            const el = document.createElement('eoscope-widget');
            el.id = 'target';
            for (const [k, v] of Object.entries({ controls: 'none', panels: 'verdicts', autoplay: 'false' })) el.setAttribute(k, v);
            if (c.src) el.setAttribute('src', c.src);
            if (c.scenario) el.setAttribute('scenario', c.scenario);
            if (c.inline !== undefined) {
                const s = document.createElement('script');
                s.type = 'application/json';
                s.textContent = c.inline;
                el.append(s);
            }
            box.append(el);
        }, c);
        expect('own file', name, await noticeOf(p.locator('#target')), OWN_WANT[name]);
        await stillSteps(p);
    }
    assert.equal(await p.locator('#box img, #box b').count(), 0, 'no file text became markup');
    // The one missing file is the 404 this suite asked for (and Chromium's console line for it).
    const expected = (m) =>
        /^HTTP 404: .*hostile\/missing\.json$/.test(m) ||
        m === 'console error: Failed to load resource: the server responded with a status of 404 (Not Found)';
    assert.equal(app.problems.filter(expected).length, 2, app.problems.join('\n'));
    app.problems.splice(0, app.problems.length, ...app.problems.filter((m) => !expected(m)));
    await app.close();
});

test(`eoscope.mount: ${API.length} hostile calls`, async () => {
    const app = await openPage(browser, server.url + 'host.html', { width: 700, height: 900, waitFor: '#sentinel .eoscope .partition' });
    const p = app.page;
    for (const [name, o] of API) {
        const shown = await p.evaluate(async (o) => {
            const box = document.getElementById('box');
            box.replaceChildren();
            const el = document.createElement('div');
            el.id = 'target';
            box.append(el);
            const cyclic = { scenario: 'txn-commit' };
            cyclic.self = cyclic;
            const built = {
                nan: [el, { step: NaN }],
                map: [el, new Map([['scenario', 'txn-commit']])],
                array: [el, ['txn-commit']],
                cyclic: [el, cyclic],
                function: [el, { scenario: () => 'txn-commit' }],
                body: [document.body, {}],
                fake: [{ nodeType: 1, setAttribute() {} }, {}],
            };
            const [target, opts] = typeof o === 'string' ? built[o] : [el, { controls: 'none', panels: 'verdicts', autoplay: false, ...o }];
            try {
                const r = await window.eoscope.mount(target, opts);
                const notice = el.querySelector('.notice');
                return `returned ${JSON.stringify(r)}; shows ${JSON.stringify(notice?.innerText ?? null)}`;
            } catch (e) {
                return `${e.name}: ${e.message}`;
            }
        }, o);
        expect('api', name, shown, API_WANT[name]);
        await stillSteps(p);
    }
    await app.close();
});

test(`URL fragments on the app's page: ${FRAGMENTS.length} hostile #m= links`, async () => {
    const app = await openPage(browser, server.url + 'index.html', { width: 1000, height: 900, waitFor: '#eoscope-app .partition' });
    const p = app.page;
    for (const [name, frag] of FRAGMENTS) {
        await p.goto('about:blank');
        await p.goto(`${server.url}index.html#${frag}`);
        expect('fragment', name, await noticeOf(p.locator('#eoscope-app')), FRAG_WANT[name]);
        await mountSentinel(p);
        await stillSteps(p);
    }
    await app.close();
});

test(`the iframe page's query: ${QUERIES.length} hostile embed.html addresses`, async () => {
    const app = await openPage(browser, server.url + 'embed.html', { width: 700, height: 900, waitFor: '#eoscope-embed .partition' });
    const p = app.page;
    for (const [name, q] of QUERIES) {
        await p.goto('about:blank');
        await p.goto(`${server.url}embed.html?${q}`);
        expect('query', name, await noticeOf(p.locator('#eoscope-embed')), QUERY_WANT[name]);
        await mountSentinel(p);
        await stillSteps(p);
    }
    await app.close();
});

test(`the editor's "Load this scenario": ${FILES.length} hostile scenario files`, async () => {
    const app = await openPage(browser, server.url + 'index.html', { width: 1000, height: 900, waitFor: '#eoscope-app .partition' });
    const p = app.page;
    await mountSentinel(p);
    const a = p.locator('#eoscope-app');
    await a.getByRole('button', { name: 'Edit the scenario file (JSON)' }).click();
    const area = a.getByRole('textbox', { name: 'Scenario file (JSON)' });
    const load = a.getByRole('button', { name: 'Load this scenario' });
    for (const [name, text, title] of FILES) {
        // A good file first, so each case's message is its own.
        await area.evaluate((t, v) => {
            t.value = v;
            t.dispatchEvent(new Event('input', { bubbles: true }));
        }, file({}));
        await load.click();
        await a.locator('.json .error').waitFor({ state: 'detached' });
        await area.evaluate((t, v) => {
            t.value = v;
            t.dispatchEvent(new Event('input', { bubbles: true }));
        }, text);
        await load.click();
        if (title !== undefined) {
            // Valid: it loads, and its markup is the title's text.
            await a.locator('.story-title').getByText(title, { exact: true }).waitFor();
            expect('editor', name, await a.locator('.json .error').count(), 0);
        } else {
            await a.locator('.json .error').waitFor();
            expect('editor', name, await a.locator('.json .error').innerText(), FILE_WANT[name]);
        }
        await stillSteps(p);
    }
    assert.equal(await a.locator('img, script').count(), 0, 'no file text became markup');
    await app.close();
});

test(`"Open a trace…": ${TRACES.length} hostile trace files`, async () => {
    const app = await openPage(browser, server.url + 'index.html', { width: 1000, height: 900, waitFor: '#eoscope-app .partition' });
    const p = app.page;
    for (const [name, text] of TRACES) {
        await p.goto('about:blank');
        await p.goto(`${server.url}index.html`);
        await p.locator('#eoscope-app .partition').first().waitFor();
        await mountSentinel(p);
        const a = p.locator('#eoscope-app');
        // The file is made in the page (a 33 MB one would take long to send through the
        // debugging protocol) and handed to the input as a person's choice is.
        await a.locator('input.file-input').evaluate((input, t) => {
            const dt = new DataTransfer();
            dt.items.add(new File([typeof t === 'string' ? t : 'x'.repeat(t.bytes)], 'hostile.json', { type: 'application/json' }));
            input.files = dt.files;
            input.dispatchEvent(new Event('change', { bubbles: true }));
        }, text);
        const note = a.locator('.export-note');
        await note.waitFor({ timeout: 30_000 });
        expect('trace', name, await note.innerText(), TRACE_WANT[name]);
        await stillSteps(p);
    }
    await app.close();
});

test('the suite has at least 60 distinct hostile inputs', () => {
    const all = [ATTRS, OWN, API, FRAGMENTS, QUERIES, FILES, TRACES].flat().map(([, v]) => JSON.stringify(v));
    assert.ok(new Set(all).size >= 60, `${new Set(all).size} distinct inputs`);
    console.log(`# hostile inputs: ${all.length} (${new Set(all).size} distinct): attributes ${ATTRS.length}, own files ${OWN.length}, API ${API.length}, fragments ${FRAGMENTS.length}, queries ${QUERIES.length}, editor ${FILES.length}, traces ${TRACES.length}`);
});

// What each case shows, exactly (EOSCOPE_HOSTILE_PRINT=1 prints them).
const ATTR_WANT = {
    "unknown story": "there is no shipped scenario named `no-such-story` — showing the default story instead.",
    "markup as the story": "there is no shipped scenario named `‹img src=x onerror=alert(1)›` — showing the default story instead.",
    "step not a number": "step must be a whole number from 0 to 1000000, not `abc` — showing the default story instead.",
    "step negative": "step must be a whole number from 0 to 1000000, not `-5` — showing the default story instead.",
    "step past u64": "step must be a whole number from 0 to 1000000, not `99999999999999999999999` — showing the default story instead.",
    "step past the start cap": "step must be a whole number from 0 to 1000000, not `5000000` — showing the default story instead.",
    "lang fr": "the language must be en or ko, not `fr` — showing the default story instead.",
    "panels with an unknown one": "unknown panel `nope` (panels: logs, verdicts, topology, belief, consumers, coordinator, spacetime, timers, events, settings, faults, search, compare) — showing the default story instead.",
    "controls: some": "controls must be full, minimal or none, not `some` — showing the default story instead.",
    "height 10": "height must be a whole number from 120 to 4000, not `10` — showing the default story instead.",
    "height 100000": "height must be a whole number from 120 to 4000, not `100000` — showing the default story instead.",
    "height in px": "height must be a whole number from 120 to 4000, not `12px` — showing the default story instead.",
    "seed x": "seed must be a whole number from 0 to 18446744073709551615, not `x` — showing the default story instead.",
    "autoplay maybe": "autoplay must be true or false, not `maybe` — showing the default story instead.",
    "knobs unknown": "unknown knob `warp-drive` (knobs: enable.idempotence, acks, max.in.flight.requests.per.connection, isolation.level, enable.auto.commit, min.insync.replicas, unclean.leader.election.enable, group.protocol, version) — showing the default story instead.",
    "src javascript:": "`src` must be the URL of a scenario file on this site, like scenarios/my-abort.json: `javascript:` is not http or https — showing the default story instead.",
    "src another site": "`src` must be the URL of a scenario file on this site, like scenarios/my-abort.json: `//host/…` names another site — showing the default story instead.",
    "src with a space": "`src` must be the URL of a scenario file on this site, like scenarios/my-abort.json: it has a character a URL cannot hold — showing the default story instead.",
    "scenario and src": "give `scenario` (a shipped story) or `src` (your own file), not both — showing the default story instead.",
    "data-step on a div": "data-step must be a whole number from 0 to 1000000, not `1e3` — showing the default story instead.",
    "data-eoscope unknown on a div": "there is no shipped scenario named `nope` — showing the default story instead.",
    "a moment that is not one": "the link's moment has version 2; this eoscope reads version 1 — showing the default story instead.",
};
const OWN_WANT = {
    "src missing (404)": "could not load the scenario /hostile/missing.json: HTTP 404",
    "src not JSON": "The scenario file `/hostile/not-json.json`: not valid JSON: expected value at line 1 column 1",
    "src a JSON array": "The scenario file `/hostile/array.json`: a scenario file is a JSON object, {\"format\": \"eoscope/scenario@1\", …}, not an array",
    "src records past the cap": "The scenario file `/hostile/records.json`: `producers[0].script[0].send.records` must be 1 to 10000, not 400001",
    "src over 1 MiB": "The scenario file `/hostile/big.json`: the file is 1100163 bytes; at most 1048576",
    "src an unknown key": "The scenario file `/hostile/bogus.json`: unknown field `bogus`, expected one of `format`, `id`, `title`, `description`, `version`, `seed`, `cluster`, `producers`, `consumers`, `schedule`, `expect`, `beats`, `knobs`, `limits` at line 1 column 146",
    "inline not JSON": "The scenario file inside the element: not valid JSON: expected value at line 1 column 1",
    "inline truncated": "The scenario file inside the element: `format`: not valid JSON: EOF while parsing an object at line 1 column 30",
    "inline brokers 0": "The scenario file inside the element: `cluster.brokers` must be 1 to 3, not 0",
    "inline markup": "The scenario file inside the element: not valid JSON: expected value at line 1 column 1",
    "inline and scenario": "give `scenario`, `src` or a scenario file inside the element, not two — showing the default story instead.",
};
const API_WANT = {
    "step NaN": "TypeError: eoscope.mount: option `step` must be a string, a finite number or a boolean",
    "a Map": "TypeError: eoscope.mount: the options must be a plain object, like {scenario: \"txn-commit\"}",
    "an array": "TypeError: eoscope.mount: the options must be a plain object, like {scenario: \"txn-commit\"}",
    "a cyclic value": "TypeError: eoscope.mount: option `self` must be a string, a finite number or a boolean",
    "a function value": "TypeError: eoscope.mount: option `scenario` must be a string, a finite number or a boolean",
    "the body as the element": "TypeError: eoscope.mount: the element cannot be <html>, <head> or <body> (it would replace the page)",
    "a fake element": "TypeError: eoscope.mount: the first argument must be an element of the page",
    "an unknown option": "returned \"eoscope.mount: bad options: unknown option `bogus`\"; shows \"eoscope.mount: bad options: unknown option `bogus` — showing the default story instead.\"",
    "step as text": "returned \"eoscope.mount: bad options: step must be a whole number from 0 to 1000000, not `x`\"; shows \"eoscope.mount: bad options: step must be a whole number from 0 to 1000000, not `x` — showing the default story instead.\"",
    "step 1e30": "returned \"eoscope.mount: bad options: step must be a whole number from 0 to 1000000, not `1000000000000000000000000000000`\"; shows \"eoscope.mount: bad options: step must be a whole number from 0 to 1000000, not `1000000000000000000000000000000` — showing the default story instead.\"",
    "step -1": "returned \"eoscope.mount: bad options: step must be a whole number from 0 to 1000000, not `-1`\"; shows \"eoscope.mount: bad options: step must be a whole number from 0 to 1000000, not `-1` — showing the default story instead.\"",
    "height 1.5": "returned \"eoscope.mount: bad options: height must be a whole number from 120 to 4000, not `1.5`\"; shows \"eoscope.mount: bad options: height must be a whole number from 120 to 4000, not `1.5` — showing the default story instead.\"",
    "src and scenario": "returned \"eoscope.mount: bad options: give `scenario` (a shipped story) or `src` (your own file), not both\"; shows \"eoscope.mount: bad options: give `scenario` (a shipped story) or `src` (your own file), not both — showing the default story instead.\"",
    "a 10,001-character option": "TypeError: eoscope.mount: option `scenario` must be a string, a finite number or a boolean",
};
const FRAG_WANT = {
    "m= with nothing": "the link's moment has no version — showing the default story instead.",
    "m=1 without data": "the link's moment has no version — showing the default story instead.",
    "version 2": "the link's moment has version 2; this eoscope reads version 1 — showing the default story instead.",
    "not base64": "the link's moment is not valid base64url — showing the default story instead.",
    "truncated base64": "the link's moment is not valid JSON — showing the default story instead.",
    "base64 of not JSON": "the link's moment is not valid JSON — showing the default story instead.",
    "an array": "the link's moment is not a JSON object — showing the default story instead.",
    "an unknown story": "the moment's scenario `no-such-story` is not one eoscope ships — showing the default story instead.",
    "step -1": "the link's `t` must be a whole number up to 100000000 — showing the default story instead.",
    "step 1e300": "the link's `t` must be a whole number up to 100000000 — showing the default story instead.",
    "lang fr": "the link's language must be en or ko — showing the default story instead.",
    "an unknown key": "the link's moment has an unknown key `x` — showing the default story instead.",
    "a drop of nothing": "the link's action has no step (`at`) — showing the default story instead.",
    "a crash of a broker that does not exist": "the link's actions are out of order or after its step — showing the default story instead.",
    "too long": "the link's moment is too long (9004 characters; at most 8192) — showing the default story instead.",
    "markup instead of base64": "the link's moment is not valid base64url — showing the default story instead.",
    "bytes that are not UTF-8": "the link's moment is not UTF-8 text — showing the default story instead.",
};
const QUERY_WANT = {
    "an unknown option": "unknown option `bogus` — showing the default story instead.",
    "a bad percent-escape": "the address's option `%E0%A4%A` is badly escaped — showing the default story instead.",
    "step not a number": "step must be a whole number from 0 to 1000000, not `abc` — showing the default story instead.",
    "height 5": "height must be a whole number from 120 to 4000, not `5` — showing the default story instead.",
    "lang fr": "the language must be en or ko, not `fr` — showing the default story instead.",
    "controls all": "controls must be full, minimal or none, not `all` — showing the default story instead.",
    "too long": "the address's options are too long — showing the default story instead.",
    "src another site": "`src` https://evil.example/a.json is not on this site: eoscope fetches a scenario file only from the page's own origin",
    "src javascript:": "`src` must be the URL of a scenario file on this site, like scenarios/my-abort.json: `javascript:` is not http or https — showing the default story instead.",
    "moment with a bad story": "the moment's scenario `nope` is not one eoscope ships — showing the default story instead.",
};
const FILE_WANT = {
    "empty text": "scenario file: a scenario file is a JSON object, {\"format\": \"eoscope/scenario@1\", …}, not an empty text",
    "white space only": "scenario file: a scenario file is a JSON object, {\"format\": \"eoscope/scenario@1\", …}, not an empty text",
    "not JSON": "scenario file: not valid JSON: expected value at line 1 column 1",
    "truncated JSON": "scenario file: `title`: not valid JSON: EOF while parsing an object at line 1 column 40",
    "a JSON array": "scenario file: a scenario file is a JSON object, {\"format\": \"eoscope/scenario@1\", …}, not an array",
    "JSON null": "scenario file: invalid type: null, expected a scenario file (a JSON object) at line 1 column 4",
    "a string": "scenario file: a scenario file is a JSON object, {\"format\": \"eoscope/scenario@1\", …}, not a string",
    "no format": "scenario file: missing field `format` at line 1 column 109",
    "a future format": "`format` must be \"eoscope/scenario@1\", not \"eoscope/scenario@9\"",
    "a trace file in the editor": "scenario file: unknown field `scenario`, expected one of `format`, `id`, `title`, `description`, `version`, `seed`, `cluster`, `producers`, `consumers`, `schedule`, `expect`, `beats`, `knobs`, `limits` at line 1 column 38",
    "an unknown top-level key": "scenario file: unknown field `bogus`, expected one of `format`, `id`, `title`, `description`, `version`, `seed`, `cluster`, `producers`, `consumers`, `schedule`, `expect`, `beats`, `knobs`, `limits` at line 1 column 146",
    "a version eoscope does not model": "`version`: unknown version `0.8`; allowed: `2.4`, `3.5`, `3.9`, `4.0`, `4.1`, `4.2`, `4.3`",
    "brokers: 0": "`cluster.brokers` must be 1 to 3, not 0",
    "brokers: 1000": "scenario file: `cluster.brokers` must be 1 to 3, not 1000",
    "partitions: -1": "scenario file: `cluster.partitions` must be 1 to 8, not -1",
    "records: 10^12": "scenario file: `producers[0].script[0].send.records` must be 1 to 10000, not 1000000000000",
    "10,001 records in a batch": "`producers[0].script[0].send.records` must be 1 to 10000, not 10001",
    "records past the cap (403,000)": "`producers[0].script[0].send.batches`: the scripts send more than 400000 records in all (`records` × `batches`, summed over every send)",
    "batches past the cap (32,001)": "`producers[0].script[0].send.batches` must be 1 to 32000, not 32001",
    "an unknown script step": "scenario file: `producers[0].script[0]`: unknown variant `explode`, expected one of `at`, `send`, `init_transactions`, `begin`, `commit`, `abort`, `flush`, `raw_produce`, `raw_add_partitions_to_txn`, `raw_end_txn`, `raw_write_txn_markers` at line 1 column 106",
    "an unknown producer config": "producer-0: unknown producer config `no.such`; allowed: enable.idempotence, acks, retries, max.in.flight.requests.per.connection, request.timeout.ms, retry.backoff.ms, delivery.timeout.ms, transactional.id, transaction.timeout.ms",
    "acks: 7": "producer-0: `acks` must be \"all\", \"-1\", \"1\" or \"0\", not 7",
    "a title past the cap": "`title.en` is 201 characters; at most 200",
    "a crash of a broker that does not exist": "schedule[0]: `crash`: `broker-99` does not exist in this scenario (broker-0 to broker-0)",
    "max_steps: 0": "`limits.max_steps` must be 1 to 100000000, not 0",
    "a file over 1 MiB": "scenario file: the file is 1100163 bytes; at most 1048576",
    "deep nesting": "scenario file: a scenario file is a JSON object, {\"format\": \"eoscope/scenario@1\", …}, not an array",
    "a lone surrogate and NULs": "scenario file: `title.en`: not valid JSON: lone leading surrogate in hex escape at line 1 column 59",
    "markup in a title (loads, shown as text)": 0,
};
const TRACE_WANT = {
    "not JSON": "the trace file is not valid JSON (line 1, column 1)",
    "a JSON array": "the trace file is not a JSON object",
    "no format": "the trace file needs \"format\": \"eoscope/trace@1\"",
    "a future format": "the trace file has format eoscope/trace@9; this eoscope reads eoscope/trace@1",
    "a scenario file": "this is a scenario file, not a trace: open it in the JSON editor",
    "no scenario": "the trace file has no scenario",
    "a broken scenario": "the trace file's scenario: `cluster.brokers` must be 1 to 3, not 0",
    "seed -1": "the trace file's seed must be a whole number from 0 to 18446744073709551615",
    "step past the cap": "the trace file's step must be a whole number up to 100000000",
    "a bad digest": "the trace file's digest must be 16 hexadecimal digits",
    "an action on a missing node": "the trace file's actions[0]: `broker-99` does not exist in this scenario (broker-0 to broker-0)",
    "over 32 MiB": "the trace file is 34603008 bytes; at most 33554432 (32 MB)",
};
