// The walking skeleton end to end: the release build, served under the strict CSP, loads, draws
// the partition log, and appends a batch when the button is pressed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIST, startHarness } from './harness.mjs';

let h;
before(async () => {
    h = await startHarness();
});
after(() => h?.close());

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

for (const [width, height] of [
    [700, 520],
    [380, 640],
]) {
    test(`append a batch at ${width}px`, async () => {
        const app = await h.open({ width, height });
        const { page } = app;
        await page.getByText('log end offset 0').waitFor();
        assert.equal(await page.locator('.partition .cell').count(), 0, 'the log starts empty');

        await page.getByRole('button', { name: 'Append a batch' }).click();
        await page.getByText('log end offset 1').waitFor();
        assert.equal(await page.locator('.partition .cell').count(), 1, 'one cell after one append');
        assert.equal(await page.locator('.partition .cell').first().innerText(), 'v0');

        await app.screenshot(`app-${width}`);
        await app.close();
    });
}
