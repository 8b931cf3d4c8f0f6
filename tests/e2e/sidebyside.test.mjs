// Side by side: the lost-ack story with enable.idempotence flipped shows both runs, one above
// the other at the same step, and a callout where they part (the broker deduplicating the retry
// instead of appending it); "Go to where they part" moves the step there. Kafka refusing a pair
// gives an inline message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SCREENSHOTS, startHarness } from './harness.mjs';

const READY = '#eoscope-app .eoscope .partition';

let h;
before(async () => {
    h = await startHarness();
});
after(() => h?.close());

const open = (opts) => h.open({ waitFor: READY, width: 1280, height: 900, ...opts });

test('flipping enable.idempotence on the lost-ack story: both runs, where they part, and going there', async () => {
    const app = await open({ width: 700 });
    const { page } = app;
    const panel = page.locator('.panel-compare');
    await panel.getByLabel('Setting to flip').selectOption('enable.idempotence');
    await panel.getByRole('button', { name: 'Compare' }).click();
    const runs = panel.locator('.sbs-run');
    await runs.nth(1).waitFor();
    assert.equal(await runs.count(), 2);
    assert.equal(await runs.nth(0).locator('.sbs-label').innerText(), 'enable.idempotence=false (this run)');
    assert.equal(await runs.nth(1).locator('.sbs-label').innerText(), 'enable.idempotence=true');
    const callout = await panel.locator('.sbs-callout').innerText();
    const m = callout.match(/The runs part at step (\d+): with enable\.idempotence=false, (.*); with true, (.*)\./);
    assert.ok(m, callout);
    // v0's retry: written again without idempotence (after v1), recognised with it.
    assert.equal(m[1], '28');
    assert.equal(m[2], 'orders-0 appends v0 again at offset 2');
    assert.match(m[3], /duplicate recognised, answered with offset 0/);
    assert.match(callout, /Their messages already differ from step \d+\./);
    assert.equal(await page.locator('.mark-part').count(), 1, 'the divergence is marked on the scrubber');

    await panel.getByRole('button', { name: 'Go to where they part' }).click();
    await page.locator('.step-no', { hasText: `step ${m[1]}` }).waitFor();
    assert.equal(await panel.locator('.sbs-run.at-part').count(), 2, 'both runs highlighted at the divergence');
    for (const i of [0, 1]) assert.equal(await runs.nth(i).locator('.sbs-step').innerText(), `step ${m[1]}`);
    await panel.screenshot({ path: join(SCREENSHOTS, 'sidebyside-part-700.png') });

    // At the end: the duplicate only in the run without idempotence, and its verdict.
    await page.getByRole('button', { name: 'Run to the end' }).click();
    await page.locator('.status-finished').waitFor();
    await runs.nth(0).locator('.sbs-cell.dup').first().waitFor();
    assert.equal(await runs.nth(1).locator('.sbs-cell.dup').count(), 0);
    await runs.nth(0).locator('.sbs-verdict.fail', { hasText: 'no_duplicate_in_log' }).waitFor();
    assert.equal(await runs.nth(1).locator('.sbs-verdict.fail', { hasText: 'no_duplicate_in_log' }).count(), 0);
    await panel.screenshot({ path: join(SCREENSHOTS, 'sidebyside-end-700.png') });
    await page.setViewportSize({ width: 380, height: 800 });
    await panel.screenshot({ path: join(SCREENSHOTS, 'sidebyside-end-380.png') });

    // Korean.
    await page.getByRole('button', { name: 'Language: switch to Korean' }).click();
    await panel.getByText(/두 실행은 스텝 \d+에서 갈라집니다/).waitFor();
    await panel.locator('.sbs-label', { hasText: 'enable.idempotence=false (이 실행)' }).waitFor();
    await panel.screenshot({ path: join(SCREENSHOTS, 'sidebyside-ko-380.png') });
    await app.close();
});

test('a pair Kafka refuses gives an inline message', async () => {
    const app = await open();
    const { page } = app;
    await page.getByLabel('Scenario', { exact: true }).selectOption({ label: 'A committed transaction' }).catch(async () => {
        // Titles change; pick the transactional story by its file id instead.
        const i = await page.evaluate(() =>
            [...document.querySelectorAll('select[aria-label=Scenario] option')].findIndex((o) => /transaction/i.test(o.textContent)),
        );
        await page.getByLabel('Scenario', { exact: true }).selectOption({ index: i });
    });
    await page.locator('.partition-head', { hasText: 'orders' }).first().waitFor();
    const panel = page.locator('.panel-compare');
    await page.waitForFunction(() => /transaction/i.test(document.querySelector('.story-title')?.textContent ?? ''));
    await panel.getByLabel('Setting to flip').selectOption('enable.idempotence');
    await panel.getByRole('button', { name: 'Compare' }).click();
    await panel.locator('.error').getByText(/with enable\.idempotence=false: /).waitFor();
    assert.equal(await panel.locator('.sbs-run').count(), 0);
    await app.close();
});
