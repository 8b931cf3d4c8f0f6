// The widget end to end: inline widgets (`<div data-eoscope=…>` + boot.js), the JS API, the iframe
// (embed.html in `<iframe sandbox="allow-scripts">`, auto-sized by embed-resize.js), shared
// moments (`#m=1.…`), hostile input (fragments and attributes), and the example blog posts in
// English and Korean with screenshots at 700 and 380 px.
//
// The pages are served from a copy of dist/ plus a few test pages, under the strict CSP, by a
// server that also sends `Access-Control-Allow-Origin: *` on .js and .wasm (and nothing more):
// the headers README says a host must send for the sandboxed iframe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CSP, DIST, SCREENSHOTS, launchBrowser, openPage, startServer } from './harness.mjs';

const SCENARIO = 'lost-ack-no-idempotence';

let server;
let browser;
let dir;

/** A host page: the app's script once, then `body`. No inline script or style. */
const page = (body, lang = 'en') => `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><title>host</title>
<link rel="icon" href="favicon.svg"><script type="module" src="boot.js"></script><script src="embed-resize.js" defer></script>
</head><body>${body}</body></html>`;

const escapeAttr = (s) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

// Malformed or hostile moments (the data-moment attribute and the URL fragment take the same path).
const BAD_MOMENTS = [
    'm=',
    'm=1',
    'm=1.',
    'm=2.eyJzIjoiYSJ9',
    'm=1.!!!!',
    'm=1.eyJzIjo',
    'm=1.' + Buffer.from('not json').toString('base64url'),
    'm=1.' + Buffer.from('[1,2,3]').toString('base64url'),
    'm=1.' + Buffer.from('{"s":"<script>alert(1)</script>"}').toString('base64url'),
    'm=1.' + Buffer.from('{"s":"no-such-story"}').toString('base64url'),
    'm=1.' + Buffer.from(`{"s":"${SCENARIO}","t":-1}`).toString('base64url'),
    'm=1.' + Buffer.from(`{"s":"${SCENARIO}","t":1e300}`).toString('base64url'),
    'm=1.' + Buffer.from(`{"s":"${SCENARIO}","l":"fr"}`).toString('base64url'),
    'm=1.' + Buffer.from(`{"s":"${SCENARIO}","x":1}`).toString('base64url'),
    'm=1.' + Buffer.from(`{"s":"${SCENARIO}","a":[{"drop":"x"}]}`).toString('base64url'),
    'm=1.' + Buffer.from(`{"s":"${SCENARIO}","a":[{"crash":"broker-99","at":1}]}`).toString('base64url'),
    'm=1.' + Buffer.from(`{"s":"${SCENARIO}","r":"seed"}`).toString('base64url'),
    'm=1.' + 'A'.repeat(9000),
    'm=1.' + Buffer.from([0xff, 0xfe, 0x00]).toString('base64url'),
    'm=1.<img src=x onerror=alert(1)>',
];

// Malformed data- attributes: [attribute, value].
const BAD_ATTRS = [
    ['data-eoscope', 'no-such-story'],
    ['data-eoscope', '<img src=x onerror=alert(1)>'],
    ['data-step', 'abc'],
    ['data-step', '-5'],
    ['data-step', '99999999999999999999999'],
    ['data-step', '5000000'],
    ['data-lang', 'fr'],
    ['data-lang', '<b>ko</b>'],
    ['data-panels', 'logs,nope'],
    ['data-controls', 'some'],
    ['data-height', '10'],
    ['data-height', '100000'],
    ['data-height', '12px'],
    ['data-seed', 'x'],
    ['data-autoplay', 'maybe'],
    ['data-src', 'javascript:alert(1)'],
    ['data-src', '//evil.example/a.json'],
    ['data-src', 'a b.json'],
    ['data-src', '"><img src=x onerror=alert(1)>'],
];

