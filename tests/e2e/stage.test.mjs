// The stage end to end: what a reader sees on the drawing at each beat. The lost ack is drawn
// where it was lost and stays for its beat; tokens travel between animation frames; a knob in a
// minimal widget re-runs the story and the beat text follows; every beat is reachable forward and
// back; a widget keeps its height from beat to beat. Screenshots of every beat of three stories
// at 1280, 700 and 390 px go to target/screenshots/beat-STORY-WIDTH-N.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST, SCREENSHOTS, launchBrowser, openPage, startServer } from './harness.mjs';

let server;
let browser;
let dir;

const page = (body, lang = 'en') => `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><title>stage</title>
<link rel="icon" href="favicon.svg"><script type="module" src="boot.js"></script>
</head><body>${body}</body></html>`;

const STORIES = ['lost-ack-no-idempotence', 'txn-abort-two-readers', 'txn-coordinator-failover', 'group-zombie-fenced'];

before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eoscope-stage-'));
    cpSync(DIST, dir, { recursive: true });
    for (const id of STORIES) {
        writeFileSync(
            join(dir, `w-${id}.html`),
            page(`<div data-eoscope="${id}" id="w" data-controls="minimal" data-panels="logs,verdicts"></div>`),
        );
    }
    server = await startServer(dir);
    browser = await launchBrowser();
});

after(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
});

const beatNo = async (p) => (await p.locator('.beat-no').innerText()).trim();
const beatTitle = async (p) => (await p.locator('.beat-head strong').innerText()).trim();

async function nextBeat(p) {
    const before = await beatNo(p);
    await p.getByRole('button', { name: /next beat/ }).click();
    await p.waitForFunction((b) => document.querySelector('.beat-no')?.innerText.trim() !== b, before);
}

async function toBeat(p, title) {
    for (let i = 0; i < 20 && (await beatTitle(p)) !== title; i++) await nextBeat(p);
    assert.equal(await beatTitle(p), title);
}

test('the lost ack is drawn where it was lost, labelled, for the rest of its beat', async () => {
    const app = await openPage(browser, `${server.url}w-lost-ack-no-idempotence.html`, { width: 700, height: 900, waitFor: '#w .stage' });
    const p = app.page;
    await toBeat(p, 'Written, but the ack is lost');
    const loss = p.locator('#w .loss[data-kind="ProduceResponse"]');
    await loss.waitFor();
    assert.equal(await loss.getAttribute('aria-label'), 'ProduceResponse (orders-0 ok offset 0) — lost');
    assert.equal(await loss.locator('.loss-label').first().textContent(), 'ProduceResponse — lost');
    assert.equal((await loss.locator('.x').textContent()).trim(), '✕');
    // A step further, still in this beat: the ✕ stays.
    await p.locator('#w').getByRole('button', { name: 'Step forward' }).click();
    await p.waitForTimeout(150);
    assert.equal(await loss.count(), 1, 'the lost ack is still drawn');
    // The next beat draws its own loss (v1 on the broken connection), not this one.
    await nextBeat(p);
    await p.locator('#w .loss[data-kind="ProduceRequest"]').waitFor();
    assert.equal(await loss.count(), 0);
    await app.close();
});

