// Memory in the browser (issue #17): the full app's wasm instance stays alive and within its
// budget (src/sim/limits.rs INSTANCE_BUDGET_BYTES, 256 MiB) with
// - the largest scenario the validator accepts (32,000 batches, 400,000 records: both caps):
//   loaded, re-run, compared side by side, exported;
// - a long "Run to the end" (that scenario's whole run, checkpoints thinned to their budget);
// - the heaviest search the UI allows (max faults 2 on the transaction-timeout story, as
//   tests/memory.rs natively): it stops with its memory-budget message.
// The measure is the wasm memory's size (`memory.buffer.byteLength`, which never shrinks: the
// instance's peak), read through the build's own module (its init returns the instance's exports
// once it has run). Each figure is printed (`# memory: …`).
//
// Each test stays under a minute on a 2-core machine; EOSCOPE_MEMORY_LONG=1 adds the search at
// max faults 3 (the form's largest).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LARGEST, ROOT, startHarness } from './harness.mjs';

const MiB = 1 << 20;
const INSTANCE_BUDGET_BYTES = 256 * MiB;
const LONG = process.env.EOSCOPE_MEMORY_LONG === '1';


let h;
before(async () => {
    h = await startHarness();
});
after(() => h?.close());

const open = () => h.open({ waitFor: '#eoscope-app .eoscope .partition', width: 1280, height: 900 });

/** The full build's wasm memory, in bytes. */
const wasmBytes = (p) =>
    p.evaluate(async () => {
        const js = performance
            .getEntriesByType('resource')
            .map((e) => e.name)
            .find((u) => /\/eoscope-[0-9a-f]+\.js$/.test(u));
        const mod = await import(js);
        return (await mod.default()).memory.buffer.byteLength;
    });

/** Chromium's own measure of the page's memory, where it has one. */
const uaBytes = (p) =>
    p.evaluate(async () =>
        typeof performance.measureUserAgentSpecificMemory === 'function'
            ? (await performance.measureUserAgentSpecificMemory().catch(() => null))?.bytes ?? null
            : null,
    );

const figures = [];
async function measure(p, what) {
    const bytes = await wasmBytes(p);
    figures.push([what, bytes]);
    console.log(`# memory: ${what}: wasm ${(bytes / MiB).toFixed(1)} MiB (${bytes} bytes)`);
    assert.ok(bytes <= INSTANCE_BUDGET_BYTES, `${what}: ${bytes} bytes is over the instance's budget`);
    return bytes;
}

async function loadFile(p, text) {
    const a = p.locator('#eoscope-app');
    await a.getByRole('button', { name: 'Edit the scenario file (JSON)' }).click();
    await a.getByLabel('Scenario file (JSON)').evaluate((el, v) => {
        el.value = v;
        el.dispatchEvent(new Event('input', { bubbles: true }));
    }, text);
    await a.getByRole('button', { name: 'Load this scenario' }).click();
    await a.locator('.story-title').getByText('the largest scenario').waitFor();
    assert.equal(await a.locator('.json .error').count(), 0);
}

/** The app is alive: a step back and forth changes its clock. */
async function alive(p) {
    const a = p.locator('#eoscope-app');
    const before = await a.locator('.step-no').innerText();
    if (/^step 0\b/.test(before)) await a.getByRole('button', { name: 'Step forward' }).click();
    else await a.getByRole('button', { name: 'Back to the start' }).click();
    await p.waitForFunction((b) => document.querySelector('#eoscope-app .step-no')?.innerText !== b, before);
    assert.equal(await p.locator('.eoscope-failed').count(), 0, 'the instance is alive');
}

test('the largest scenario the validator accepts loads, re-runs, compares side by side and exports', { timeout: 120_000 }, async () => {
    const app = await open();
    const p = app.page;
    const t0 = Date.now();
    await measure(p, 'the app at start');
    await loadFile(p, LARGEST);
    await measure(p, 'the largest scenario loaded');
    const a = p.locator('#eoscope-app');
    await a.getByRole('button', { name: '↺ Re-run from start with these settings' }).click();
    await a.locator('.step-no').getByText('step 0', { exact: true }).waitFor();
    await alive(p);
    await measure(p, 'the largest scenario re-run');
    // Side by side: its idempotence flipped.
    const panel = p.locator('.panel-compare');
    await panel.getByLabel('Setting to flip').selectOption('enable.idempotence');
    await panel.getByRole('button', { name: 'Compare' }).click();
    await panel.locator('.sbs-run').nth(1).waitFor({ timeout: 60_000 });
    await alive(p);
    await measure(p, 'the largest scenario side by side');
    // Exported as a trace, at step 2,000.
    for (let i = 0; i < 4; i++) await a.getByRole('button', { name: 'Step forward' }).click();
    const download = p.waitForEvent('download', { timeout: 60_000 });
    await a.locator('summary', { hasText: 'Export / open a trace' }).click();
    await a.getByRole('button', { name: 'Download trace (JSON)' }).click();
    const file = await download;
    const saved = await file.path();
    const trace = JSON.parse(readFileSync(saved, 'utf8'));
    assert.equal(trace.format, 'eoscope/trace@1');
    assert.equal(trace.scenario.producers[0].script[1].send.batches, 24000);
    await alive(p);
    const peak = await measure(p, 'the largest scenario exported');
    console.log(`# memory: largest scenario: peak ${(peak / MiB).toFixed(1)} MiB in ${Date.now() - t0} ms; user-agent measure ${await uaBytes(p)}`);
    await app.close();
});

test('a long "Run to the end" (the largest scenario\'s whole run) stays within the budget', { timeout: 120_000 }, async () => {
    const app = await open();
    const p = app.page;
    await loadFile(p, LARGEST);
    const a = p.locator('#eoscope-app');
    const t = Date.now();
    await a.getByRole('button', { name: 'Run to the end' }).click();
    await a.locator('.status-finished').waitFor({ timeout: 90_000 });
    const ms = Date.now() - t;
    const end = await a.locator('.step-no').innerText();
    console.log(`# memory: run to the end: ${end} in ${ms} ms`);
    assert.match(end, /^step \d{5,}/, 'a long run');
    await alive(p);
    await measure(p, `the largest scenario run to the end (${end})`);
    await app.close();
});

for (const faults of LONG ? [2, 3] : [2]) {
    test(`the heaviest search the UI allows (max faults ${faults}, transaction timeout) stops with its memory-budget message`, { timeout: 180_000 }, async () => {
        const app = await open();
        const p = app.page;
        // The shipped story, without its scripted faults (the search chooses them), as natively.
        const story = JSON.parse(readFileSync(join(ROOT, 'static', 'scenarios', 'txn-timeout.json'), 'utf8'));
        story.schedule = [];
        story.title = { en: 'the largest scenario' }; // (the name loadFile waits for)
        await loadFile(p, JSON.stringify(story));
        const panel = p.locator('.panel-search');
        await panel.getByLabel('Search goal').selectOption('any');
        await panel.getByLabel('max faults').selectOption(String(faults));
        const t = Date.now();
        await panel.getByRole('button', { name: 'Start' }).click();
        const result = panel.locator('.panel-search .search-result, .search-result');
        await result.first().waitFor({ timeout: 170_000 });
        const text = await result.first().innerText();
        const ms = Date.now() - t;
        console.log(`# memory: search max faults ${faults}: "${text}" after ${ms} ms`);
        assert.match(text, /^the search stopped at \d+ states: memory budget reached — narrow the bounds$/);
        await alive(p);
        await measure(p, `the search at max faults ${faults}`);
        await app.close();
    });
}
