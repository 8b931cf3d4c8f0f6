// The monkey: thousands of seeded random clicks, key presses, setting changes and scenario-file
// edits across the whole UI, in the real browser under the strict CSP. It fails on any page
// error (a wasm panic is one) or console error, and prints the seed to replay it:
//
//   EOSCOPE_MONKEY_SEED=1234 EOSCOPE_MONKEY_ACTIONS=5000 node --test tests/e2e/monkey.test.mjs
//
// The actions run inside the page (DOM events, as a person's clicks produce them), so thousands
// take seconds, not minutes. The run stops early after ~45 s on a slow machine.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from './harness.mjs';

const SEED = Number(process.env.EOSCOPE_MONKEY_SEED ?? 20261125);
const ACTIONS = Number(process.env.EOSCOPE_MONKEY_ACTIONS ?? 3000);
const TIME_LIMIT_MS = Number(process.env.EOSCOPE_MONKEY_MS ?? 45_000);

let h;
before(async () => {
    h = await startHarness();
});
after(() => h?.close());

/** Runs in the page: `n` random actions from `seed`; returns a tally of what it did. */
async function monkey({ seed, n, limitMs }) {
    // mulberry32: a small seeded PRNG, so a failing run can be replayed.
    let s = seed >>> 0;
    const rand = () => {
        s = (s + 0x6d2b79f5) >>> 0;
        let t = s;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = (xs) => xs[Math.floor(rand() * xs.length)];
    const root = document.querySelector('#eoscope-app .eoscope');
    const all = (sel) => [...root.querySelectorAll(sel)];
    const texts = ['', '0', '1', '5', '-1', '1000', '30000', 'all', 'abc', '99999999999999999999', '2147483648', 'read_committed', ' 7 '];
    const keys = [' ', 'ArrowLeft', 'ArrowRight', 'Enter', 'Escape', 'Tab', 'a'];
    const tally = {};
    const count = (k) => (tally[k] = (tally[k] ?? 0) + 1);
    const started = performance.now();
    const fire = (el, type, init = {}) => el.dispatchEvent(new (type.startsWith('key') ? KeyboardEvent : type === 'click' || type.startsWith('mouse') ? MouseEvent : Event)(type, { bubbles: true, cancelable: true, ...init }));
    let done = 0;
    for (let i = 0; i < n; i++) {
        if (performance.now() - started > limitMs) break;
        const r = rand();
        if (r < 0.03) {
            // A search: open "Find a failure" if it is hidden, then start (or cancel) one with
            // random bounds; the next actions run while it searches.
            const panel = root.querySelector('.panel-search');
            if (!panel) {
                const toggle = all('.toggles button').find((b) => b.textContent.includes('Find a failure') || b.textContent.includes('실패 찾기'));
                if (toggle) fire(toggle, 'click');
                count('search-open');
            } else {
                for (const sel of panel.querySelectorAll('select:not([disabled])')) {
                    sel.selectedIndex = Math.floor(rand() * sel.options.length);
                    fire(sel, 'change');
                }
                const go = [...panel.querySelectorAll('button:not([disabled])')].find((b) => /^(Start|Cancel|시작|취소)$/.test(b.textContent.trim()));
                if (go) fire(go, 'click');
                count(go && /Cancel|취소/.test(go.textContent) ? 'search-cancel' : 'search');
            }
        } else if (r < 0.34) {
            const b = pick(all('button:not([disabled])'));
            if (b) {
                fire(b, 'click');
                count('button');
            }
        } else if (r < 0.44) {
            const el = pick(all('.msg, .cell'));
            if (el) {
                fire(el, pick(['click', 'mouseenter', 'focus']));
                count('svg');
            }
        } else if (r < 0.6) {
            const sel = pick(all('select'));
            if (sel && sel.options.length > 0) {
                sel.selectedIndex = Math.floor(rand() * sel.options.length);
                fire(sel, 'change');
                count('select');
            }
        } else if (r < 0.7) {
            const inp = pick(all('input[type=text]'));
            if (inp) {
                inp.value = pick(texts);
                fire(inp, 'input');
                fire(inp, 'change');
                count('text');
            }
        } else if (r < 0.78) {
            const inp = pick(all('input[type=range], input[type=checkbox]'));
            if (inp && inp.type === 'range') {
                const min = Number(inp.min || 0);
                const max = Number(inp.max || 100);
                inp.value = String(Math.floor(min + rand() * (max - min + 1)));
                fire(inp, 'input');
                count('range');
            } else if (inp) {
                fire(inp, 'click');
                count('checkbox');
            }
        } else if (r < 0.92) {
            const target = pick([root, ...all('[tabindex], button, select, input')]);
            if (target) {
                fire(target, 'keydown', { key: pick(keys) });
                count('key');
            }
        } else {
            // Open the scenario file, mangle it a little, and load it.
            const ta = root.querySelector('textarea');
            if (!ta) {
                const open = all('button').find((b) => b.textContent.includes('scenario file') || b.textContent.includes('시나리오 파일 편집'));
                if (open) fire(open, 'click');
                count('json-open');
            } else {
                const v = ta.value;
                const at = Math.floor(rand() * (v.length + 1));
                const cut = Math.floor(rand() * 12);
                ta.value = rand() < 0.5 ? v.slice(0, at) + v.slice(at + cut) : v.slice(0, at) + pick(['1', '"', '}', 'x', '-', '99999', ',', '[]', 'null']) + v.slice(at);
                fire(ta, 'input');
                const load = all('button').find((b) => b.textContent.includes('Load this scenario') || b.textContent.includes('이 시나리오 불러오기'));
                if (load) fire(load, 'click');
                count('json-load');
            }
        }
        done++;
        // Let Yew render; now and then let a frame pass too (playback advances on frames).
        await new Promise((ok) => setTimeout(ok, 0));
        if (i % 40 === 0) await new Promise((ok) => requestAnimationFrame(() => ok()));
    }
    return { done, tally, ms: Math.round(performance.now() - started) };
}

test(`monkey: ${ACTIONS} random actions (seed ${SEED}) cause no page error`, async () => {
    console.log(`# monkey seed ${SEED} (replay: EOSCOPE_MONKEY_SEED=${SEED} node --test tests/e2e/monkey.test.mjs)`);
    const app = await h.open({ width: 1000, height: 900, waitFor: '#eoscope-app .eoscope .playback' });
    const { page } = app;
    let result;
    try {
        result = await page.evaluate(monkey, { seed: SEED, n: ACTIONS, limitMs: TIME_LIMIT_MS });
    } catch (e) {
        app.problems.push(`the monkey stopped: ${e.message}`);
    }
    console.log(`# monkey: ${JSON.stringify(result)}`);
    console.log(`# monkey: ${app.problems.length} page problem(s); instance stopped: ${await page.locator('.eoscope-failed').count() > 0}`);
    // Still alive: a step changes the clock (or the run is at its end).
    if (app.problems.length === 0) {
        // The monkey may have switched the app to Korean: back to English for the names below.
        const english = page.getByRole('button', { name: '언어: 영어로 전환' });
        if ((await english.count()) > 0) await english.click();
        await page.getByRole('button', { name: 'Back to the start' }).click();
        await page.getByText('step 0').first().waitFor();
        await page.getByRole('button', { name: 'Step forward' }).click();
        await page.locator('.step-no').getByText('step 1').waitFor();
    }
    if (app.problems.length > 0) console.log(`# monkey seed ${SEED} failed`);
    assert.ok(result === undefined || result.done > 0);
    // The searches ran (the monkey's run is long enough to start some).
    if (result && result.done >= 300) assert.ok((result.tally.search ?? 0) > 0, JSON.stringify(result.tally));
    await app.close();
});
