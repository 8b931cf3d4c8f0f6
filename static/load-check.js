// A classic script, so it runs where boot.js cannot: in <iframe sandbox="allow-scripts"> the page's
// origin is opaque, so its module script (boot.js) is a cross-origin request that fails without
// the host's Access-Control-Allow-Origin header, and nothing of eoscope would ever say why. A
// classic script needs no CORS. If boot.js fails to load, this puts a plain message in place of
// the app (text only, through the DOM, which the CSP allows). README "Embedding".
// It runs before boot.js's tag is parsed, so it listens on the document (capturing: error events
// do not bubble) for that script's error.
document.addEventListener(
    'error',
    (e) => {
        const t = e.target;
        if (!(t instanceof HTMLScriptElement) || !/boot\.js$/.test(t.src)) return;
        const host = document.getElementById('eoscope-embed') ?? document.getElementById('eoscope-app');
        if (!host || host.hasAttribute('data-eoscope-mounted')) return;
        const p = document.createElement('p');
        p.className = 'eoscope-failed';
        p.setAttribute('role', 'alert');
        p.textContent =
            window.parent !== window
                ? 'eoscope could not load in this frame: a sandboxed iframe fetches its files cross-origin, so the host must serve dist/’s .js, .wasm, .css and .json files with Access-Control-Allow-Origin: * (README "Embedding").'
                : 'eoscope could not load: boot.js was not served (README "Embedding").';
        host.replaceChildren(p);
        // Sized by hand: the stylesheet may not have loaded either.
        p.style.setProperty('font', '15px/1.4 system-ui, sans-serif');
        p.style.setProperty('padding', '12px');
        p.style.setProperty('color', '#c53030');
        // The host's embed-resize.js sizes the frame to the message.
        if (window.parent !== window) {
            window.parent.postMessage({ eoscope: 'height', height: Math.ceil(document.body.getBoundingClientRect().height) + 24 }, '*');
        }
    },
    true,
);
