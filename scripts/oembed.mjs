// oEmbed for hosts that embed by URL (WordPress and the like): once you know where dist/ is
// served, run
//   node scripts/oembed.mjs https://blog.example/assets/eoscope/ dist
// and it writes, for every shipped story,
//   dist/stories/ID.html   the page to paste into the host: the story in the iframe page, with a
//                          <link rel="alternate" type="application/json+oembed"> discovery link
//   dist/oembed/ID.json    the oEmbed answer: type "rich", an <iframe sandbox="allow-scripts"> of
//                          that page (a host strips scripts, so it has a fixed height)
// oEmbed's html must hold absolute URLs (the host inserts it into its own pages), which is why this
// runs with the public URL and not at build time. The host must still send the CORS header for
// dist/'s .js, .wasm, .css and .json (README "Embedding"). Tested by tests/e2e/oembed.test.mjs.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const WIDTH = 700;
const HEIGHT = 720;

const escape = (s) => String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function writeOembed(publicUrl, dist) {
    let base;
    try {
        base = new URL(publicUrl);
    } catch {
        throw new Error(`not an absolute URL: ${publicUrl} (give where dist/ is served, like https://blog.example/assets/eoscope/)`);
    }
    if (!['http:', 'https:'].includes(base.protocol)) throw new Error(`not an http(s) URL: ${publicUrl}`);
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    const embed = readFileSync(join(dist, 'embed.html'), 'utf8');
    if (!embed.includes('<div id="eoscope-embed"></div>')) throw new Error(`${join(dist, 'embed.html')} is not eoscope's iframe page`);
    mkdirSync(join(dist, 'stories'), { recursive: true });
    mkdirSync(join(dist, 'oembed'), { recursive: true });
    const ids = readdirSync(join(dist, 'scenarios'))
        .filter((f) => f.endsWith('.json'))
        .map((f) => f.slice(0, -5))
        .sort();
    for (const id of ids) {
        const file = JSON.parse(readFileSync(join(dist, 'scenarios', `${id}.json`), 'utf8'));
        const title = file.title?.en ?? id;
        const page = new URL(`stories/${id}.html`, base).href;
        const oembed = new URL(`oembed/${id}.json`, base).href;
        // The iframe page one directory down: its relative URLs gain a `../`.
        const html = embed
            .replace(/(href|src)="\.\//g, '$1="../')
            .replace('<title>eoscope (embedded)</title>', `<title>eoscope: ${escape(title)}</title>\n    <link rel="alternate" type="application/json+oembed" href="${escape(oembed)}" title="${escape(title)}">`)
            .replace('<div id="eoscope-embed"></div>', `<div id="eoscope-embed" data-eoscope="${escape(id)}" data-controls="minimal" data-panels="logs,verdicts,topology"></div>`);
        writeFileSync(join(dist, 'stories', `${id}.html`), html);
        const answer = {
            version: '1.0',
            type: 'rich',
            provider_name: 'eoscope',
            provider_url: base.href,
            title,
            width: WIDTH,
            height: HEIGHT,
            html: `<iframe src="${escape(page)}" sandbox="allow-scripts" width="${WIDTH}" height="${HEIGHT}" title="eoscope: ${escape(title)}" loading="lazy"></iframe>`,
        };
        writeFileSync(join(dist, 'oembed', `${id}.json`), JSON.stringify(answer, null, 2) + '\n');
    }
    return ids;
}

if (import.meta.url === `file://${process.argv[1]}`) {
    const [publicUrl, dist = 'dist'] = process.argv.slice(2);
    if (!publicUrl) {
        console.error('usage: node scripts/oembed.mjs PUBLIC_URL [DIST]   (PUBLIC_URL: where dist/ is served)');
        process.exit(2);
    }
    try {
        const ids = writeOembed(publicUrl, dist);
        console.log(`wrote stories/ and oembed/ for ${ids.length} stories in ${dist}`);
    } catch (e) {
        console.error(`oembed.mjs: ${e.message}`);
        process.exit(1);
    }
}
