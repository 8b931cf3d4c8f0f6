// Starts eoscope on a page: the app's own pages (index.html, embed.html, given the hashed file
// names by Trunk.toml's pattern_script) or a host page with `<script type="module" src="…/boot.js">`
// and `<div data-eoscope=…>` elements (the names are written in at build time by Trunk.toml's hook).
// README "Embedding" describes what it does: eoscope.mount, eoscope:visible, the iframe's height.
const here = new URL(import.meta.url);
const tag = document.querySelector('script[data-eoscope-js]');
const jsUrl = tag ? tag.dataset.eoscopeJs : new URL('__EOSCOPE_JS__', here).href;
const wasmUrl = tag ? tag.dataset.eoscopeWasm : new URL('__EOSCOPE_WASM__', here).href;
if (!tag && !document.querySelector('link[data-eoscope-css]')) {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = new URL('__EOSCOPE_CSS__', here).href;
    link.dataset.eoscopeCss = '';
    document.head.append(link);
}

const visible = new WeakMap();
const watched = new Set();
const tell = (el) =>
    el.dispatchEvent(new CustomEvent('eoscope:visible', { detail: !document.hidden && visible.get(el) === true }));
const observer = new IntersectionObserver((entries) => {
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
    observer.observe(el);
};
const watchAll = () => document.querySelectorAll('[data-eoscope-mounted].eoscope-widget').forEach(watch);

const mod = await import(jsUrl);
await mod.default({ module_or_path: wasmUrl });
watchAll();

window.eoscope = Object.freeze({
    mount(element, options) {
        const err = mod.mount(element, options);
        watch(element);
        return err;
    },
    mountAll() {
        mod.mountAll();
        watchAll();
    },
});
document.dispatchEvent(new CustomEvent('eoscope:ready'));

const embed = document.getElementById('eoscope-embed');
if (embed && window.parent !== window) {
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
