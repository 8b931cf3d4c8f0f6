// The end-to-end harness: a static server for the release build (dist/) that sends a strict CSP
// on every response, headless Chromium through playwright-core, and a collector that turns every
// page error, console error, failed request, HTTP error and CSP violation into a test failure.
//
// A test file (tests/e2e/*.test.mjs, run by `node --test tests/e2e/`) looks like:
//
//   import { test, before, after } from 'node:test';
//   import { startHarness } from './harness.mjs';
//   let h;
//   before(async () => { h = await startHarness(); });
//   after(() => h.close());
//   test('something', async () => {
//     const app = await h.open({ width: 700 });       // fresh browser context, app loaded
//     await app.page.getByRole('button', { name: 'Append a batch' }).click();
//     await app.page.getByText('log end offset 1').waitFor();
//     await app.screenshot('something-700');          // target/screenshots/something-700.png
//     await app.close();                              // fails if anything went wrong on the page
//   });

import { createServer } from 'node:http';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const DIST = resolve(process.env.EOSCOPE_DIST ?? join(ROOT, 'dist'));
export const SCREENSHOTS = join(ROOT, 'target', 'screenshots');

/** The policy the release build must run under: what a strict host (or a blog) would send. */
export const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'";
/**
 * The app's own page (dist/index.html) also allows `blob:` images: "Download picture (PNG)" draws
 * the exported SVG through an <img src="blob:…">, which `img-src` falling back to `default-src
 * 'self'` refuses. Widgets and blog pages keep the strict policy (their PNG export says why it
 * cannot work; the SVG does).
 */
export const APP_CSP = `${CSP}; img-src 'self' blob:`;

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
];

const TYPES = {
    '.html': 'text/html; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.mjs': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.wasm': 'application/wasm',
    '.json': 'application/json',
    '.svg': 'image/svg+xml',
    '.png': 'image/png',
    '.ico': 'image/x-icon',
    '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves `dir` on 127.0.0.1 (a free port) with `csp` on every response, `application/wasm` for
 * .wasm, and index.html for directories. `cors: true` adds `Access-Control-Allow-Origin: *` to the
 * .js, .wasm, .css and .json responses only: what a host must send for embed.html in `<iframe
 * sandbox="allow-scripts">`, whose opaque origin makes the module, wasm, scenario-file and (integrity-checked)
 * stylesheet fetches cross-origin.
 * Resolves to { url, close() }.
 */
export async function startServer(dir = DIST, { csp = CSP, appCsp = csp === CSP ? APP_CSP : csp, cors = false } = {}) {
    const root = resolve(dir);
    try {
        statSync(join(root, 'index.html'));
    } catch {
        throw new Error(`no ${join(root, 'index.html')}: run \`trunk build --release\` first`);
    }
    const server = createServer((req, res) => {
        res.setHeader('Content-Security-Policy', csp);
        res.setHeader('X-Content-Type-Options', 'nosniff');
        res.setHeader('Cache-Control', 'no-store');
        const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
        let file = normalize(join(root, path));
        if (file !== root && !file.startsWith(root + sep)) {
            res.writeHead(403).end('forbidden');
            return;
        }
        try {
            if (statSync(file).isDirectory()) file = join(file, 'index.html');
            if (file === join(root, 'index.html')) res.setHeader('Content-Security-Policy', appCsp);
            const body = readFileSync(file);
            if (cors && ['.js', '.wasm', '.css', '.json'].includes(extname(file))) {
                res.setHeader('Access-Control-Allow-Origin', '*');
            }
            res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
            res.end(req.method === 'HEAD' ? undefined : body);
        } catch {
            res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
        }
    });
    await new Promise((ok, fail) => {
        server.once('error', fail);
        server.listen(0, '127.0.0.1', ok);
    });
    const { port } = server.address();
    return {
        url: `http://127.0.0.1:${port}/`,
        close: () => new Promise((ok) => server.close(ok)),
    };
}

/** Headless Chromium (Debian's, never a downloaded one) with the flags this machine needs. */
export function launchBrowser() {
    return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/**
 * Opens `url` in a fresh context and records every problem the page has: uncaught errors,
 * console errors, CSP violations, failed requests and HTTP errors. Resolves to
 * { page, problems, screenshot(name), close() }; close() throws if `problems` is not empty.
 */
export async function openPage(browser, url, { width = 700, height = 600, waitFor = null } = {}) {
    const context = await browser.newContext({ viewport: { width, height } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const problems = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
    page.on('response', (r) => {
        if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    // Init scripts are injected by the browser, so the page's CSP doesn't block this listener.
    await page.exposeBinding('__eoscopeCspViolation', (_src, v) => problems.push(`CSP violation: ${v}`));
    await page.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (e) => {
            window.__eoscopeCspViolation(
                `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`,
            );
        });
    });
    await page.goto(url);
    if (waitFor) await page.locator(waitFor).first().waitFor();
    return {
        page,
        problems,
        async screenshot(name) {
            mkdirSync(SCREENSHOTS, { recursive: true });
            const path = join(SCREENSHOTS, `${name}.png`);
            await page.screenshot({ path, fullPage: true });
            return path;
        },
        async close() {
            // Let late events (a violation report, a console error after the last click) arrive.
            await page.waitForTimeout(100);
            await context.close();
            if (problems.length > 0) {
                throw new Error(`the page had ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
            }
        },
    };
}

/**
 * One server for dist/ and one browser for a test file. open() loads the app and waits until it
 * has rendered.
 */
export async function startHarness({ dir = DIST, csp = CSP, appCsp } = {}) {
    const server = await startServer(dir, appCsp === undefined ? { csp } : { csp, appCsp });
    let browser;
    try {
        browser = await launchBrowser();
    } catch (e) {
        await server.close();
        throw e;
    }
    return {
        url: server.url,
        browser,
        open: (opts = {}) =>
            openPage(browser, server.url + (opts.path ?? ''), { waitFor: '#eoscope-app main', ...opts }),
        async close() {
            await browser.close();
            await server.close();
        },
    };
}

/** The largest scenario the validator accepts (src/sim/limits.rs), for the memory and perf tests:
 * both caps exactly, 8,000 batches of 20 and 24,000 of 10 records, read and sunk idempotently. */
export const LARGEST = JSON.stringify({
    format: 'eoscope/scenario@1',
    title: { en: 'the largest scenario' },
    version: '3.9',
    producers: [{ script: [{ send: { records: 20, batches: 8000 } }, { send: { records: 10, batches: 24000 } }] }],
    consumers: [{ config: { 'enable.auto.commit': false }, commit: 'after_processing', sink: { idempotent: true } }],
});
