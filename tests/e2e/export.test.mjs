// Export: the run as a JSON trace that re-imports (file picker and drag-and-drop) to the same step
// with no warning; bad files get an inline message; the picture as a standalone SVG that renders
// outside the page, and as a PNG (the app's page allows blob: images; under the strict CSP the
// PNG button says why it cannot work).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CSP, SCREENSHOTS, openPage, startHarness } from './harness.mjs';

const READY = '#eoscope-app .eoscope .partition';

let h;
before(async () => {
    h = await startHarness();
});
after(() => h?.close());

const open = (opts) => h.open({ waitFor: READY, width: 1280, height: 900, ...opts });

/** Opens the export menu (a <details> under the share buttons) if it is closed. */
async function menu(page) {
    const d = page.locator('details.export-menu');
    if ((await d.getAttribute('open')) === null) await d.locator('summary').click();
}

/** Clicks `name` and resolves to the download's file name and bytes. */
async function download(page, name) {
    await menu(page);
    const [d] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name }).click()]);
    const path = await d.path();
    return { name: d.suggestedFilename(), bytes: readFileSync(path) };
}

const traceInput = (page) => page.getByLabel('Open a trace…');

test('the downloaded trace re-imports to the same run and step, by file picker and by drop', async () => {
    const app = await open();
    const { page } = app;
    const step = page.getByRole('button', { name: 'Step forward' });
    for (let i = 0; i < 14; i++) await step.click();
    // An action of the reader's own, so the trace has one.
    await page.getByRole('button', { name: 'Drop next' }).click();
    for (let i = 0; i < 6; i++) await step.click();
    const at = await page.locator('.step-no').innerText();
    const actions = await page.locator('.mark-action').count();
    const t = await download(page, 'Download trace (JSON)');
    assert.match(t.name, /^eoscope-lost-ack-no-idempotence-step-\d+\.json$/);
    const trace = JSON.parse(t.bytes.toString('utf8'));
    assert.equal(trace.format, 'eoscope/trace@1');
    assert.equal(`step ${trace.step}`, at);
    assert.ok(trace.events.length > 10);
    await app.close();

    const app2 = await open();
    const p2 = app2.page;
    await traceInput(p2).setInputFiles({ name: t.name, mimeType: 'application/json', buffer: t.bytes });
    await p2.locator('.export-note.ok').getByText(`Trace loaded: the same run, at ${at}.`).waitFor();
    assert.equal(await p2.locator('.step-no').innerText(), at);
    assert.equal(await p2.locator('.export-note.note').count(), 0, 'no warning');
    assert.equal(await p2.locator('.mark-action').count(), actions);
    await app2.close();

    // Dropped on the app instead.
    const app3 = await open();
    const p3 = app3.page;
    await p3.evaluate((text) => {
        const dt = new DataTransfer();
        dt.items.add(new File([text], 'trace.json', { type: 'application/json' }));
        const target = document.querySelector('.eoscope');
        target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
        target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, t.bytes.toString('utf8'));
    await p3.locator('.export-note.ok').getByText(`Trace loaded: the same run, at ${at}.`).waitFor();
    assert.equal(await p3.locator('.step-no').innerText(), at);
    await app3.close();
});

test('bad trace files get an inline message; a changed run gets a kind warning', async () => {
    const app = await open({ width: 700 });
    const { page } = app;
    const t = await download(page, 'Download trace (JSON)');
    const good = JSON.parse(t.bytes.toString('utf8'));
    await traceInput(page).setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"format": "eoscope/trace@1", ') });
    await page.locator('.export-note.error').getByText(/the trace file is not valid JSON \(line \d+, column \d+\)/).waitFor();
    await traceInput(page).setInputFiles({ name: 'scenario.json', mimeType: 'application/json', buffer: readFileSync(join(SCREENSHOTS, '..', '..', 'static', 'scenarios', 'txn-commit.json')) });
    await page.locator('.export-note.error').getByText('this is a scenario file, not a trace').waitFor();
    const edited = { ...good, digest: '0123456789abcdef' };
    await traceInput(page).setInputFiles({ name: 'edited.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(edited)) });
    await page.locator('.export-note.note').getByText(/replaying it gave a different trace than the file records/).waitFor();
    await app.screenshot('export-warning-700');
    await page.setViewportSize({ width: 380, height: 800 });
    await page.locator('.share').screenshot({ path: join(SCREENSHOTS, 'export-buttons-380.png') });
    await app.close();
});

// A trace at a far step replays in slices (one per animation frame): the page stays live, a
// progress line counts up, and Cancel stops it where it is (#17: no freeze of more than a frame).
test('a trace at a far step imports in slices with a progress line, and Cancel stops it there', async () => {
    const app = await open({ width: 700 });
    const { page } = app;
    const t = await download(page, 'Download trace (JSON)');
    const trace = JSON.parse(t.bytes.toString('utf8'));
    // The default story with a producer that sends 12,000 batches of one record: ~40,000 steps.
    trace.scenario.producers[0].script = [{ send: { partition: 0, records: 1, batches: 12000 } }];
    trace.scenario.schedule = [];
    trace.scenario.beats = [];
    trace.actions = [];
    trace.step = 36000;
    const far = Buffer.from(JSON.stringify(trace));
    await traceInput(page).setInputFiles({ name: 'far.json', mimeType: 'application/json', buffer: far });
    const progress = page.locator('p.job');
    await progress.getByText(/^Going to step 36000… \d+%/).waitFor();
    // It moves while the page keeps drawing frames, and Cancel leaves the run where it got to.
    const first = Number((await page.locator('.step-no').innerText()).replace(/\D/g, ''));
    await page.waitForFunction((f) => Number(document.querySelector('.step-no').innerText.replace(/\D/g, '')) > f, first);
    await page.screenshot({ path: join(SCREENSHOTS, 'import-progress-700.png'), clip: { x: 0, y: 0, width: 700, height: 700 } });
    await progress.getByRole('button', { name: 'Cancel' }).click();
    await progress.getByText(/^Stopped at step \d+\.$/).waitFor();
    const stopped = Number((await progress.innerText()).replace(/\D/g, ''));
    assert.ok(stopped > 0 && stopped < 36000, `stopped at ${stopped}`);
    assert.equal(Number((await page.locator('.step-no').innerText()).replace(/\D/g, '')), stopped);
    // Imported again and left alone, it arrives (the digest is the default story's, so it says so).
    await traceInput(page).setInputFiles({ name: 'far.json', mimeType: 'application/json', buffer: far });
    await page.locator('.export-note.note').getByText(/Trace loaded at step 36000, but replaying it gave a different trace/).waitFor({ timeout: 60000 });
    assert.equal(await progress.count(), 0);
    assert.equal(await page.locator('.step-no').innerText(), 'step 36000');
    await app.close();
});

test('the picture downloads as a standalone SVG that renders, and as a PNG', async () => {
    const app = await open();
    const { page } = app;
    const step = page.getByRole('button', { name: 'Step forward' });
    for (let i = 0; i < 8; i++) await step.click();
    const svg = await download(page, 'Download picture (SVG)');
    assert.match(svg.name, /\.svg$/);
    const text = svg.bytes.toString('utf8');
    assert.match(text, /<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(text, /fill="rgb\(/, 'computed colours inlined');
    assert.match(text, /font-family="/);
    assert.doesNotMatch(text, /\sstyle="/);
    const png = await download(page, 'Download picture (PNG)');
    assert.match(png.name, /\.png$/);
    assert.deepEqual([...png.bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.ok(png.bytes.length > 2000);
    assert.equal(await page.locator('.export-note.error').count(), 0);
    await app.close();

    // Outside the page: the SVG alone, as an image on a blank page, with no stylesheet.
    const ctx = await h.browser.newContext({ viewport: { width: 900, height: 400 } });
    const blank = await ctx.newPage();
    const data = `data:image/svg+xml;base64,${svg.bytes.toString('base64')}`;
    const size = await blank.evaluate(
        (src) =>
            new Promise((ok, fail) => {
                const img = new Image();
                img.onload = () => {
                    document.body.appendChild(img);
                    ok([img.naturalWidth, img.naturalHeight]);
                };
                img.onerror = () => fail(new Error('the SVG does not render'));
                img.src = src;
            }),
        data,
    );
    assert.ok(size[0] > 100 && size[1] > 50, `rendered at ${size}`);
    await blank.screenshot({ path: join(SCREENSHOTS, 'export-svg-alone.png') });
    await blank.setContent(`<img src="data:image/png;base64,${png.bytes.toString('base64')}" width="${size[0]}">`);
    await blank.screenshot({ path: join(SCREENSHOTS, 'export-png-alone.png') });
    await ctx.close();
});

test('under the strict CSP (no blob: images) the PNG button says why, and the SVG still works', async () => {
    const strict = await startHarness({ appCsp: CSP });
    try {
        const app = await openPage(strict.browser, strict.url, { width: 1280, height: 900, waitFor: READY });
        const { page } = app;
        await menu(page);
        await page.getByRole('button', { name: 'Download picture (PNG)' }).click();
        await page.locator('.export-note.error').getByText("PNG export needs the page to allow blob: images (img-src 'self' blob:); the SVG works everywhere.").waitFor();
        // The refused image is the one problem the page had; it is expected here.
        await page.waitForTimeout(100);
        // (a console error, the failed request and the violation report, all about the blob: image)
        const blocked = app.problems.filter((p) => /\bblob\b/.test(p));
        assert.ok(app.problems.some((p) => /CSP violation: img-src blocked blob/.test(p)), app.problems.join('\n'));
        app.problems.splice(0, app.problems.length, ...app.problems.filter((p) => !blocked.includes(p)));
        const svg = await download(page, 'Download picture (SVG)');
        assert.match(svg.bytes.toString('utf8'), /<svg/);
        await app.close();
    } finally {
        await strict.close();
    }
});
