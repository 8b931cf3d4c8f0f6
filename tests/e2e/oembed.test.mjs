// oEmbed as a WordPress-style host uses it: scripts/oembed.mjs run with the public URL of dist/,
// then the story page's discovery link → the oEmbed JSON → its iframe html pasted into a page of
// another origin (under a strict CSP that allows only dist/'s origin for frames), where the story
// plays. Also what the script refuses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CSP, DIST, ROOT, launchBrowser, openPage, startServer } from './harness.mjs';

let dir;
let pages;
let dist;
let host;
let browser;

before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eoscope-oembed-'));
    cpSync(DIST, dir, { recursive: true });
    dist = await startServer(dir, { cors: true });
    execFileSync('node', [join(ROOT, 'scripts/oembed.mjs'), `${dist.url}`, dir], { stdio: 'pipe' });
    pages = mkdtempSync(join(tmpdir(), 'eoscope-oembed-host-'));
    writeFileSync(join(pages, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(pages, 'index.html'), 'a host');
    const origin = dist.url.replace(/\/$/, '');
    host = await startServer(pages, { csp: `${CSP}; frame-src ${origin}` });
    browser = await launchBrowser();
});

after(async () => {
    await browser?.close();
    await dist?.close();
    await host?.close();
    for (const d of [dir, pages]) if (d) rmSync(d, { recursive: true, force: true });
});

test('every shipped story gets a page with a discovery link and a rich oEmbed answer', async () => {
    const ids = readdirSync(join(ROOT, 'static/scenarios')).map((f) => f.replace(/\.json$/, ''));
    assert.deepEqual(readdirSync(join(dir, 'oembed')).sort(), ids.map((i) => `${i}.json`).sort());
    const page = await (await fetch(`${dist.url}stories/txn-commit.html`)).text();
    const link = page.match(/<link rel="alternate" type="application\/json\+oembed" href="([^"]+)" title="([^"]+)">/);
    assert.ok(link, 'a discovery link');
    assert.equal(link[1], `${dist.url}oembed/txn-commit.json`);
    const answer = await (await fetch(link[1])).json();
    assert.equal(answer.version, '1.0');
    assert.equal(answer.type, 'rich');
    assert.equal(answer.title, 'A transaction that commits: two-phase commit and markers');
    assert.match(answer.html, new RegExp(`^<iframe src="${dist.url}stories/txn-commit\\.html" sandbox="allow-scripts" width="700" height="720" title="eoscope: [^"]+" loading="lazy"></iframe>$`));
});

test("the oEmbed html, pasted into another site's page, plays the story", async () => {
    const answer = await (await fetch(`${dist.url}oembed/txn-commit.json`)).json();
    writeFileSync(
        join(pages, 'post.html'),
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>post</title><link rel="icon" href="favicon.svg"></head><body>\n${answer.html}\n</body></html>`,
    );
    const p = await openPage(browser, `${host.url}post.html`, { width: 760, height: 900, waitFor: 'iframe' });
    const frame = p.page.frameLocator('iframe');
    await frame.locator('.narration').getByText('A transaction that commits').waitFor();
    await frame.getByRole('button', { name: 'Step forward' }).click();
    await frame.locator('#eoscope-embed[data-eoscope-step="1"]').waitFor();
    // The reader's build: no share box, no settings.
    assert.equal(await frame.locator('.share, .settings').count(), 0);
    await p.screenshot('oembed-post');
    await p.close();
});

test('the script refuses what is not a public URL, with a message', () => {
    for (const bad of ['assets/eoscope/', 'ftp://x/']) {
        assert.throws(
            () => execFileSync('node', [join(ROOT, 'scripts/oembed.mjs'), bad, dir], { stdio: 'pipe' }),
            (e) => /oembed\.mjs: not an (absolute|http\(s\)) URL/.test(e.stderr.toString()),
        );
    }
});
