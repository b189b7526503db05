// The dashboard is split into ES modules: every one of them must be served (Node server and edge
// worker, from the one list in web/http/assets.js), and every import between them must name a
// served path. A module added without its asset entry fails here, not in a browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ASSET_FILES } from '../../../web/http/assets.js';

const WEB = fileURLToPath(new URL('../../../web/', import.meta.url));
const scripts = (await readdir(`${WEB}dashboard`)).filter((name) => name.endsWith('.js')).sort();
const servedPath = new Map(ASSET_FILES.map(({ path, file }) => [file, path]));

/** The module specifiers a file imports statically. */
function importsOf(text) {
  return [...text.matchAll(/^import\s[^;]*?from\s+'([^']+)'/gms)].map((match) => match[1]);
}

test('every dashboard script is served as JavaScript', () => {
  assert.ok(scripts.length > 1, scripts.join(','));
  for (const name of scripts) {
    const entry = ASSET_FILES.find(({ file }) => file === `dashboard/${name}`);
    assert.ok(entry, `dashboard/${name} has an asset entry`);
    assert.equal(entry.type, 'text/javascript; charset=utf-8');
  }
});

test('every import between dashboard modules resolves to a served path', async () => {
  const served = new Set(ASSET_FILES.map(({ path }) => path));
  let count = 0;
  for (const name of scripts) {
    const base = new URL(servedPath.get(`dashboard/${name}`), 'https://dashboard.test');
    for (const specifier of importsOf(await readFile(`${WEB}dashboard/${name}`, 'utf8'))) {
      const resolved = new URL(specifier, base);
      assert.equal(resolved.origin, base.origin, `${name} imports ${specifier} from its own origin`);
      assert.ok(served.has(resolved.pathname), `${name} imports ${specifier} → ${resolved.pathname}, which is served`);
      count++;
    }
  }
  assert.ok(count >= scripts.length, `${count} imports checked`);
});

test('the edge front bundles every served dashboard file', async () => {
  const edge = await readFile(`${WEB}edge/assets.js`, 'utf8');
  for (const { file } of ASSET_FILES) {
    assert.match(edge, new RegExp(`from '\\.\\./${file.replaceAll('.', '\\.')}'`), `web/edge/assets.js imports ${file}`);
    assert.ok(edge.includes(`'${file}':`), `web/edge/assets.js maps ${file}`);
  }
});
