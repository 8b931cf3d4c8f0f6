// Starts eoscope on a page: the app's own pages (index.html, embed.html) and any host page with
// `<script type="module" src="…/boot.js">` and `<eoscope-widget scenario=…>` or
// `<div data-eoscope=…>` elements. README "Embedding" describes it; in short:
// - Two builds of one crate (Trunk.toml's hook writes their hashed names below): the full app, and
//   the reader's widget (no editor, settings, search, side by side, export or share dialogs). A
//   widget loads the reader's build unless it asks for what only the full app has; each build is
//   fetched at most once and shared by every widget of the page that uses it.
// - Lazy: a widget fetches nothing and simulates nothing until it comes within NEAR of the
//   viewport. Until it mounts (or if it can't), the element's own content stays on screen.
// - Failures stay visible: a build that cannot load, or an instance that traps, puts a plain
//   message in place of each widget it serves, never a silently frozen picture.
// - `window.eoscope`: mount(element, options), mountAll(), unmount(element); arguments are checked
//   here, before anything reaches the wasm.
const here = new URL(import.meta.url);
const BUILDS = {
    full: { js: '__EOSCOPE_JS__', wasm: '__EOSCOPE_WASM__' },
    reader: { js: '__EOSCOPE_READER_JS__', wasm: '__EOSCOPE_READER_WASM__' },
};
const NEAR = '400px 0px';
// The options a widget takes, as attributes of <eoscope-widget> (or data-… on a div, where
// `scenario` is data-eoscope itself). src/embed_options.rs ATTRS is the same list.
const ATTRS = ['scenario', 'step', 'lang', 'panels', 'controls', 'height', 'seed', 'moment', 'autoplay', 'knobs', 'src'];
const FULL_PANELS = new Set(['settings', 'search', 'compare']);

// The stylesheet, unless the page links it: the reader's (without the full app's panels) where
// every widget is a reader's, the full one as soon as anything needs the full app.
const CSS = { full: '__EOSCOPE_CSS__', reader: '__EOSCOPE_READER_CSS__' };
const pageHasCss = !!document.querySelector('script[data-eoscope-page], link[data-eoscope-css]');
const sheets = new Set();
const addCss = (build) => {
    if (pageHasCss || sheets.has(CSS.full) || sheets.has(CSS[build])) return;
    sheets.add(CSS[build]);
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = new URL(CSS[build], here).href;
    link.dataset.eoscopeCss = '';
    document.head.append(link);
};

// Which build an element needs: the full app for `controls="full"` (the default) or a panel only
// it has.
const wantsFull = (controls, panels) =>
    (controls ?? 'full').trim() === 'full' ||
    String(panels ?? '')
        .split(',')
        .some((p) => FULL_PANELS.has(p.trim()));
const attr = (el, name) =>
    el.localName === 'eoscope-widget' ? el.getAttribute(name) : el.getAttribute(name === 'scenario' ? 'data-eoscope' : `data-${name}`);
const buildFor = (el) => (el.id === 'eoscope-app' || wantsFull(attr(el, 'controls'), attr(el, 'panels')) ? 'full' : 'reader');
addCss([...document.querySelectorAll('eoscope-widget, [data-eoscope]')].some((el) => buildFor(el) === 'full') ? 'full' : 'reader');

// --- Loading a build, once --------------------------------------------------------------------
const loading = {};
const served = { full: new Set(), reader: new Set() };
let dead = null;
const load = (build) =>
    (loading[build] ??= (async () => {
        addCss(build);
        const { js, wasm } = BUILDS[build];
        const mod = await import(new URL(js, here).href);
        await mod.default({ module_or_path: new URL(wasm, here).href });
        return mod;
    })());

// A plain message in place of a widget (text only: no markup from anywhere reaches the page).
const showMessage = (el, text) => {
    const p = document.createElement('p');
    p.className = 'eoscope-failed';
    p.setAttribute('role', 'alert');
    p.textContent = text;
    el.replaceChildren(p);
};
const loadFailed = (el, e) => {
    const framed = window.parent !== window;
    showMessage(
        el,
        `eoscope could not load (${e && e.message ? e.message : e}).` +
            (framed
                ? ' In a sandboxed iframe its files are fetched cross-origin: the host must send Access-Control-Allow-Origin for them (README "Embedding").'
                : ' Check that boot.js and the files next to it are served (README "Embedding").'),
    );
};

