// "Find a failure" in the browser: the four expected searches give the expected results
// in headless Chromium (the same scenarios as tests/search.rs, through the JSON editor), the page
// stays responsive while a search runs (the longest gap between animation frames is measured),
// Cancel stops it, and a found counterexample's link restores the same run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startHarness } from './harness.mjs';

const READY = '#eoscope-app .eoscope .partition';
const FIXTURES = join(ROOT, 'tests', 'e2e', 'fixtures');

let h;
before(async () => {
    h = await startHarness();
});
after(() => h?.close());

const open = (opts) => h.open({ waitFor: READY, width: 1280, height: 900, ...opts });

/** Loads a scenario file through the app's JSON editor. */
async function loadFile(page, text) {
    await page.getByRole('button', { name: 'Edit the scenario file (JSON)' }).click();
    await page.getByLabel('Scenario file (JSON)').fill(text);
    await page.getByRole('button', { name: 'Load this scenario' }).click();
    await page.locator('select[aria-label=Scenario] option[value=""]').waitFor({ state: 'attached' });
}

const fixture = (name) => readFileSync(join(FIXTURES, name), 'utf8');

/** A shipped scenario with its own transformation, loaded through the editor. */
function shipped(name, edit = (f) => f) {
    const f = JSON.parse(readFileSync(join(ROOT, 'static', 'scenarios', `${name}.json`), 'utf8'));
    return JSON.stringify(edit(f), null, 1);
}

/** Sets the search form. */
async function form(page, { goal, faults = 1, states = null, depth = null, crashes = true }) {
    const panel = page.locator('.panel-search');
    await panel.getByLabel('Search goal').selectOption(goal);
    await panel.getByLabel('max faults').selectOption(String(faults));
    if (states !== null) {
        await panel.getByLabel('max states').fill(String(states));
        await panel.getByLabel('max states').press('Tab');
    }
    if (depth !== null) {
        await panel.getByLabel('max depth (steps)').fill(String(depth));
        await panel.getByLabel('max depth (steps)').press('Tab');
    }
    const box = panel.getByLabel('also crash clients');
    if ((await box.isChecked()) !== crashes) await box.click();
}

/** Starts recording the longest gap between requestAnimationFrame callbacks. */
const watchFrames = (page) =>
    page.evaluate(() => {
        const w = { max: 0, last: null, on: true, frames: 0 };
        window.__frames = w;
        const f = (t) => {
            if (w.last !== null) w.max = Math.max(w.max, t - w.last);
            w.last = t;
            w.frames++;
            if (w.on) requestAnimationFrame(f);
        };
        requestAnimationFrame(f);
    });
const stopFrames = (page) =>
    page.evaluate(() => {
        window.__frames.on = false;
        return { max: window.__frames.max, frames: window.__frames.frames };
    });

/** Runs the search and returns the result's text and how long it took. */
async function search(page, opts) {
    await form(page, opts);
    const started = Date.now();
    await page.locator('.panel-search').getByRole('button', { name: 'Start' }).click();
    await page.locator('.panel-search .search-result').waitFor({ timeout: 60_000 });
    return { text: await page.locator('.panel-search .search-result').innerText(), ms: Date.now() - started };
}

