// dist/ copied unchanged to a sub-path of a site (/assets/eoscope/, /blog/2026/eos/) works: the
// app page, the iframe page (sandboxed, with the CORS header a host must send) and an inline
// widget on a page elsewhere on the site, all under the strict CSP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST, launchBrowser, openPage, startServer } from './harness.mjs';

let server;
let browser;
let dir;
const SUBPATHS = ['assets/eoscope', 'blog/2026/eos'];

before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eoscope-subpath-'));
    for (const sub of SUBPATHS) {
        mkdirSync(join(dir, sub), { recursive: true });
        cpSync(DIST, join(dir, sub), { recursive: true });
    }
    writeFileSync(join(dir, 'index.html'), '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>site</title><link rel="icon" href="favicon.svg"></head><body>a site</body></html>');
    writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(
        join(dir, 'post.html'),
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>post</title><link rel="icon" href="favicon.svg">
<script type="module" src="assets/eoscope/boot.js"></script></head><body>
<div data-eoscope="txn-commit" id="w" data-controls="minimal"></div>
<iframe id="f" sandbox="allow-scripts" title="eoscope" src="blog/2026/eos/embed.html?scenario=lost-ack-idempotence&amp;controls=minimal"></iframe>
</body></html>`,
    );
    server = await startServer(dir, { cors: true });
    browser = await launchBrowser();
});

after(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
});

for (const sub of SUBPATHS) {
    test(`the app page works at /${sub}/`, async () => {
        const app = await openPage(browser, `${server.url}${sub}/index.html`, { width: 1280, height: 900, waitFor: '#eoscope-app .stage' });
        await app.page.locator('.narration').getByText('A lost ack and a retry write a duplicate').waitFor();
        // A scenario fetched from scenarios/ next to boot.js, under the sub-path.
        const picker = app.page.getByLabel('Scenario');
        const labels = await picker.locator('option').allInnerTexts();
        await picker.selectOption({ label: labels[1] });
        await app.page.locator('.narration').getByText(labels[1]).waitFor();
        await app.close();
    });
}

test('an inline widget and a sandboxed iframe from sub-paths on a page elsewhere', async () => {
    const app = await openPage(browser, `${server.url}post.html`, { width: 700, height: 900, waitFor: '#w .stage' });
    const p = app.page;
    await p.locator('#w .beat-no').waitFor();
    const frame = p.frameLocator('#f');
    await frame.locator('.stage').waitFor();
    assert.ok((await frame.locator('.narration').innerText()).length > 0);
    await app.close();
});

test('a sandboxed iframe whose host sends no CORS header says so in the frame, with the header to send', async () => {
    const bare = await startServer(dir, { cors: false });
    try {
        const app = await openPage(browser, `${bare.url}post.html`, { width: 700, height: 900, waitFor: '#f' });
        const frame = app.page.frameLocator('#f');
        const message = frame.locator('.eoscope-failed');
        await message.waitFor();
        assert.match(await message.innerText(), /host must serve dist\/’s \.js, \.wasm, \.css and \.json files with Access-Control-Allow-Origin: \*/);
        // The frame sized itself to the message (embed-resize.js is not on this page: the frame
        // keeps its own height), and the inline widget of the page, which needs no CORS, works.
        await app.page.locator('#w .beat-no').waitFor();
        // What the browser reported: only the blocked cross-origin loads.
        const unexpected = app.problems.filter((p) => !/CORS|Access-Control|net::ERR_FAILED|blocked|Failed to load module script/i.test(p));
        assert.deepEqual(unexpected, []);
        app.problems.length = 0;
        await app.close();
    } finally {
        await bare.close();
    }
});
