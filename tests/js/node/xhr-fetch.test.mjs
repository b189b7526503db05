// Tests of web/xhr-fetch.js against a local node:http server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createFetchXMLHttpRequest, needsFetchXMLHttpRequest } from '../../../web/xhr-fetch.js';

const XHR = createFetchXMLHttpRequest();
const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i);
const JSON_BODY = '{"ok":true,"price":"€1"}';

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

const routes = {
  '/json': (req, res) => {
    const body = Buffer.from(JSON_BODY);
    res.writeHead(200, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': body.length,
      'X-Custom': 'Value',
    });
    res.end(body);
  },
  '/binary': (req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    res.end(ALL_BYTES);
  },
  '/missing': (req, res) => {
    res.writeHead(404, 'Not Found', { 'Content-Type': 'text/plain' });
    res.end('no such thing');
  },
  '/limited': (req, res) => {
    res.writeHead(429, 'Too Many Requests', { 'Retry-After': '7', 'Content-Type': 'application/json' });
    res.end('{"error":"slow down"}');
  },
  '/headers': (req, res) => {
    res.sendDate = false;
    res.setHeader('X-Zeta', 'last');
    res.setHeader('X-Multi', ['a', 'b']);
    res.setHeader('X-Alpha', 'first');
    res.end('ok');
  },
  '/echo': async (req, res) => {
    const body = await readBody(req);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ method: req.method, headers: req.headers, body: [...body] }));
  },
  '/slow-body': (req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.flushHeaders(); // headers now, body never
  },
  '/hang': () => {},
};

let server;
let base;
const sockets = new Set();

before(async () => {
  server = http.createServer((req, res) => routes[new URL(req.url, 'http://x').pathname](req, res));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});

after(async () => {
  for (const socket of sockets) socket.destroy(); // hanging requests must not keep the process alive
  await new Promise((resolve) => server.close(resolve));
});

// Runs one request; resolves at loadend with the xhr and the events seen ("type:readyState").
function run(method, path, { setup = () => {}, body, url = base + path } = {}) {
  const xhr = new XHR();
  const events = [];
  for (const type of ['readystatechange', 'loadstart', 'progress', 'load', 'error', 'timeout', 'abort', 'loadend']) {
    xhr.addEventListener(type, (event) => events.push(`${type}:${event.target.readyState}`));
  }
  const done = new Promise((resolve) => xhr.addEventListener('loadend', () => resolve({ xhr, events })));
  xhr.open(method, url);
  setup(xhr);
  xhr.send(body);
  return done;
}

async function echo(method, options) {
  const { xhr } = await run(method, '/echo', options);
  assert.equal(xhr.status, 200);
  return JSON.parse(xhr.responseText);
}

