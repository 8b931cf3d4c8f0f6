// The release build's minified stylesheets (scripts/minify.mjs) keep what the source means: a
// space before `:` in a selector is a descendant combinator, so `.eoscope :focus-visible` (the
// focus ring on every control) must not become `.eoscope:focus-visible`; the reader's sheet keeps
// the shared rules (the beats' spacers) and drops the full app's panels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIST } from './harness.mjs';

const sheet = (re) => {
    const name = readdirSync(DIST).find((f) => re.test(f));
    assert.ok(name, `a stylesheet matching ${re} in ${DIST}`);
    return readFileSync(join(DIST, name), 'utf8');
};

test('the minified stylesheets keep descendant pseudo-classes; the reader\'s leaves out only the full app\'s panels', () => {
    const full = sheet(/^eoscope-[0-9a-f]+\.css$/);
    const reader = sheet(/^eoscope-reader-[0-9a-f]+\.css$/);
    for (const css of [full, reader]) {
        assert.ok(css.includes('.eoscope :focus-visible'), 'the focus ring rule is a descendant selector');
        assert.ok(css.includes('.beat-spacer'), 'the beats\' spacers are shared');
        assert.ok(!css.includes('/*'), 'no comments');
    }
    assert.ok(full.includes('.search-goal') && full.includes('.sbs-form'));
    assert.ok(!reader.includes('.search-goal') && !reader.includes('.sbs-form'));
});