before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eoscope-widget-'));
    cpSync(DIST, dir, { recursive: true });
    const widget = (id, extra = '') =>
        `<div data-eoscope="${SCENARIO}" id="${id}" data-controls="minimal" data-panels="logs,verdicts" ${extra}></div>`;
    writeFileSync(
        join(dir, 'three.html'),
        page(['w1', 'w2', 'w3'].map((id) => widget(id, 'data-autoplay="false"')).join('\n')),
    );
    writeFileSync(
        join(dir, 'one-bad.html'),
        page(
            widget('good1', 'data-autoplay="false"') +
                widget('bad', 'data-autoplay="false" data-step="abc"') +
                widget('good2', 'data-autoplay="false"'),
        ),
    );
    const bad = [
        ...BAD_MOMENTS.map((m) => ['data-moment', m]),
        ...BAD_ATTRS,
    ].map(
        ([a, v], i) =>
            `<div id="bad${i}" ${[
                // `src` replaces the scenario (both at once is refused with its own message).
                ['data-eoscope', a === 'data-src' ? '' : SCENARIO],
                ['data-autoplay', 'false'],
                ['data-controls', 'none'],
                ['data-panels', 'verdicts'],
            ]
                .filter(([k]) => k !== a)
                .map(([k, d]) => `${k}="${d}"`)
                .join(' ')} ${a}="${escapeAttr(v)}"></div>`,
    );
    writeFileSync(join(dir, 'bad.html'), page(bad.join('\n')));
    writeFileSync(
        join(dir, 'frame.html'),
        page(
            '<iframe id="f" sandbox="allow-scripts" title="eoscope" src="embed.html?scenario=txn-commit&amp;controls=minimal&amp;panels=logs,verdicts"></iframe>',
        ),
    );
    writeFileSync(join(dir, 'api.html'), page('<div id="api"></div><div id="api-bad"></div>'));
    // A tall spacer for the off-screen test, as a stylesheet (no inline style under the CSP).
    writeFileSync(join(dir, 'test.css'), '.spacer-test { height: 4000px; }');
    writeFileSync(
        join(dir, 'offscreen.html'),
        page(`${widget('near', 'data-autoplay="true"')}<div class="spacer-test"></div>${widget('far', 'data-autoplay="true"')}`).replace(
            '</head>',
            '<link rel="stylesheet" href="test.css"></head>',
        ),
    );
    server = await startServer(dir, { cors: true });
    browser = await launchBrowser();
});

after(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
});

test('embed.html and the example posts have no inline script, style or handler (CSP)', async () => {
    const { readFileSync } = await import('node:fs');
    for (const f of ['embed.html', 'blog-example.html', 'blog-example-ko.html']) {
        const html = readFileSync(join(DIST, f), 'utf8');
        const inline = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)].filter(
            ([, attrs, body]) => !/\bsrc=/i.test(attrs) || body.trim() !== '',
        );
        assert.deepEqual(inline.map(([t]) => t.slice(0, 80)), [], `inline <script> in ${f}`);
        assert.doesNotMatch(html, /<style\b/i, f);
        assert.doesNotMatch(html, /\sstyle\s*=/i, f);
        assert.doesNotMatch(html, /\son[a-z]+\s*=/i, f);
    }
    assert.match(readFileSync(join(DIST, 'embed.html'), 'utf8'), /<div id="eoscope-embed"><\/div>/);
    assert.doesNotMatch(readFileSync(join(DIST, 'boot.js'), 'utf8'), /__EOSCOPE_/, 'the build wrote the file names into boot.js');
});

const open = (path, opts = {}) => openPage(browser, server.url + path, { width: 700, height: 900, ...opts });
const stepOf = (p, id) => p.locator(`#${id}`).getAttribute('data-eoscope-step');

