// A real static site, as an author following only the README builds it: Debian's Hugo with
// dist/ copied to static/assets/eoscope/ and dist/hugo/eoscope.html as the shortcode. Its post
// embeds a story by the shortcode, another by the custom element in raw HTML, a third in the
// sandboxed iframe, the author's own file by `src` (a page resource next to the post) and inline,
// and a broken file of the author's; served under the strict CSP, every widget must mount, step
// and show its own story. Then "Copy embed code", each variant pasted as it comes out: the HTML,
// iframe and MDX ones on a page of another origin, the Hugo one into the Hugo site.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CSP, DIST, ROOT, launchBrowser, openPage, startServer } from './harness.mjs';

let dir;
let site;
let browser;
let app;
let other;

const own = JSON.parse(readFileSync(join(ROOT, 'static/scenarios/txn-abort-two-readers.json'), 'utf8'));
own.id = 'my-abort';
own.title = { en: 'My own abort, read both ways' };
const inline = { ...own, id: 'my-inline', title: { en: 'An inline file of my own' } };

const post = (extra = '') => `---
title: Exactly once, on my blog
---
The shortcode:

{{< eoscope scenario="txn-commit" controls="minimal" panels="logs,verdicts" />}}

The element, in raw HTML:

<eoscope-widget id="raw" scenario="lost-ack-idempotence" controls="minimal"></eoscope-widget>

An iframe:

<iframe id="frame" src="/assets/eoscope/embed.html?scenario=txn-abort-two-readers&amp;controls=minimal&amp;panels=logs,verdicts" sandbox="allow-scripts" loading="lazy" width="100%" height="480" title="eoscope"></iframe>
<script src="/assets/eoscope/embed-resize.js" defer></script>

My own file, next to this post:

{{< eoscope src="my-abort.json" controls="minimal" panels="logs,verdicts" />}}

My own file, inline:

{{< eoscope controls="minimal" panels="logs" >}}${JSON.stringify(inline)}{{< /eoscope >}}

A broken one:

{{< eoscope src="broken.json" controls="minimal" panels="logs" height="420" />}}

One on another site:

{{< eoscope src="https://evil.example/a.json" controls="minimal" panels="logs" />}}
${extra}
`;

const buildSite = (extra) => {
    writeFileSync(join(dir, 'content/posts/eos/index.md'), post(extra));
    execFileSync('hugo', ['--quiet', '-s', dir, '-d', join(dir, 'public')], { stdio: 'pipe' });
};

before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eoscope-hugo-'));
    for (const d of ['layouts/_default', 'layouts/shortcodes', 'content/posts/eos', 'static/assets']) mkdirSync(join(dir, d), { recursive: true });
    writeFileSync(join(dir, 'hugo.toml'), 'baseURL = "/"\ntitle = "A blog"\ndisableKinds = ["taxonomy", "term", "RSS", "sitemap"]\n[markup.goldmark.renderer]\nunsafe = true\n');
    writeFileSync(
        join(dir, 'layouts/_default/baseof.html'),
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ .Title }}</title><link rel="icon" href="/favicon.svg"></head><body><main>{{ block "main" . }}{{ end }}</main></body></html>',
    );
    writeFileSync(join(dir, 'layouts/_default/single.html'), '{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}{{ end }}');
    writeFileSync(join(dir, 'layouts/_default/list.html'), '{{ define "main" }}{{ range .Pages }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}{{ end }}');
    writeFileSync(join(dir, 'static/favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    cpSync(DIST, join(dir, 'static/assets/eoscope'), { recursive: true });
    cpSync(join(DIST, 'hugo/eoscope.html'), join(dir, 'layouts/shortcodes/eoscope.html'));
    writeFileSync(join(dir, 'content/posts/eos/my-abort.json'), JSON.stringify(own, null, 2));
    writeFileSync(join(dir, 'content/posts/eos/broken.json'), '{"format": "eoscope-scenario/1", "title": ');
    buildSite();
    site = await startServer(join(dir, 'public'), { cors: true });
    browser = await launchBrowser();
});

after(async () => {
    await browser?.close();
    await site?.close();
    await other?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
});

const widgets = (p) => p.locator('eoscope-widget');

// Scrolls each widget into view (they mount lazily) and waits for its stage.
const mountAll = async (p) => {
    const n = await widgets(p).count();
    for (let i = 0; i < n; i++) {
        const w = widgets(p).nth(i);
        await w.scrollIntoViewIfNeeded();
        await w.locator('.stage').waitFor();
    }
    return n;
};

