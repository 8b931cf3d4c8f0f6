// Tests of the harness itself: it must notice what it exists to catch, or a green e2e run means
// nothing. A page with an inline script and an inline style, served under the CSP, must fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, openPage, startServer } from './harness.mjs';

test('the harness reports CSP violations, page errors and HTTP errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eoscope-harness-'));
    writeFileSync(
        join(dir, 'index.html'),
        `<!doctype html><html><head><title>t</title></head><body>
<p style="color: red">inline style attribute</p>
<script>document.title = 'inline ran';</script>
<script src="/throws.js"></script>
<img src="/missing.png" alt="">
</body></html>`,
    );
    writeFileSync(join(dir, 'throws.js'), "throw new Error('boom from throws.js');");
    const server = await startServer(dir);
    const browser = await launchBrowser();
    try {
        const p = await openPage(browser, server.url);
        assert.notEqual(await p.page.title(), 'inline ran', 'the CSP must block the inline script');
        await assert.rejects(p.close(), (e) => {
            assert.match(e.message, /CSP violation: script-src/);
            assert.match(e.message, /CSP violation: style-src/);
            assert.match(e.message, /page error: .*boom from throws\.js/);
            assert.match(e.message, /HTTP 404: .*missing\.png/);
            return true;
        });
    } finally {
        await browser.close();
        await server.close();
        rmSync(dir, { recursive: true, force: true });
    }
});