test('three widgets on one page run independently', async () => {
    const app = await open('three.html', { waitFor: '#w3 .eoscope .partition' });
    const { page: p } = app;
    for (const id of ['w1', 'w2', 'w3']) await p.waitForFunction((i) => document.getElementById(i)?.dataset.eoscopeStep === '0', id);
    await p.evaluate(() => {
        window.__steps = { w1: 0, w2: 0, w3: 0 };
        for (const id of ['w1', 'w2', 'w3'])
            document.getElementById(id).addEventListener('eoscope:step', () => window.__steps[id]++);
    });
    const stepW2 = p.locator('#w2').getByRole('button', { name: 'Step forward' });
    await stepW2.click();
    await stepW2.click();
    await p.waitForFunction(() => document.getElementById('w2').dataset.eoscopeStep === '2');
    await p.waitForTimeout(300);
    assert.equal(await stepOf(p, 'w1'), '0');
    assert.equal(await stepOf(p, 'w3'), '0');
    const steps = await p.evaluate(() => window.__steps);
    assert.deepEqual(steps, { w1: 0, w2: 2, w3: 0 }, 'eoscope:step events per widget');
    // Keys act only on the focused widget.
    await p.locator('#w3 .eoscope').focus();
    await p.keyboard.press('ArrowRight');
    await p.waitForFunction(() => document.getElementById('w3').dataset.eoscopeStep === '1');
    assert.equal(await stepOf(p, 'w1'), '0');
    assert.equal(await stepOf(p, 'w2'), '2');
    await app.close();
});

test('a widget off screen does not advance until it scrolls into view', async () => {
    const app = await open('offscreen.html', { height: 700, waitFor: '#near .eoscope .partition' });
    const { page: p } = app;
    await p.evaluate(() => {
        window.__far = 0;
        document.getElementById('far').addEventListener('eoscope:step', () => window.__far++);
    });
    // The visible one plays on its own (to its first story beat).
    await p.waitForFunction(() => Number(document.getElementById('near').dataset.eoscopeStep) > 0);
    await p.waitForTimeout(1500);
    // The far one is not even mounted: no scenario fetched, nothing simulated (boot.js starts a
    // widget when it comes within 400 px of the viewport).
    assert.equal(await stepOf(p, 'far'), null, 'the far widget has no step: it is not mounted');
    assert.equal(await p.locator('#far .eoscope').count(), 0);
    assert.equal(await p.evaluate(() => window.__far), 0, 'no eoscope:step from the far widget');
    await p.locator('#far').scrollIntoViewIfNeeded();
    await p.waitForFunction(() => Number(document.getElementById('far').dataset.eoscopeStep) > 0);
    assert.ok((await p.evaluate(() => window.__far)) > 0);
    // Scrolled away again while playing, it pauses.
    await p.evaluate(() => window.scrollTo(0, 0));
    await p.waitForTimeout(300);
    const parked = await stepOf(p, 'far');
    await p.waitForTimeout(800);
    assert.equal(await stepOf(p, 'far'), parked, 'the far widget paused when it left the view');
    await app.close();
});

test('a malformed data- attribute shows an inline error in that widget and the others keep working', async () => {
    const app = await open('one-bad.html', { waitFor: '#good2 .eoscope .partition' });
    const { page: p } = app;
    await p.locator('#bad .notice').getByText('data-step must be a whole number').waitFor();
    assert.equal(await p.locator('#good1 .notice').count(), 0);
    assert.equal(await p.locator('#good2 .notice').count(), 0);
    for (const id of ['good1', 'good2']) {
        await p.locator(`#${id}`).getByRole('button', { name: 'Step forward' }).click();
        await p.waitForFunction((i) => document.getElementById(i).dataset.eoscopeStep === '1', id);
    }
    await app.close();
});

