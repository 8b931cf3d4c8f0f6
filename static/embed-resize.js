// Auto-sizes eoscope iframes: include once on a host page,
//   <script src="…/embed-resize.js" defer></script>
//   <iframe src="…/embed.html?scenario=lost-ack-no-idempotence" sandbox="allow-scripts"></iframe>
// Each embed.html posts {eoscope: 'height', height} to its parent when its height changes; this
// sets the height of the iframe the message came from, matched by its window so other frames'
// messages are ignored, and drops its border. Uses the CSSOM, which a style-src 'self' policy allows.
window.addEventListener('message', (e) => {
    const d = e.data;
    if (!d || d.eoscope !== 'height' || !Number.isFinite(d.height)) return;
    const height = Math.max(50, Math.min(20000, Math.ceil(d.height)));
    for (const frame of document.querySelectorAll('iframe')) {
        if (frame.contentWindow === e.source) {
            frame.style.height = `${height}px`;
            frame.style.border = '0';
            frame.dataset.eoscopeHeight = String(height);
        }
    }
});