async function unusedPort() {
  const probe = http.createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('FetchXMLHttpRequest', () => {
  test('needsFetchXMLHttpRequest reflects the global', () => {
    assert.equal(needsFetchXMLHttpRequest(), typeof globalThis.XMLHttpRequest === 'undefined');
  });

  test('readyState constants exist on the class and on instances', () => {
    const xhr = new XHR();
    for (const [name, value] of Object.entries({ UNSENT: 0, OPENED: 1, HEADERS_RECEIVED: 2, LOADING: 3, DONE: 4 })) {
      assert.equal(XHR[name], value);
      assert.equal(xhr[name], value);
    }
    assert.equal(xhr.readyState, XHR.UNSENT);
    assert.equal(xhr.getAllResponseHeaders(), '');
  });

  test('200 JSON: body bytes, text, json and headers', async () => {
    const { xhr } = await run('GET', '/json');
    assert.equal(xhr.readyState, 4);
    assert.equal(xhr.status, 200);
    assert.equal(xhr.statusText, 'OK');
    assert.equal(xhr.responseText, JSON_BODY);
    assert.equal(xhr.response, JSON_BODY);
    assert.equal(xhr.responseURL, `${base}/json`);
    assert.equal(xhr.getResponseHeader('content-type'), 'application/json; charset=utf-8');
    assert.equal(xhr.getResponseHeader('X-CUSTOM'), 'Value');
    assert.equal(xhr.getResponseHeader('x-absent'), null);

    const asBytes = await run('GET', '/json', { setup: (x) => { x.responseType = 'arraybuffer'; } });
    assert.ok(asBytes.xhr.response instanceof ArrayBuffer);
    assert.deepEqual(new Uint8Array(asBytes.xhr.response), new TextEncoder().encode(JSON_BODY));

    const asJson = await run('GET', '/json', { setup: (x) => { x.responseType = 'json'; } });
    assert.deepEqual(asJson.xhr.response, { ok: true, price: '€1' });
    assert.throws(() => asJson.xhr.responseText, { name: 'InvalidStateError' });
  });

  test('binary body with all 256 byte values round-trips exactly', async () => {
    const { xhr } = await run('GET', '/binary', { setup: (x) => { x.responseType = 'arraybuffer'; } });
    assert.equal(xhr.status, 200);
    assert.ok(xhr.response instanceof ArrayBuffer);
    assert.deepEqual(new Uint8Array(xhr.response), ALL_BYTES);
  });

  test('404 completes via load with status, statusText, headers and body', async () => {
    const { xhr, events } = await run('GET', '/missing');
    assert.ok(events.includes('load:4') && !events.includes('error:4'));
    assert.equal(xhr.status, 404);
    assert.equal(xhr.statusText, 'Not Found');
    assert.equal(xhr.getResponseHeader('content-type'), 'text/plain');
    assert.equal(xhr.responseText, 'no such thing');
  });

  test('429 completes via load with Retry-After and body', async () => {
    const { xhr, events } = await run('GET', '/limited', { setup: (x) => { x.responseType = 'arraybuffer'; } });
    assert.ok(events.includes('load:4') && !events.includes('error:4'));
    assert.equal(xhr.status, 429);
    assert.equal(xhr.statusText, 'Too Many Requests');
    assert.equal(xhr.getResponseHeader('retry-after'), '7');
    assert.equal(new TextDecoder().decode(xhr.response), '{"error":"slow down"}');
  });

  test('getAllResponseHeaders: lower-case, sorted, "name: value\\r\\n", repeats combined', async () => {
    const { xhr } = await run('GET', '/headers');
    const all = xhr.getAllResponseHeaders();
    assert.match(all, /^([a-z0-9-]+: [^\r\n]*\r\n)+$/);
    const names = all.trimEnd().split('\r\n').map((line) => line.split(': ')[0]);
    assert.deepEqual(names, [...names].sort());
    assert.ok(all.includes('x-alpha: first\r\nx-multi: a, b\r\nx-zeta: last\r\n'));
    assert.equal(xhr.getResponseHeader('X-Multi'), 'a, b');
  });

  test('method, request headers and body reach the server', async () => {
    const view = new Uint8Array([0, 1, 2, 255, 9]).subarray(1, 4);
    const posted = await echo('post', {
      body: view,
      setup: (x) => {
        x.setRequestHeader('X-Test', '1');
        x.setRequestHeader('x-test', ' 2 ');
        x.setRequestHeader('Content-Type', 'application/octet-stream');
      },
    });
    assert.equal(posted.method, 'POST');
    assert.equal(posted.headers['x-test'], '1, 2');
    assert.equal(posted.headers['content-type'], 'application/octet-stream');
    assert.deepEqual(posted.body, [1, 2, 255]);

    const put = await echo('PUT', { body: 'héllo' });
    assert.deepEqual(Buffer.from(put.body).toString(), 'héllo');
    assert.match(put.headers['content-type'], /^text\/plain/);

    const buffer = await echo('PATCH', { body: ALL_BYTES.buffer });
    assert.equal(buffer.method, 'PATCH');
    assert.deepEqual(buffer.body, [...ALL_BYTES]);

    const get = await echo('GET', { body: 'ignored' });
    assert.deepEqual(get.body, []);

    const xhr = new XHR();
    assert.throws(() => xhr.setRequestHeader('X-Early', '1'), { name: 'InvalidStateError' });
    xhr.open('GET', `${base}/echo`);
    assert.throws(() => xhr.setRequestHeader('bad name', '1'), { name: 'SyntaxError' });
  });

  test('user/password become a Basic Authorization header', async () => {
    const echoed = await echo('GET');
    assert.equal(echoed.headers.authorization, undefined);

    const xhr = new XHR();
    const done = new Promise((resolve) => { xhr.onloadend = resolve; });
    xhr.open('GET', `${base}/echo`, true, 'alice', 'pä:ss');
    xhr.send();
    await done;
    const { authorization } = JSON.parse(xhr.responseText).headers;
    assert.match(authorization, /^Basic /);
    assert.equal(Buffer.from(authorization.slice(6), 'base64').toString('utf8'), 'alice:pä:ss');

    const fromUrl = await echo('GET', { url: base.replace('//', '//bob:s%40cret@') + '/echo' });
    assert.equal(fromUrl.headers.authorization, `Basic ${btoa('bob:s@cret')}`);
  });

  test('timeout fires ontimeout, not onerror, with status 0 and readyState 4', async () => {
    const started = Date.now();
    const calls = [];
    const { xhr, events } = await run('GET', '/hang', {
      setup: (x) => {
        x.timeout = 150;
        x.ontimeout = (event) => calls.push(['timeout', event.target.status, event.target.readyState]);
        x.onerror = () => calls.push(['error']);
      },
    });
    assert.ok(Date.now() - started >= 140);
    assert.deepEqual(calls, [['timeout', 0, 4]]);
    assert.deepEqual(events, ['readystatechange:1', 'loadstart:1', 'readystatechange:4', 'timeout:4', 'loadend:4']);
    assert.equal(xhr.status, 0);
    assert.equal(xhr.getAllResponseHeaders(), '');
  });

  test('a completed request with a timeout fires nothing afterwards', async () => {
    const { events } = await run('GET', '/json', { setup: (x) => { x.timeout = 100; } });
    const count = events.length;
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(events.length, count);
    assert.equal(events.at(-1), 'loadend:4');
  });

  test('timeout also covers the body read', async () => {
    const { xhr, events } = await run('GET', '/slow-body', { setup: (x) => { x.timeout = 150; } });
    assert.deepEqual(events, [
      'readystatechange:1', 'loadstart:1', 'readystatechange:2', 'readystatechange:4', 'timeout:4', 'loadend:4',
    ]);
    assert.equal(xhr.status, 0);
  });

  test('connection refused fires onerror with status 0', async () => {
    const port = await unusedPort();
    let errors = 0;
    const { xhr, events } = await run('GET', '', {
      url: `http://127.0.0.1:${port}/`,
      setup: (x) => { x.onerror = () => { errors += 1; }; },
    });
    assert.equal(errors, 1);
    assert.deepEqual(events, ['readystatechange:1', 'loadstart:1', 'readystatechange:4', 'error:4', 'loadend:4']);
    assert.equal(xhr.status, 0);
    assert.equal(xhr.readyState, 4);
    assert.equal(xhr.responseText, '');
  });

  test('abort() in flight fires abort and loadend, never load', async () => {
    const sent = await run('GET', '/hang', { setup: (x) => setTimeout(() => x.abort(), 20) });
    assert.deepEqual(sent.events, ['readystatechange:1', 'loadstart:1', 'readystatechange:4', 'abort:4', 'loadend:4']);
    assert.equal(sent.xhr.readyState, XHR.UNSENT);
    assert.equal(sent.xhr.status, 0);

    const headers = await run('GET', '/slow-body', {
      setup: (x) => x.addEventListener('readystatechange', () => { if (x.readyState === 2) x.abort(); }),
    });
    assert.deepEqual(headers.events, [
      'readystatechange:1', 'loadstart:1', 'readystatechange:2', 'readystatechange:4', 'abort:4', 'loadend:4',
    ]);
    assert.equal(headers.xhr.readyState, XHR.UNSENT);
    assert.equal(headers.xhr.status, 0);

    await new Promise((resolve) => setTimeout(resolve, 50)); // nothing may fire after loadend
    assert.equal(sent.events.length, 5);
    assert.equal(headers.events.length, 6);
  });

  test('synchronous open throws NotSupportedError', () => {
    const xhr = new XHR();
    assert.throws(() => xhr.open('GET', `${base}/json`, false), { name: 'NotSupportedError', message: /synchronous/i });
    assert.equal(xhr.readyState, XHR.UNSENT);
  });

  test('events fire in browser order with progress details', async () => {
    const xhr = new XHR();
    const seen = [];
    for (const type of ['readystatechange', 'loadstart', 'progress', 'load', 'error', 'timeout', 'abort', 'loadend']) {
      xhr[`on${type}`] = (event) => seen.push({ type, state: xhr.readyState, event });
    }
    const done = new Promise((resolve) => xhr.addEventListener('loadend', resolve));
    xhr.open('GET', `${base}/json`);
    xhr.send();
    await done;
    assert.deepEqual(seen.map(({ type, state }) => `${type}:${state}`), [
      'readystatechange:1', 'loadstart:1', 'readystatechange:2', 'readystatechange:3',
      'progress:3', 'readystatechange:4', 'load:4', 'loadend:4',
    ]);
    const length = new TextEncoder().encode(JSON_BODY).byteLength;
    for (const { type, event } of seen.filter((s) => ['progress', 'load', 'loadend'].includes(s.type))) {
      assert.equal(event.type, type);
      assert.equal(event.target, xhr);
      assert.equal(event.loaded, length);
      assert.equal(event.total, length);
      assert.equal(event.lengthComputable, true);
    }
  });

  test('handler exceptions are reported and do not break later events', async (t) => {
    const reported = [];
    globalThis.reportError = (error) => reported.push(error.message);
    t.after(() => { delete globalThis.reportError; });
    const later = [];
    const { xhr, events } = await run('GET', '/json', {
      setup: (x) => {
        x.onreadystatechange = () => { throw new Error(`state ${x.readyState}`); };
        x.onload = () => { throw new Error('load'); };
        x.addEventListener('load', () => later.push('listener after throwing onload'));
      },
    });
    assert.equal(xhr.status, 200);
    assert.equal(xhr.responseText, JSON_BODY);
    assert.deepEqual(events.at(-1), 'loadend:4');
    assert.deepEqual(later, ['listener after throwing onload']);
    assert.deepEqual(reported, ['state 2', 'state 3', 'state 4', 'load']);
  });

  test('withCredentials=false passes no credentials field; true passes include', async () => {
    const inits = [];
    const FakeXHR = createFetchXMLHttpRequest(async (url, init) => {
      inits.push(init);
      return new Response('x');
    });
    for (const withCredentials of [false, true]) {
      const xhr = new FakeXHR();
      const done = new Promise((resolve) => { xhr.onloadend = resolve; });
      xhr.open('GET', 'https://example.test/');
      xhr.withCredentials = withCredentials;
      xhr.send();
      await done;
      assert.equal(xhr.responseText, 'x');
    }
    assert.equal('credentials' in inits[0], false);
    assert.equal(inits[1].credentials, 'include');
  });
});