test(`${BAD_MOMENTS.length + BAD_ATTRS.length} malformed data-moment values and attributes each give an inline message and no page error`, async () => {
    const n = BAD_MOMENTS.length + BAD_ATTRS.length;
    assert.ok(n >= 30);
    const app = await open('bad.html', { waitFor: '#bad0 .eoscope' });
    const { page: p } = app;
    for (let i = 0; i < n; i++) {
        await p.locator(`#bad${i}`).scrollIntoViewIfNeeded();
        const notice = p.locator(`#bad${i} .notice`);
        await notice.waitFor();
        const text = await notice.innerText();
        assert.match(text, /showing the default story/, `#bad${i}: ${text}`);
    }
    // Nothing in any value became markup.
    assert.equal(await p.locator('[id^=bad] img, [id^=bad] script, [id^=bad] b').count(), 0);
    // The JS API validates the same way.
    const err = await p.evaluate(() => window.eoscope.mount(document.createElement('div'), { step: 'x' }));
    assert.match(err, /bad options/);
    const err2 = await p.evaluate(() => window.eoscope.mount(document.createElement('div'), { bogus: 1 }));
    assert.match(err2, /unknown option `bogus`/);
    await app.close();
});

test('at least 12 malformed URL fragments on the app page each give an inline message and the default story', async () => {
    const frags = [...BAD_MOMENTS.slice(0, 11), 'm=1.' + Buffer.from('{"s":"x","t":1,"l":"en","a":"no"}').toString('base64url')];
    const app = await open('index.html', { waitFor: '#eoscope-app .partition' });
    const { page: p } = app;
    for (const f of frags) {
        await p.goto('about:blank');
        await p.goto(`${server.url}index.html#${f}`);
        const notice = p.locator('#eoscope-app .notice');
        await notice.waitFor();
        assert.match(await notice.innerText(), /showing the default story/, f);
        await p.locator('#eoscope-app .narration').getByText('A lost ack and a retry write a duplicate').waitFor();
    }
    await app.close();
});

