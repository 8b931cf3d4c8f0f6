// The app end to end, as a new reader meets it: the release build, served under the strict CSP,
// loads the lost-ack story; running it shows a duplicate and a failed verdict; turning
// enable.idempotence on and re-running makes the duplicate go away; the keyboard drives playback.
// Screenshots at 1280, 700 and 380 px at several moments go to target/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIST, ROOT, SCREENSHOTS, startHarness } from './harness.mjs';

const READY = '#eoscope-app .eoscope .partition';

let h;
before(async () => {
    h = await startHarness();
});
after(() => h?.close());

const open = (opts) => h.open({ waitFor: READY, ...opts });

/** The verdict row of a property. */
const verdict = (page, name) => page.locator(`li.verdict[data-property=${name}]`);

test('the built index.html has no inline script or style (CSP)', () => {
    const html = readFileSync(join(DIST, 'index.html'), 'utf8');
    const inlineScripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)].filter(
        ([, attrs, body]) => !/\bsrc=/i.test(attrs) || body.trim() !== '',
    );
    assert.deepEqual(inlineScripts.map(([tag]) => tag.slice(0, 80)), [], 'inline <script> in dist/index.html');
    assert.doesNotMatch(html, /<style\b/i, 'a <style> block in dist/index.html');
    assert.doesNotMatch(html, /\sstyle\s*=/i, 'a style="" attribute in dist/index.html');
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i, 'an inline event handler in dist/index.html');
});

test('a new reader makes a duplicate happen and then makes it go away', async () => {
    const app = await open({ width: 1280, height: 900 });
    const { page } = app;
    // The first story is the lost ack with Kafka 2.4's defaults.
    await page.locator('.narration').getByText('A lost ack and a retry write a duplicate').waitFor();
    // Play stops at each beat of the story, with its narration; press Play again to go on.
    const beats = new Set();
    for (let i = 0; i < 20 && (await page.locator('.status-finished').count()) === 0; i++) {
        const before = await page.locator('.step-no').innerText();
        await page.getByRole('button', { name: 'Play' }).click();
        await page.waitForFunction(
            (b) => document.querySelector('.step-no')?.innerText !== b && !document.querySelector('.status-playing'),
            before,
            { timeout: 30_000 },
        );
        beats.add(await page.locator('.beat-head strong').innerText());
    }
    await page.locator('.status-finished').waitFor();
    assert.ok(beats.has('v0 is in the log twice'), `the beats seen: ${[...beats].join(' | ')}`);

    await verdict(page, 'no_duplicate_in_log').getByText('FAIL').waitFor();
    await page.getByText('v0 is in orders-0 2 times').waitFor();
    await page.getByText('expected with these settings').first().waitFor();
    await page.getByText('duplicate!').first().waitFor();
    assert.ok((await page.locator('.cell.dup').count()) >= 2, 'two copies of v0 marked in the log');

    // The fix: enable.idempotence=true, re-run with the same seed and schedule.
    await page.getByLabel('enable.idempotence').first().selectOption('true');
    await page.getByRole('button', { name: 'Re-run from start with these settings' }).click();
    await page.getByRole('button', { name: 'Run to the end' }).click();
    await page.getByText('finished').first().waitFor();
    await verdict(page, 'no_duplicate_in_log').getByText('pass').waitFor();
    assert.equal(await page.getByText('v0 is in orders-0 2 times').count(), 0);
    assert.equal(await page.locator('.cell.dup').count(), 0, 'no duplicate cell with idempotence on');
    assert.equal(await page.getByText('duplicate!').count(), 0);
    await page.locator('.event-list').getByText('duplicate recognised').first().waitFor();
    await app.screenshot('story-fixed-1280');
    // A link names the story and would bring back its shipped settings: it is refused, kindly.
    await page.getByRole('button', { name: 'Copy link to this moment' }).first().click();
    await page.getByText("This run's settings differ from the shipped story's").waitFor();
    assert.equal(await page.locator('.share-text').count(), 0, 'no link to copy');
    await app.close();
});

