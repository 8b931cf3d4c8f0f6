// "Take the wheel" at a story beat makes the story a sandbox from that state; "Back to the
// story" returns to that beat exactly, the reader's own steps and actions discarded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from './harness.mjs';

const READY = '#eoscope-app .eoscope .partition';

let h;
before(async () => {
    h = await startHarness();
});
after(() => h?.close());

test('take the wheel at beat 2, change the run, back to the story restores the beat', async () => {
    const app = await h.open({ waitFor: READY, width: 1280, height: 900 });
    const { page } = app;
    await page.locator('.narration').getByText('A lost ack and a retry write a duplicate').waitFor();
    await page.locator('.beat-no', { hasText: '1 / ' }).waitFor();
    await page.getByRole('button', { name: 'next beat ▶' }).click();
    await page.locator('.beat-no', { hasText: '2 / ' }).waitFor();
    const beatText = await page.locator('.beat-text').innerText();
    const beatTitle = await page.locator('.beat-head strong').innerText();
    const beatStep = await page.locator('.step-no').innerText();
    const beatActions = await page.locator('.mark-action').count();
    assert.equal(beatTitle, 'Written, but the ack is lost');

    await page.getByRole('button', { name: 'Take the wheel' }).click();
    await page.locator('.narration.wheel').getByText('You have the wheel').waitFor();
    assert.equal(await page.locator('.beat-text').count(), 0, 'the narration is collapsed');

    // The reader's own run: step, drop a message in flight, step on.
    const step = page.getByRole('button', { name: 'Step forward' });
    await step.click();
    const msg = page.locator('.msg').first();
    if ((await msg.count()) > 0) {
        await msg.click();
        await page.getByRole('button', { name: '✕ Drop' }).click();
        await page.getByText('is lost: a fault').first().waitFor();
    }
    for (let i = 0; i < 5; i++) await step.click();
    assert.notEqual(await page.locator('.step-no').innerText(), beatStep, 'the picture changed');

    await page.getByRole('button', { name: 'Back to the story' }).click();
    await page.locator('.beat-no', { hasText: '2 / ' }).waitFor();
    assert.equal(await page.locator('.narration.wheel').count(), 0);
    assert.equal(await page.locator('.beat-head strong').innerText(), beatTitle);
    assert.equal(await page.locator('.beat-text').innerText(), beatText);
    assert.equal(await page.locator('.step-no').innerText(), beatStep);
    assert.equal(await page.locator('.mark-action').count(), beatActions, "the reader's actions are gone");
    await app.close();
});