for (const width of [700, 390]) {
    test(`a Hugo post at ${width} px: shortcode, element, iframe, src and inline all play`, async () => {
        app = await openPage(browser, `${site.url}posts/eos/`, { width, height: 900 });
        const p = app.page;
        assert.equal(await mountAll(p), 6);
        const title = (i) => widgets(p).nth(i).locator('.narration');
        await title(0).getByText('A transaction that commits').waitFor();
        await title(1).getByText('Idempotence').first().waitFor();
        await title(2).getByText(own.title.en).waitFor();
        await title(3).getByText(inline.title.en).waitFor();
        // The broken file's own message, in its widget, in the author's layout (minimal, 420 px).
        const broken = widgets(p).nth(4);
        await broken.getByRole('alert').getByText(/broken\.json/).waitFor();
        assert.equal(await broken.locator('.settings-panel, .share').count(), 0, 'the author asked for minimal controls');
        assert.equal(Math.round((await broken.boundingBox()).height), 420);
        await widgets(p).nth(5).getByRole('alert').getByText(/is not on this site/).waitFor();
        // Each steps.
        for (const i of [0, 1, 2, 3]) {
            const w = widgets(p).nth(i);
            await w.scrollIntoViewIfNeeded();
            const before = await w.getAttribute('data-eoscope-step');
            await w.getByRole('button', { name: 'Step forward' }).click();
            await p.waitForFunction(
                ([el, b]) => el.getAttribute('data-eoscope-step') !== b,
                [await w.elementHandle(), before],
            );
        }
        // The iframe mounts and sizes itself.
        const frame = p.locator('#frame');
        await frame.scrollIntoViewIfNeeded();
        await p.frameLocator('#frame').locator('.stage').waitFor();
        await p.waitForFunction(() => document.getElementById('frame').dataset.eoscopeHeight !== undefined);
        await widgets(p).nth(0).scrollIntoViewIfNeeded();
        await app.screenshot(`site-hugo-${width}`);
        await app.close();
    });
}

test('"Copy embed code": each variant, pasted as it comes out, shows the same moment', async () => {
    // The author's page is on another origin; dist/ is served with the CORS header.
    const dist = await startServer(DIST, { cors: true });
    try {
        const a = await openPage(browser, `${dist.url}index.html`, { width: 1280, height: 900, waitFor: '#eoscope-app .stage' });
        const p = a.page;
        await p.getByLabel('Scenario').selectOption({ label: 'A transaction that commits: two-phase commit and markers' });
        await p.locator('.narration').getByText('A transaction that commits').waitFor();
        for (let i = 0; i < 5; i++) await p.getByRole('button', { name: 'Step forward' }).click();
        const step = await p.locator('#eoscope-app').getAttribute('data-eoscope-step');
        await p.getByRole('button', { name: 'Copy embed code' }).click();
        // The default base is the path boot.js came from; the author's dist/ is elsewhere.
        assert.equal(await p.locator('.embed-base').inputValue(), '/');
        const snippets = {};
        for (const [host, base] of [['html', dist.url], ['iframe', dist.url], ['mdx', dist.url], ['hugo', '/assets/eoscope/']]) {
            await p.locator('.embed-host').selectOption(host);
            await p.locator('.embed-base').fill(base);
            snippets[host] = await p.locator('.share-text').inputValue();
        }
        // The base path is remembered on this site.
        await p.reload();
        await p.locator('#eoscope-app .stage').waitFor();
        await p.getByRole('button', { name: 'Copy embed code' }).click();
        assert.equal(await p.locator('.embed-base').inputValue(), '/assets/eoscope/');
        await a.close();

        assert.match(snippets.hugo, /^\{\{< eoscope scenario="txn-commit" moment="m=1\.[^"]+" panels="[a-z,]+" controls="minimal" autoplay="false" \/>\}\}$/);
        const origin = dist.url.replace(/\/$/, '');
        const csp = `${CSP.replace("default-src 'self'", `default-src 'self' ${origin}`).replace("script-src 'self'", `script-src 'self' ${origin}`).replace("style-src 'self'", `style-src 'self' ${origin}`)}; frame-src ${origin}`;
        const pages = mkdtempSync(join(tmpdir(), 'eoscope-paste-'));
        const paste = (name, body) =>
            writeFileSync(join(pages, `${name}.html`), `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${name}</title><link rel="icon" href="favicon.svg"></head><body>\n${body}\n</body></html>`);
        writeFileSync(join(pages, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
        paste('index', 'pasted pages');
        other = await startServer(pages, { csp });
        paste('html', snippets.html);
        paste('iframe', snippets.iframe);
        // MDX: the comment line is for the layout; the script it names goes in the head.
        const [comment, element] = snippets.mdx.split('\n');
        paste('mdx', `${comment.match(/<script[^>]*><\/script>/)[0]}\n${element}`);
        for (const name of ['html', 'mdx']) {
            const q = await openPage(browser, `${other.url}${name}.html`, { width: 700, height: 900, waitFor: 'eoscope-widget .stage' });
            const w = q.page.locator('eoscope-widget');
            await w.locator('.narration').getByText('A transaction that commits').waitFor();
            assert.equal(await w.getAttribute('data-eoscope-step'), step, `${name}: the moment's step`);
            assert.equal(await w.getByRole('button', { name: 'Play' }).count(), 1, `${name}: minimal controls, not playing`);
            await q.close();
        }
        const f = await openPage(browser, `${other.url}iframe.html`, { width: 700, height: 900, waitFor: 'iframe' });
        const frame = f.page.frameLocator('iframe');
        await frame.locator('.narration').getByText('A transaction that commits').waitFor();
        assert.equal(await frame.locator('#eoscope-embed').getAttribute('data-eoscope-step'), step);
        await f.page.waitForFunction(() => document.querySelector('iframe').dataset.eoscopeHeight !== undefined);
        await f.close();

        // The Hugo variant, pasted into the post.
        buildSite(`\nPasted:\n\n${snippets.hugo}\n`);
        const h = await openPage(browser, `${site.url}posts/eos/`, { width: 700, height: 900 });
        const last = widgets(h.page).last();
        await last.scrollIntoViewIfNeeded();
        await last.locator('.narration').getByText('A transaction that commits').waitFor();
        assert.equal(await last.getAttribute('data-eoscope-step'), step);
        await h.close();
    } finally {
        await dist.close();
    }
});