test('dropping an ack by hand duplicates a record', async () => {
    const app = await open({ width: 700, height: 900 });
    const { page } = app;
    // Arm "drop the next ack to producer-0" after the scheduled drop of v0's ack has happened.
    const step = page.getByRole('button', { name: 'Step forward' });
    for (let i = 0; i < 12; i++) await step.click();
    await page.getByRole('button', { name: 'Drop next' }).click();
    await page.getByRole('button', { name: 'Run to the end' }).click();
    await page.getByText('finished').first().waitFor();
    await page.getByText('v1', { exact: true }).first().waitFor();
    const fail = verdict(page, 'no_duplicate_in_log');
    await fail.getByText('FAIL').waitFor();
    // Both v0 and v1 are now written twice.
    assert.ok((await page.locator('.cell.dup').count()) >= 4, 'v0 and v1 each have two copies');
    await app.close();
});

test('a message in flight can be clicked and dropped', async () => {
    const app = await open({ width: 1280, height: 900 });
    const { page } = app;
    await page.getByRole('button', { name: 'Step forward' }).click();
    const msg = page.locator('.msg').first();
    await msg.waitFor();
    await msg.click();
    await page.getByRole('button', { name: '✕ Drop' }).click();
    await page.getByText('is lost: a fault').first().waitFor();
    await app.close();
});

test('keyboard: space plays and pauses, arrows step, only when the app has focus', async () => {
    const app = await open({ width: 700, height: 800 });
    const { page } = app;
    const stepNo = async () => Number((await page.locator('.step-no').innerText()).replace(/\D/g, ''));
    // Yew renders after the key event returns: wait for the step to show, don't race it.
    const expectStep = async (n) => {
        for (let i = 0; i < 100 && (await stepNo()) !== n; i++) await page.waitForTimeout(20);
        assert.equal(await stepNo(), n);
    };
    // Free play: don't stop at the story's beats.
    await page.getByLabel('pause at story beats').uncheck();
    await page.locator('.eoscope').focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expectStep(3);
    await page.keyboard.press('ArrowLeft');
    await expectStep(2);
    await page.keyboard.press(' ');
    await page.getByText('playing').first().waitFor();
    await page.waitForTimeout(900);
    await page.keyboard.press(' ');
    await page.getByText('paused').first().waitFor();
    const paused = await stepNo();
    assert.ok(paused > 2, `playing moved on (step ${paused})`);
    await page.waitForTimeout(600);
    assert.equal(await stepNo(), paused, 'nothing moves while paused');
    // Keys typed into a form control are the control's own.
    await page.getByLabel('Seed').focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await stepNo(), paused);
    await app.close();
});

test('screenshots at 1280, 700 and 380 px, at the start, mid-run and the end', async () => {
    for (const [width, height] of [
        [1280, 900],
        [700, 900],
        [380, 800],
    ]) {
        const app = await open({ width, height });
        const { page } = app;
        const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        await app.screenshot(`app-${width}-start`);
        assert.equal(await overflow(), 0, `no horizontal overflow at ${width}px (start)`);
        const step = page.getByRole('button', { name: 'Step forward' });
        for (let i = 0; i < 9; i++) await step.click();
        await app.screenshot(`app-${width}-mid`);
        await page.getByRole('button', { name: 'Run to the end' }).click();
        await page.getByText('finished').first().waitFor();
        await app.screenshot(`app-${width}-end`);
        await page.screenshot({ path: join(SCREENSHOTS, `app-${width}-viewport.png`) });
        assert.equal(await overflow(), 0, `no horizontal overflow at ${width}px (end)`);
        // The transactional stories draw markers and the coordinator.
        await page.getByLabel('Scenario').selectOption({ label: 'An aborted transaction, read both ways' });
        await page.getByRole('button', { name: 'Run to the end' }).click();
        await page.getByText('finished').first().waitFor();
        await page.locator('.cell.marker.abort').first().waitFor();
        await page.locator('.cell.marker.commit').first().waitFor();
        await app.screenshot(`app-${width}-txn`);
        assert.equal(await overflow(), 0, `no horizontal overflow at ${width}px (transactions)`);
        await app.close();
    }
});

