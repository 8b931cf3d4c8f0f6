// Starts the app. Trunk.toml's pattern_script puts `<script type="module" src="boot.js"
// data-eoscope-js=… data-eoscope-wasm=…>` where trunk would write its inline boot script, so the
// page runs under a CSP of script-src 'self' 'wasm-unsafe-eval' with no inline script at all.
const tag = document.querySelector('script[data-eoscope-js]');
const { default: init } = await import(tag.dataset.eoscopeJs);
await init({ module_or_path: tag.dataset.eoscopeWasm });