test('idempotence off: one lost ack is enough for a duplicate; the link restores the run', async () => {
    const app = await open();
    const { page } = app;
    await loadFile(page, fixture('search-no-idempotence.json'));
    const r = await search(page, { goal: 'no_duplicate_in_log', faults: 1 });
    assert.match(r.text, /Found: 1 fault breaks it/);
    assert.match(r.text, /no_duplicate_in_log: v0 is in orders-0 2 times/);
    await page.locator('li.verdict[data-property=no_duplicate_in_log]').getByText('FAIL').waitFor();
    assert.equal(await page.locator('.mark-action').count(), 1, 'the fault is marked on the scrubber');
    await app.close();

    // The default story (a shipped scenario) can be shared: its counterexample's link restores it.
    const app2 = await open();
    const p2 = app2.page;
    const r2 = await search(p2, { goal: 'no_duplicate_in_log', faults: 1 });
    assert.match(r2.text, /Found: 1 fault breaks it/);
    const step = await p2.locator('.step-no').innerText();
    await p2.locator('.panel-search').getByRole('button', { name: 'Copy link to this moment' }).click();
    const link = await p2.locator('.share-text').inputValue();
    assert.match(link, /#m=1\./);
    await app2.screenshot('search-found-1280');
    await app2.close();

    const app3 = await open({ path: link.slice(link.indexOf('#')) });
    const p3 = app3.page;
    await p3.locator('.step-no', { hasText: step }).waitFor();
    await p3.locator('li.verdict[data-property=no_duplicate_in_log]').getByText('FAIL').waitFor();
    assert.equal(await p3.locator('.mark-action').count(), 1, 'the fault is there, as an action');
    await p3.getByText('v0 is in orders-0 2 times').first().waitFor();
    await app3.close();
});

test('idempotence on and acks=all: no duplicate up to the bound; the page stays responsive', async () => {
    const app = await open();
    const { page } = app;
    await loadFile(page, fixture('search-idempotent-acks-all.json'));
    await watchFrames(page);
    const r = await search(page, { goal: 'no_duplicate_in_log', faults: 2, states: 1_000_000, crashes: false });
    const frames = await stopFrames(page);
    console.log(`  no-duplicate search: ${r.ms} ms, longest frame gap ${frames.max.toFixed(1)} ms over ${frames.frames} frames`);
    assert.match(r.text, /No violation up to depth \d+ with 2 faults \(\d+ states explored\): every schedule was tried/);
    const states = Number(r.text.match(/\((\d+) states explored\)/)[1]);
    assert.ok(states > 1_000, `${states} states`);
    assert.ok(frames.max < 100, `the longest gap between frames was ${frames.max} ms`);
    await app.close();
});

test('read_uncommitted: the search finds an aborted read', async () => {
    const app = await open();
    const { page } = app;
    await loadFile(page, fixture('search-read-uncommitted.json'));
    const r = await search(page, { goal: 'no_aborted_read', faults: 1 });
    assert.match(r.text, /Found: 1 fault breaks it/);
    assert.match(r.text, /no_aborted_read: consumer-0 processed v\d+ .* from an aborted transaction/);
    await page.locator('li.verdict[data-property=no_aborted_read]').getByText('FAIL').waitFor();
    await app.close();
});

test('read_committed + transactions + sendOffsetsToTransaction: no end-to-end violation up to the bound', async () => {
    const app = await open();
    const { page } = app;
    await loadFile(page, shipped('consume-transform-produce'));
    const r = await search(page, { goal: 'end_to_end_exactly_once', faults: 1 });
    assert.match(r.text, /No violation up to depth \d+ with 1 fault \(\d+ states explored\)/);
    await app.close();
});

test('progress shows the states explored, and Cancel stops the search', async () => {
    const app = await open({ width: 700 });
    const { page } = app;
    await loadFile(page, fixture('search-idempotent-acks-all.json'));
    await form(page, { goal: 'no_duplicate_in_log', faults: 3, states: 50_000_000, crashes: false });
    await page.locator('.panel-search').getByRole('button', { name: 'Start' }).click();
    await page.waitForFunction(() => {
        const t = document.querySelector('.search-stats')?.textContent ?? '';
        const m = t.match(/^(\d+) states explored · depth \d+ · \d+ faults? · \d+ states\/s$/);
        return m && Number(m[1]) > 1000;
    });
    await app.screenshot('search-running-700');
    await page.setViewportSize({ width: 380, height: 800 });
    await page.locator('.panel-search').screenshot({ path: join(ROOT, 'target', 'screenshots', 'search-running-380.png') });
    await page.locator('.panel-search').getByRole('button', { name: 'Cancel' }).click();
    await page.locator('.search-result.cancelled').getByText(/Search cancelled after \d+ states/).waitFor();
    assert.equal(await page.locator('.search-progress').count(), 0);
    // Nothing runs after the cancel: the page is idle.
    const stats = await page.locator('.search-result').innerText();
    await page.waitForTimeout(300);
    assert.equal(await page.locator('.search-result').innerText(), stats);
    await app.close();
});

test('picking another scenario while a search runs stops it: no late counterexample replaces the new run', async () => {
    const app = await open({ width: 1280 });
    const { page } = app;
    await loadFile(page, fixture('search-idempotent-acks-all.json'));
    await form(page, { goal: 'no_duplicate_in_log', faults: 3, states: 50_000_000, crashes: false });
    await page.locator('.panel-search').getByRole('button', { name: 'Start' }).click();
    await page.locator('.search-progress').waitFor();
    await page.getByLabel('Scenario', { exact: true }).selectOption({ label: 'A transaction that commits: two-phase commit and markers' });
    await page.locator('#eoscope-app .narration').getByText('A transaction that commits').waitFor();
    assert.equal(await page.locator('.search-progress').count(), 0, 'the search stopped');
    assert.equal(await page.locator('.search-result').count(), 0, 'and left no result for the old run');
    await page.waitForTimeout(500);
    assert.equal(await page.locator('#eoscope-app .narration').getByText('A transaction that commits').count(), 1);
    await app.close();
});

test('Korean: the panel speaks Korean', async () => {
    const app = await open({ width: 700 });
    const { page } = app;
    await page.getByRole('button', { name: 'Language: switch to Korean' }).click();
    await page.locator('.panel-search').getByRole('button', { name: '시작' }).waitFor();
    await page.locator('.panel-search').getByLabel('탐색 목표').selectOption('no_duplicate_in_log');
    await page.locator('.panel-search').getByRole('button', { name: '시작' }).click();
    await page.locator('.search-result').getByText(/찾았습니다: 장애 1개로 스텝 \d+에서 깨집니다/).waitFor();
    // The violation, why it is allowed, and the verdicts' summaries are Korean too.
    await page.locator('.search-result').getByText('orders-0에 v0 레코드가 2번 있다: 오프셋 2에 다시 기록됐다.').waitFor();
    await page.locator('.search-result').getByText(/enable\.idempotence=false: 이때는 재시도가 중복을 기록할 수 있다/).waitFor();
    await page.locator('li.verdict[data-property=no_lost_ack]').getByText('ack를 받은 레코드는 모두 로그에 있다.').waitFor();
    assert.equal(await page.getByText('Each record is in the log at most once.').count(), 0);
    await page.locator('.panel-search').screenshot({ path: join(ROOT, 'target', 'screenshots', 'search-found-ko-700.png') });
    await page.setViewportSize({ width: 380, height: 800 });
    await page.locator('.panel-search').screenshot({ path: join(ROOT, 'target', 'screenshots', 'search-found-ko-380.png') });
    await app.close();
});