// --- The watchdog: an instance that traps stops every widget it serves, visibly ---------------
const stopped = () => {
    if (dead) return;
    dead = 'eoscope stopped: reload the page.';
    for (const set of Object.values(served)) set.forEach((el) => el.isConnected && showMessage(el, dead));
};
const isTrap = (e) => e instanceof WebAssembly.RuntimeError;
window.addEventListener('error', (e) => isTrap(e.error) && stopped());
window.addEventListener('unhandledrejection', (e) => isTrap(e.reason) && stopped());
// Calls into an instance; a trap there is the watchdog's.
const guarded = (f) => {
    if (dead) throw new Error(dead);
    try {
        return f();
    } catch (e) {
        if (isTrap(e)) stopped();
        throw e;
    }
};

// --- Visibility: widgets play while on screen (eoscope:visible) --------------------------------
const visible = new WeakMap();
const watched = new Set();
const tell = (el) =>
    el.dispatchEvent(new CustomEvent('eoscope:visible', { detail: !document.hidden && visible.get(el) === true }));
const onScreen = new IntersectionObserver((entries) => {
    for (const e of entries) {
        const was = visible.get(e.target);
        visible.set(e.target, e.isIntersecting);
        if (was !== e.isIntersecting) tell(e.target);
    }
});
document.addEventListener('visibilitychange', () => watched.forEach(tell));
const watch = (el) => {
    if (watched.has(el)) return;
    watched.add(el);
    onScreen.observe(el);
};
const unwatch = (el) => {
    watched.delete(el);
    onScreen.unobserve(el);
};

// --- Mounting -------------------------------------------------------------------------------
const owner = new WeakMap();
// What an element held before it mounted (the author's fallback content, a scenario file in a
// <script type="application/json">): put back when it unmounts, so a remount reads it again.
const content = new WeakMap();
// `lazy`: a widget of the page, which may have left it (or been mounted) while its build loaded.
const mountWith = async (el, build, call, lazy = true) => {
    let mod;
    try {
        mod = await load(build);
    } catch (e) {
        loadFailed(el, e);
        return;
    }
    if (lazy && (!el.isConnected || owner.has(el))) return;
    if (!content.has(el)) content.set(el, [...el.childNodes].map((n) => n.cloneNode(true)));
    owner.set(el, mod);
    served[build].add(el);
    // The reserved height goes once the widget has drawn its run (its first eoscope:step).
    if (reserved.delete(el)) el.addEventListener('eoscope:step', () => el.style.removeProperty('min-height'), { once: true });
    guarded(() => call(mod));
    watch(el);
};
const mountElement = (el) => mountWith(el, buildFor(el), (mod) => mod.mountElement(el));

// Widgets start when they come near the viewport.
const near = new IntersectionObserver(
    (entries) => {
        for (const e of entries) {
            if (e.isIntersecting) {
                near.unobserve(e.target);
                mountElement(e.target);
            }
        }
    },
    { rootMargin: NEAR },
);
const reserved = new WeakSet();
const later = (el) => {
    if (el === document.body || el === document.documentElement) {
        console.error('eoscope: a widget cannot be <body> or <html> (it would replace the page); put it in an element of its own');
        return;
    }
    if (owner.has(el)) return;
    // Until it mounts, an empty widget holds about a widget's height, so the ones further down
    // are really off screen (and the page doesn't jump as much when it mounts).
    if (getComputedStyle(el).display === 'inline') el.style.setProperty('display', 'block');
    if (el.getBoundingClientRect().height < 40) {
        el.style.setProperty('min-height', '320px');
        reserved.add(el);
    }
    near.observe(el);
};
const unmount = (el) => {
    near.unobserve(el);
    const mod = owner.get(el);
    if (!mod) return false;
    owner.delete(el);
    served.full.delete(el);
    served.reader.delete(el);
    unwatch(el);
    const was = guarded(() => mod.unmount(el));
    el.replaceChildren(...(content.get(el) ?? []).map((n) => n.cloneNode(true)));
    return was;
};