test('every shipped scenario is in the picker and loads', async () => {
    const files = readdirSync(join(ROOT, 'static', 'scenarios')).filter((f) => f.endsWith('.json'));
    const app = await open({ width: 700, height: 800 });
    const { page } = app;
    const picker = page.getByLabel('Scenario');
    const labels = await picker.locator('option').allInnerTexts();
    assert.equal(labels.length, files.length, `the picker lists ${labels.length} scenarios, static/scenarios has ${files.length} (add new files to src/ui/scenarios.rs)`);
    for (const label of labels) {
        await picker.selectOption({ label });
        await page.locator('.narration').getByText(label).waitFor();
        await page.getByRole('button', { name: 'Run to the end' }).click();
        await page.getByText('finished').first().waitFor();
        assert.equal(await page.locator('.eoscope > .error').count(), 0, `${label} loads without an error`);
    }
    await app.close();
});

test('apply now restarts the producer with the new setting, recorded in the run', async () => {
    const app = await open({ width: 1280, height: 900 });
    const { page } = app;
    const step = page.getByRole('button', { name: 'Step forward' });
    for (let i = 0; i < 3; i++) await step.click();
    await page.getByLabel('enable.idempotence').first().selectOption('true');
    await page.getByRole('button', { name: 'Apply now to producer-0' }).click();
    await page.getByText('producer-0 restarted with enable.idempotence=true').waitFor();
    await page.locator('.event-list').getByText('producer-0 restarts with enable.idempotence=true').first().waitFor();
    // The action is marked on the timeline and survives a trip back and forth.
    assert.ok((await page.locator('.marks .mark-action').count()) >= 1);
    await page.getByRole('button', { name: 'Back to the start' }).click();
    await page.getByRole('button', { name: 'Run to the end' }).click();
    await page.getByText('finished').first().waitFor();
    await page.locator('.event-list').getByText('producer-0 restarts with enable.idempotence=true').first().waitFor();
    await app.close();
});

test('dark theme (prefers-color-scheme: dark)', async () => {
    const app = await open({ width: 700, height: 900, colorScheme: 'dark' });
    const { page } = app;
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByRole('button', { name: 'Run to the end' }).click();
    await page.getByText('finished').first().waitFor();
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.notEqual(bg, 'rgb(255, 255, 255)', 'a dark background');
    await page.screenshot({ path: join(SCREENSHOTS, 'app-700-dark.png') });
    await app.close();
});

test('time to first drawing, next to a static placeholder page', async () => {
    const measure = async (path, selector) => {
        const context = await h.browser.newContext({ viewport: { width: 700, height: 800 } });
        const page = await context.newPage();
        const times = [];
        for (let i = 0; i < 3; i++) {
            await page.goto(h.url + path);
            await page.locator(selector).first().waitFor();
            // The paint entry can arrive a frame after the element: wait for it (buffered).
            times.push(
                await page.evaluate(
                    () =>
                        new Promise((ok) => {
                            const seen = (list) => {
                                const fcp = list.getEntriesByName('first-contentful-paint')[0];
                                if (fcp) ok(fcp.startTime);
                            };
                            new PerformanceObserver(seen).observe({ type: 'paint', buffered: true });
                            setTimeout(() => ok(performance.now()), 3000);
                        }),
                ),
            );
        }
        await context.close();
        return times.sort((a, b) => a - b)[1];
    };
    const app = await measure('', READY);
    const placeholder = await measure('placeholder.html', 'p');
    console.log(`# first contentful paint (median of 3, 700 px): app ${app.toFixed(0)} ms, static placeholder ${placeholder.toFixed(0)} ms`);
    assert.ok(app > 0);
});