test('while playing, a token moves between animation frames; paused, it stands still', async () => {
    const app = await openPage(browser, `${server.url}w-lost-ack-no-idempotence.html`, { width: 1280, height: 900, waitFor: '#w .stage' });
    const p = app.page;
    await p.locator('#w').getByRole('button', { name: 'Play' }).click();
    let moved = false;
    // Steps that take no simulated time show no travel: look for up to ~8 s of play.
    for (let i = 0; i < 240 && !moved; i++) {
        // On a slow machine play can reach the next beat (and stop) between two looks: play on.
        if (!(await p.locator('#w .status-playing').count())) await p.locator('#w').getByRole('button', { name: 'Play' }).click();
        const first = await p.evaluate(() => [...document.querySelectorAll('#w .token')].map((t) => [t.dataset.id, t.getAttribute('transform')]));
        await p.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
        const second = await p.evaluate(() => Object.fromEntries([...document.querySelectorAll('#w .token')].map((t) => [t.dataset.id, t.getAttribute('transform')])));
        moved = first.some(([id, tr]) => second[id] !== undefined && second[id] !== tr);
    }
    assert.ok(moved, 'a token changed place between two animation frames');
    // At a beat, play stops: nothing moves any more.
    await p.waitForFunction(() => !document.querySelector('#w .status-playing'));
    const still = await p.evaluate(() => [...document.querySelectorAll('#w .token')].map((t) => t.getAttribute('transform')).join());
    await p.waitForTimeout(300);
    assert.equal(await p.evaluate(() => [...document.querySelectorAll('#w .token')].map((t) => t.getAttribute('transform')).join()), still);
    await app.close();
});

test('a knob in a minimal widget re-runs the story on the same beat and the narration follows', async () => {
    const app = await openPage(browser, `${server.url}w-lost-ack-no-idempotence.html`, { width: 700, height: 900, waitFor: '#w .stage' });
    const p = app.page;
    await toBeat(p, 'v0 is in the log twice');
    assert.match(await p.locator('.beat-text').innerText(), /no_duplicate_in_log fails/);
    const knob = p.getByRole('switch', { name: /enable\.idempotence/ });
    assert.equal(await knob.getAttribute('aria-checked'), 'false');
    await knob.click();
    await p.locator('.beat-head strong', { hasText: 'The broker recognises the retry' }).waitFor();
    assert.equal(await beatNo(p), '5 / 7', 'the same beat');
    assert.match(await p.locator('.beat-text').innerText(), /no_duplicate_in_log passes/);
    assert.equal(await p.getByRole('switch', { name: /enable\.idempotence/ }).getAttribute('aria-checked'), 'true');
    const verdict = p.locator('#w [data-property="no_duplicate_in_log"]');
    if ((await verdict.count()) > 0) assert.doesNotMatch(await verdict.innerText(), /FAIL/);
    // Flipped back: the original telling again.
    await p.getByRole('switch', { name: /enable\.idempotence/ }).click();
    await p.locator('.beat-head strong', { hasText: 'v0 is in the log twice' }).waitFor();
    await app.close();
});

for (const id of STORIES) {
    test(`${id}: every beat is reached by next and previous, the widget keeps its height, and each beat is photographed`, async () => {
        for (const width of [1280, 700, 390]) {
            const app = await openPage(browser, `${server.url}w-${id}.html`, { width, height: 900, waitFor: '#w .stage' });
            const p = app.page;
            const n = Number((await beatNo(p)).split('/')[1]);
            const heights = new Set();
            const seen = [];
            for (let k = 1; k <= n; k++) {
                seen.push(await beatNo(p));
                heights.add(Math.round((await p.locator('#w .eoscope').boundingBox()).height));
                const text = await p.locator('#w').innerText();
                assert.doesNotMatch(text, /\bseed\b|원문/i, `${id} beat ${k}: no word a reader can't know`);
                await p.screenshot({ path: join(SCREENSHOTS, `beat-${id}-${width}-${k}.png`) });
                if (k < n) await nextBeat(p);
            }
            assert.deepEqual(seen, Array.from({ length: n }, (_, i) => `${i + 1} / ${n}`));
            assert.equal(heights.size, 1, `${id} at ${width} px: the widget's height changed between beats: ${[...heights]}`);
            for (let k = n; k > 1; k--) {
                await p.getByRole('button', { name: /previous beat/ }).click();
                await p.waitForFunction((want) => document.querySelector('.beat-no')?.innerText.trim() === want, `${k - 1} / ${n}`);
            }
            await app.close();
        }
    });
}