test('a shared moment restores the same step, actions and language; the JS API mounts a widget', async () => {
    const app = await open('index.html', { waitFor: '#eoscope-app .partition' });
    const { page: p } = app;
    const step = p.getByRole('button', { name: 'Step forward' });
    for (let i = 0; i < 6; i++) await step.click();
    await p.getByRole('button', { name: 'Language: switch to Korean' }).click();
    // The switch turns the app's own labels Korean too.
    await p.getByRole('button', { name: '이 순간의 링크 복사' }).click();
    const link = await p.locator('input.share-text').inputValue();
    assert.match(link, /index\.html#m=1\.[A-Za-z0-9_-]+$/);
    await p.getByRole('button', { name: '임베드 코드 복사' }).click();
    const embed = await p.locator('textarea.share-text').inputValue();
    assert.match(
        embed,
        /^<script type="module" src="\/boot\.js"><\/script>\n<eoscope-widget scenario="lost-ack-no-idempotence" moment="m=1\.[A-Za-z0-9_-]+" panels="[a-z,]+" controls="minimal" autoplay="false"><\/eoscope-widget>$/,
    );
    await p.goto('about:blank');
    await p.goto(link);
    // The moment is in Korean, so is the clock.
    await p.locator('#eoscope-app .step-no').getByText('스텝 6', { exact: true }).waitFor();
    await p.locator('#eoscope-app .narration[lang=ko]').waitFor();
    assert.equal(await p.locator('#eoscope-app .notice').count(), 0);

    // A second moment opened in the same document (hashchange) is restored, and so is one whose
    // `=` was percent-escaped on the way.
    await p.locator('#eoscope-app').getByRole('button', { name: '한 스텝 앞으로' }).click();
    await p.locator('#eoscope-app').getByRole('button', { name: '이 순간의 링크 복사' }).click();
    const link7 = await p.locator('input.share-text').inputValue();
    await p.evaluate((h) => (location.hash = h), link7.split('#')[1]);
    await p.locator('#eoscope-app .step-no').getByText('스텝 7', { exact: true }).waitFor();
    await p.evaluate((h) => (location.hash = h.replace('m=', 'm%3D')), link.split('#')[1]);
    await p.locator('#eoscope-app .step-no').getByText('스텝 6', { exact: true }).waitFor();
    assert.equal(await p.locator('#eoscope-app .notice').count(), 0);

    // eoscope.mount with options, and its events.
    await p.goto(server.url + 'api.html');
    await p.waitForFunction(() => window.eoscope);
    const r = await p.evaluate(() => {
        const el = document.getElementById('api');
        window.__verdicts = [];
        el.addEventListener('eoscope:verdict', (e) => window.__verdicts.push(e.detail));
        return window.eoscope.mount(el, { scenario: 'txn-commit', step: 12, lang: 'en', controls: 'minimal', panels: 'logs,verdicts', autoplay: false });
    });
    assert.equal(r, undefined);
    await p.locator('#api .partition').first().waitFor();
    await p
        .waitForFunction(() => document.getElementById('api').dataset.eoscopeStep === '12', null, { timeout: 5000 })
        .catch(async (e) => {
            throw new Error(`api widget at step ${await stepOf(p, 'api')}: ${e.message}`);
        });
    const verdicts = await p.evaluate(() => window.__verdicts);
    assert.ok(verdicts.some((v) => v.property === 'no_duplicate_in_log' && v.verdict === 'pass'), JSON.stringify(verdicts));
    await app.close();
});

test('the iframe (sandbox="allow-scripts") runs under the CSP and auto-sizes to its content', async () => {
    const app = await open('frame.html', { waitFor: '#f' });
    const { page: p } = app;
    const frame = p.frameLocator('#f');
    await frame.locator('.eoscope .partition').first().waitFor();
    await p.waitForFunction(() => Number(document.getElementById('f').dataset.eoscopeHeight) > 200);
    const { attr, box } = await p.evaluate(() => {
        const f = document.getElementById('f');
        return { attr: Number(f.dataset.eoscopeHeight), box: f.getBoundingClientRect().height };
    });
    assert.ok(Math.abs(attr - box) <= 2, `iframe height ${box} follows the posted ${attr}`);
    // The frame's content fits: the iframe is as tall as what the embed page reported.
    const inner = await frame.locator('#eoscope-embed').evaluate((e) => Math.ceil(e.getBoundingClientRect().height));
    assert.ok(Math.abs(inner - attr) <= 2, `content ${inner} vs iframe ${attr}`);
    await app.close();
});

for (const [lang, file] of [
    ['en', 'blog-example.html'],
    ['ko', 'blog-example-ko.html'],
]) {
    test(`the example blog post (${lang}) serves the CSP, runs its widgets and iframe cleanly, screenshots at 700 and 380 px`, async () => {
        const res = await fetch(server.url + file);
        assert.equal(res.headers.get('content-security-policy'), CSP);
        for (const width of [700, 380]) {
            const app = await open(file, { width, height: 900, waitFor: '.widget .eoscope .partition' });
            const { page: p } = app;
            assert.equal(await p.locator('.widget').count(), 5);
            // Lazy: at load, only the widgets near the viewport are mounted, and every one of
            // them (controls="minimal", read-only panels) runs the reader's build, not the full app.
            const mounted = await p.locator('.widget .eoscope').count();
            assert.ok(mounted >= 1 && mounted < 5, `${mounted} of 5 widgets mounted at load`);
            const fetched = await p.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
            assert.ok(fetched.some((u) => /eoscope-reader-[0-9a-f]+_bg\.wasm$/.test(u)), 'the reader build was loaded');
            assert.ok(!fetched.some((u) => /eoscope-[0-9a-f]+_bg\.wasm$/.test(u)), 'the full build was not');
            const first = p.locator('.widget').first().locator('.narration');
            assert.equal(await first.getAttribute('lang'), lang);
            if (lang === 'ko') {
                assert.match(await first.innerText(), /[\uac00-\ud7a3]/, 'Korean narration');
            }
            // The widget's own controls speak the page's language (and English stays as it was).
            const w = p.locator('.widget').first();
            const play = await w.locator('button.play').innerText();
            const heading = await w.locator('.panel-verdicts > h2').evaluate((e) => e.textContent);
            if (lang === 'ko') {
                assert.match(play, /^(▶ 재생|❚❚ 일시정지)$/, `Korean play button: ${play}`);
                assert.equal(await w.getByRole('button', { name: '한 스텝 앞으로' }).count(), 1);
                assert.equal(heading, '판정');
                assert.equal(await w.getByRole('button', { name: 'Step forward' }).count(), 0);
                // The drawing's own words and the verdicts' sentences too.
                assert.match(await w.locator('.partition-head').first().innerText(), /리더 broker-0/);
                // (the summaries are in the DOM; a narrow widget hides them)
                assert.match(await w.locator('.panel-verdicts').evaluate((e) => e.textContent), /각 레코드는 로그에 많아야 한 번 있다/);
                assert.doesNotMatch(await w.evaluate((e) => e.textContent), /\bleader\b|\bposition\b|at most once/);
            } else {
                assert.match(play, /^(▶ Play|❚❚ Pause)$/, `English play button: ${play}`);
                assert.equal(await w.getByRole('button', { name: 'Step forward' }).count(), 1);
                assert.equal(heading, 'Verdicts');
            }
            // Scroll through the post so every widget and the iframe load and play.
            for (let i = 0; i < 5; i++) {
                await p.locator('.widget').nth(i).scrollIntoViewIfNeeded();
                await p.locator('.widget').nth(i).locator('.eoscope .narration').first().waitFor();
            }
            await p.locator('.eoscope-frame').scrollIntoViewIfNeeded();
            await p.waitForFunction(() => Number(document.querySelector('.eoscope-frame')?.dataset.eoscopeHeight) > 200);
            await p.evaluate(() => window.scrollTo(0, 0));
            await p.waitForTimeout(300);
            await app.screenshot(`blog-${lang}-${width}`);
            // Chromium's full-page capture leaves a sandboxed (out-of-process) iframe blank, so
            // the iframe gets a viewport screenshot of its own.
            await p.locator('.eoscope-frame').scrollIntoViewIfNeeded();
            await p.frameLocator('.eoscope-frame').locator('.partition').first().waitFor();
            await p.waitForTimeout(300);
            mkdirSync(SCREENSHOTS, { recursive: true });
            await p.screenshot({ path: join(SCREENSHOTS, `blog-${lang}-${width}-iframe.png`) });
            await app.close();
        }
    });
}

test("the picker's titles (src/ui/scenarios.rs, so the picker needs no fetch) match the scenario files", async () => {
    const { readFileSync } = await import('node:fs');
    const app = await open('index.html', { waitFor: '#eoscope-app .partition' });
    const { page: p } = app;
    const shown = await p.locator('#eoscope-app select[aria-label=Scenario] option').allInnerTexts();
    assert.ok(shown.length >= 19);
    for (const [i, title] of shown.entries()) {
        const value = await p.locator('#eoscope-app select[aria-label=Scenario] option').nth(i).getAttribute('value');
        assert.equal(value, String(i));
        assert.ok(title.length > 0);
    }
    // Each title equals the file's, in English; the Korean ones after switching.
    const files = shown.map((t) => t);
    const dir = join(DIST, 'scenarios');
    const { readdirSync } = await import('node:fs');
    const titles = new Map(
        readdirSync(dir).map((f) => {
            const j = JSON.parse(readFileSync(join(dir, f), 'utf8'));
            return [j.title.en, j.title.ko];
        }),
    );
    for (const t of files) assert.ok(titles.has(t), `"${t}" is no scenario file's English title`);
    await p.getByRole('button', { name: 'Language: switch to Korean' }).click();
    // The picker's own label is Korean now too.
    const ko = await p.locator('#eoscope-app select[aria-label=시나리오] option').allInnerTexts();
    for (const [i, t] of ko.entries()) assert.equal(t, titles.get(files[i]) ?? files[i], `Korean title of ${files[i]}`);
    // Picking a fetched scenario loads it.
    await p.locator('#eoscope-app select[aria-label=시나리오]').selectOption({ index: 7 });
    await p.locator('#eoscope-app .story-title').getByText(titles.get(files[7])).waitFor();
    await app.close();
});
