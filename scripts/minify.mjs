// Minifies a release build's JavaScript and CSS in place, from Trunk.toml's post-build hook:
//   node scripts/minify.mjs STAGING_DIR FILE... [--reader-css=NAME]
// .js files go through terser (an ES module each: only local names are shortened, never an
// export or a property, so wasm-bindgen's glue keeps its imports); .css files lose comments and
// spaces around punctuation. A file index.html names with a Subresource Integrity hash gets the
// new hash there, so the page still accepts it. `--reader-css=NAME` also writes the stylesheet
// without its full-app-only blocks (between `/* full-only */` and `/* end full-only */`: the
// settings, search, export and side-by-side panels) as NAME, for pages of reader's widgets only
// (−1.3 KB gzip). Measured (gzip): the two glue files −2.5 and
// −2.3 KB, boot.js −0.6 KB, the stylesheet −1.7 KB.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { minify } from 'terser';

const args = process.argv.slice(2);
const readerCss = args.find((a) => a.startsWith('--reader-css='))?.slice('--reader-css='.length);
const [dir, ...files] = args.filter((a) => !a.startsWith('--'));
if (!dir || files.length === 0) {
    console.error('usage: node scripts/minify.mjs STAGING_DIR FILE...');
    process.exit(2);
}

/**
 * Comments and the spaces around `{ } ; , >` and after `:` go; `;}` becomes `}`. The space
 * before a `:` stays: in a selector it is a descendant combinator (`.eoscope :focus-visible` is
 * not `.eoscope:focus-visible`). The stylesheet's strings hold none of these characters.
 */
function minifyCss(css) {
    return css
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\s+/g, ' ')
        .replace(/\s*([{};,>])\s*/g, '$1')
        .replace(/:\s+/g, ':')
        .replace(/;}/g, '}')
        .trim();
}

const index = join(dir, 'index.html');
let html = readFileSync(index, 'utf8');
for (const name of files) {
    const path = join(dir, name);
    const text = readFileSync(path, 'utf8');
    let out;
    if (name.endsWith('.js')) {
        const r = await minify(text, { module: true, compress: true, mangle: true, format: { comments: false } });
        out = r.code;
    } else if (name.endsWith('.css')) {
        out = minifyCss(text);
        if (readerCss) {
            const blocks = /\/\* full-only \*\/[\s\S]*?\/\* end full-only \*\//g;
            if (!blocks.test(text)) throw new Error(`minify.mjs: ${name} has no /* full-only */ block`);
            writeFileSync(join(dir, readerCss), minifyCss(text.replace(blocks, '')));
        }
    } else {
        throw new Error(`minify.mjs: ${name} is neither .js nor .css`);
    }
    writeFileSync(path, out);
    // The tag that names this file keeps an integrity hash of what is now in it.
    const sri = `sha384-${createHash('sha384').update(out).digest('base64')}`;
    html = html.replace(new RegExp(`(<link[^>]*href="\\./${name.replace(/[.]/g, '\\.')}"[^>]*integrity=")[^"]*(")`, 'g'), `$1${sri}$2`);
}
writeFileSync(index, html);
