// The IndexedDB adapter in real headless Chromium: persistence across a reload, one transaction
// per burst of puts, real CompressionStream, corruption handling and a blocked upgrade.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../support/chromium.mjs';

const STORAGE_DIR = fileURLToPath(new URL('../../../web/storage/', import.meta.url));
const T0 = 1_700_000_000_000;
const PAGE = `<!doctype html><meta charset="utf-8"><title>storage</title>
<script type="module">
  import * as storage from '/web/storage/index.js';
  window.storage = storage;
  window.ready = true;
</script>`;

let server;
let baseUrl;
let browser;

// Serves the test page and web/storage/*.js, nothing else.
function serve(request, response) {
  const { pathname } = new URL(request.url, 'http://localhost');
  if (pathname === '/') {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(PAGE);
    return;
  }
  const match = /^\/web\/storage\/([a-z-]+\.js)$/.exec(pathname);
  if (!match) {
    response.writeHead(404).end();
    return;
  }
  readFile(STORAGE_DIR + match[1]).then(
    (source) => {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      response.end(source);
    },
    () => response.writeHead(404).end(),
  );
}

before(async () => {
  server = createServer(serve);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${server.address().port}/`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve) ?? resolve());
});

async function openPage(context) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(baseUrl);
  await page.waitForFunction(() => window.ready === true);
  return { page, errors };
}

test('values persist in IndexedDB across a reload, compressed, byte-exact', async () => {
  const context = await browser.newContext();
  try {
    const { page, errors } = await openPage(context);
    const written = await page.evaluate(async (T0) => {
      const store = new window.storage.IndexedDbStore({ now: () => T0, dbName: 'reload' });
      let latin = '';
      for (let code = 0; code < 256; code++) latin += String.fromCharCode(code);
      const value = JSON.stringify({ text: (latin + '価格 ₿ 🚀').repeat(40) });
      const outcome = await store.put('price:usd', { value, storedAt: T0, freshUntil: T0 + 30000, expiresAt: T0 + 90000, tags: ['price'] });
      await store.close();
      return { value, outcome };
    }, T0);
    assert.ok(written.outcome.storedBytes < written.outcome.rawBytes / 4, 'gzip through the real CompressionStream');

    await page.reload();
    await page.waitForFunction(() => window.ready === true);
    const read = await page.evaluate(async (T0) => {
      const store = new window.storage.IndexedDbStore({ now: () => T0 + 60000, dbName: 'reload' });
      const entry = await store.get('price:usd');
      const keys = await store.list('price:');
      await store.close();
      return { entry, keys };
    }, T0);
    assert.equal(read.entry.value, written.value);
    assert.deepEqual(read.entry.tags, ['price']);
    assert.equal(read.entry.freshUntil, T0 + 30000);
    assert.deepEqual(read.keys, [{ key: 'price:usd', tags: ['price'], expiresAt: T0 + 90000 }]);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a burst of puts is one transaction; a damaged record is deleted and missed', async () => {
  const context = await browser.newContext();
  try {
    const { page } = await openPage(context);
    const result = await page.evaluate(async (T0) => {
      const store = new window.storage.IndexedDbStore({ now: () => T0, dbName: 'burst' });
      const entry = (value) => ({ value, storedAt: T0, freshUntil: T0 + 1000, expiresAt: T0 + 5000, tags: [] });
      await Promise.all(Array.from({ length: 30 }, (_, i) => store.put(`k${i}`, entry(`v${i}`))));
      const transactions = store.health().counters.writeTransactions;

      // Flip one byte of k7's record behind the adapter's back.
      const db = await new Promise((resolve, reject) => {
        const request = indexedDB.open('burst');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      await new Promise((resolve, reject) => {
        const tx = db.transaction('entries', 'readwrite');
        const os = tx.objectStore('entries');
        const read = os.get('k7');
        read.onsuccess = () => {
          const stored = read.result;
          const record = new Uint8Array(stored.record);
          record[record.length - 1] ^= 0x01;
          os.put({ ...stored, record });
        };
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      });
      db.close();

      const damaged = await store.get('k7');
      const neighbour = await store.get('k8');
      const keys = (await store.list('k')).length;
      const { counters } = store.health();
      await store.close();
      return { transactions, damaged, neighbour: neighbour.value, keys, corrupt: counters.corrupt };
    }, T0);
    assert.equal(result.transactions, 1);
    assert.equal(result.damaged, null);
    assert.equal(result.neighbour, 'v8');
    assert.equal(result.keys, 29, 'the damaged record was deleted');
    assert.equal(result.corrupt, 1);
  } finally {
    await context.close();
  }
});

test('an upgrade blocked by another open connection is a typed blocked error', async () => {
  const context = await browser.newContext();
  try {
    const { page } = await openPage(context);
    const result = await page.evaluate(async (T0) => {
      // Another tab holds the database (without our store) and ignores versionchange.
      const other = await new Promise((resolve, reject) => {
        const request = indexedDB.open('blocked');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const store = new window.storage.IndexedDbStore({ now: () => T0, dbName: 'blocked' });
      const entry = { value: 'v', storedAt: T0, freshUntil: T0 + 1000, expiresAt: T0 + 5000, tags: [] };
      let code = null;
      try {
        await store.put('k', entry);
      } catch (err) {
        code = err.code;
      }
      const status = store.health().status;
      other.close();
      await store.put('k', entry);
      const value = (await store.get('k')).value;
      await store.close();
      return { code, status, value };
    }, T0);
    assert.deepEqual(result, { code: 'blocked', status: 'degraded', value: 'v' });
  } finally {
    await context.close();
  }
});