// `<eoscope-widget>`: attributes as options; the content inside is shown until the app mounts
// (and stays if it can't); changed attributes remount it; removed from the page, it stops.
class EoscopeWidget extends HTMLElement {
    static observedAttributes = ATTRS;
    connectedCallback() {
        later(this);
    }
    disconnectedCallback() {
        unmount(this);
    }
    attributeChangedCallback() {
        if (owner.has(this)) {
            unmount(this);
            mountElement(this);
        }
    }
}
if (!customElements.get('eoscope-widget')) customElements.define('eoscope-widget', EoscopeWidget);

// --- eoscope.mount's arguments, checked before the wasm sees them ------------------------------
const options = (o) => {
    if (o === undefined || o === null) return {};
    const proto = typeof o === 'object' ? Object.getPrototypeOf(o) : undefined;
    if (proto !== Object.prototype && proto !== null) {
        throw new TypeError('eoscope.mount: the options must be a plain object, like {scenario: "txn-commit"}');
    }
    const out = {};
    for (const key of Object.keys(o)) {
        const v = o[key];
        const ok = typeof v === 'string' ? v.length <= 10000 : typeof v === 'number' ? Number.isFinite(v) : typeof v === 'boolean';
        if (!ok) {
            throw new TypeError(`eoscope.mount: option \`${key.slice(0, 40)}\` must be a string, a finite number or a boolean`);
        }
        out[key] = v;
    }
    return out;
};
const host = (el) => {
    if (!(el instanceof Element)) throw new TypeError('eoscope.mount: the first argument must be an element of the page');
    if (el === document.body || el === document.documentElement || el === document.head) {
        throw new TypeError('eoscope.mount: the element cannot be <html>, <head> or <body> (it would replace the page)');
    }
    return el;
};

window.eoscope = Object.freeze({
    // Mounts now (not lazily); resolves to the validation message the widget shows, or undefined.
    async mount(element, opts) {
        const el = host(element);
        const o = options(opts);
        let err;
        near.unobserve(el);
        const build = wantsFull(o.controls, o.panels) ? 'full' : 'reader';
        await mountWith(el, build, (mod) => (err = mod.mount(el, o)), false);
        return err;
    },
    // Picks up widgets added to the page since (they start when near the viewport).
    mountAll() {
        document.querySelectorAll('[data-eoscope]:not([data-eoscope-mounted])').forEach(later);
    },
    unmount(element) {
        return unmount(host(element));
    },
});

// The app's own page and the iframe page mount at once; widgets when they come near.
const app = document.getElementById('eoscope-app');
if (app) {
    mountWith(app, 'full', (mod) => mod.mountApp(app));
    // Another shared moment opened in the same document (a second `#m=` link): the app restores it.
    window.addEventListener('hashchange', () => {
        if (!owner.has(app)) return;
        unmount(app);
        mountWith(app, 'full', (mod) => mod.mountApp(app));
    });
}
const embed = document.getElementById('eoscope-embed');
if (embed) {
    const q = new URLSearchParams(location.search);
    // A story's own page (stories/ID.html) has no query: its options are the element's data-.
    const opt = (k) => (location.search ? q.get(k) : embed.getAttribute(`data-${k}`));
    mountWith(embed, wantsFull(opt('controls'), opt('panels')) ? 'full' : 'reader', (mod) => mod.mountEmbed(embed));
    if (window.parent !== window) {
        let last = -1;
        const post = () => {
            const height = Math.ceil(embed.getBoundingClientRect().height);
            if (height !== last) {
                last = height;
                window.parent.postMessage({ eoscope: 'height', height }, '*');
            }
        };
        new ResizeObserver(post).observe(embed);
        post();
    }
}
window.eoscope.mountAll();
document.dispatchEvent(new CustomEvent('eoscope:ready'));
