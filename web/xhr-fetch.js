// The asynchronous subset of XMLHttpRequest, implemented on fetch(), for hosts
// without XHR (Node, Deno, workerd, service workers). Emscripten's Fetch API
// (emscripten_fetch) is built on XHR; the JS shell hands this class to the
// module instead of defining a global.
//
// Deliberate differences from a browser: synchronous requests throw
// NotSupportedError, the body is read in one piece (one progress event, no
// upload events) and responseType 'blob' / 'document' are not supported.

const STATES = { UNSENT: 0, OPENED: 1, HEADERS_RECEIVED: 2, LOADING: 3, DONE: 4 };
const { UNSENT, OPENED, HEADERS_RECEIVED, LOADING, DONE } = STATES;
const EVENT_TYPES = ['readystatechange', 'loadstart', 'progress', 'load', 'error', 'timeout', 'abort', 'loadend'];
const RESPONSE_TYPES = new Set(['', 'text', 'arraybuffer', 'json']);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
const MAX_TIMER_MS = 2 ** 31 - 1; // larger setTimeout delays overflow to ~1 ms

export function needsFetchXMLHttpRequest() {
  return typeof globalThis.XMLHttpRequest === 'undefined';
}

export function createFetchXMLHttpRequest(fetchImpl = globalThis.fetch.bind(globalThis)) {
  class FetchXMLHttpRequest {
    #state = UNSENT;
    #method = 'GET';
    #url = null;
    #credentials = null; // "user:password" for a Basic Authorization header
    #requestHeaders = new Map(); // lower-case name -> [name, value]
    #overrideMime = null;
    #timeout = 0;
    #withCredentials = false;
    #responseType = '';
    #request = null; // the fetch in flight ({ controller, timer, start }); non-null is XHR's "send() flag"
    #response = null; // null is a network error; else { status, statusText, url, headers, body, decoded }
    #listeners = new Map(); // type -> [{ callback, once, removed }]

    constructor() {
      for (const type of EVENT_TYPES) this[`on${type}`] = null;
    }

    get readyState() { return this.#state; }
    get status() { return this.#response?.status ?? 0; }
    get statusText() { return this.#response?.statusText ?? ''; }
    get responseURL() { return this.#response?.url ?? ''; }

    get timeout() { return this.#timeout; }
    set timeout(ms) {
      this.#timeout = Number(ms) >>> 0; // WebIDL unsigned long
      if (this.#request) this.#armTimer(this.#request); // XHR measures from send(), also when set later
    }

    get withCredentials() { return this.#withCredentials; }
    set withCredentials(value) {
      if ((this.#state !== UNSENT && this.#state !== OPENED) || this.#request) {
        throw new DOMException('withCredentials can only be set before send().', 'InvalidStateError');
      }
      this.#withCredentials = Boolean(value);
    }

    get responseType() { return this.#responseType; }
    set responseType(type) {
      if (this.#state === LOADING || this.#state === DONE) {
        throw new DOMException('responseType cannot be changed once the response is loading.', 'InvalidStateError');
      }
      type = String(type);
      if (type === 'blob' || type === 'document') {
        throw new DOMException(`responseType '${type}' is not supported.`, 'NotSupportedError');
      }
      if (RESPONSE_TYPES.has(type)) this.#responseType = type; // other values are ignored, as for a WebIDL enum
    }

    get responseText() {
      if (this.#responseType !== '' && this.#responseType !== 'text') {
        throw new DOMException(`responseText needs responseType '' or 'text'.`, 'InvalidStateError');
      }
      const response = this.#response;
      if ((this.#state !== LOADING && this.#state !== DONE) || !response) return '';
      response.decoded ??= decodeText(
        response.body,
        charsetOf(this.#overrideMime) ?? charsetOf(this.getResponseHeader('content-type')),
      );
      return response.decoded;
    }

    get response() {
      if (this.#responseType === '' || this.#responseType === 'text') return this.responseText;
      const response = this.#response;
      if (this.#state !== DONE || !response) return null;
      if (this.#responseType === 'arraybuffer') return response.body;
      if (response.decoded === undefined) {
        try {
          response.decoded = JSON.parse(decodeText(response.body));
        } catch {
          response.decoded = null;
        }
      }
      return response.decoded;
    }

    open(method, url, async = true, user = null, password = null) {
      method = String(method);
      if (!TOKEN.test(method)) throw new DOMException(`'${method}' is not a valid HTTP method.`, 'SyntaxError');
      const upper = method.toUpperCase();
      if (FORBIDDEN_METHODS.has(upper)) {
        throw new DOMException(`'${method}' HTTP method is unsupported.`, 'SecurityError');
      }
      let parsed;
      try {
        parsed = new URL(String(url), documentBase());
      } catch {
        throw new DOMException(`Invalid URL: '${url}'.`, 'SyntaxError');
      }
      if (!async) {
        throw new DOMException('Synchronous XMLHttpRequest is not supported; use async requests.', 'NotSupportedError');
      }
      // fetch() rejects URLs that carry credentials; send them as a header instead.
      const name = user ?? percentDecode(parsed.username);
      const secret = password ?? percentDecode(parsed.password);
      parsed.username = parsed.password = '';

      this.#terminate();
      this.#method = NORMALIZED_METHODS.has(upper) ? upper : method;
      this.#url = parsed.href;
      this.#credentials = name || secret ? `${name}:${secret}` : null;
      this.#requestHeaders = new Map();
      this.#response = null;
      if (this.#state !== OPENED) this.#setState(OPENED);
    }

    setRequestHeader(name, value) {
      if (this.#state !== OPENED || this.#request) {
        throw new DOMException('setRequestHeader() needs open() and must precede send().', 'InvalidStateError');
      }
      name = String(name);
      value = String(value).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
      if (!TOKEN.test(name)) throw new DOMException(`'${name}' is not a valid HTTP header name.`, 'SyntaxError');
      if (/[\0\r\n]/.test(value)) throw new DOMException(`Invalid value for header '${name}'.`, 'SyntaxError');
      const key = name.toLowerCase();
      const previous = this.#requestHeaders.get(key);
      this.#requestHeaders.set(key, previous ? [previous[0], `${previous[1]}, ${value}`] : [name, value]);
    }

    overrideMimeType(mime) {
      if (this.#state === LOADING || this.#state === DONE) {
        throw new DOMException('overrideMimeType() must be called before the response loads.', 'InvalidStateError');
      }
      this.#overrideMime = String(mime);
    }

    send(body = null) {
      if (this.#state !== OPENED || this.#request) {
        throw new DOMException('send() needs open() and can only be called once per open().', 'InvalidStateError');
      }
      const request = { controller: new AbortController(), timer: undefined, start: Date.now() };
      const init = {
        method: this.#method,
        headers: [...this.#requestHeaders.values()],
        signal: request.controller.signal,
      };
      if (this.#credentials !== null && !this.#requestHeaders.has('authorization')) {
        init.headers.push(['Authorization', basicAuthorization(this.#credentials)]);
      }
      if (body != null && this.#method !== 'GET' && this.#method !== 'HEAD') init.body = body;
      // workerd throws on any `credentials` field, so it is only passed when it matters.
      if (this.#withCredentials) init.credentials = 'include';

      this.#request = request;
      this.#response = null;
      // Calling fetch() now copies the body synchronously, as XHR does; a throw becomes a network error.
      const pending = new Promise((resolve) => resolve(fetchImpl(this.#url, init)));
      this.#armTimer(request);
      this.#fire('loadstart');
      if (this.#request === request) this.#receive(request, pending);
    }

    abort() {
      if (this.#request) this.#requestError('abort');
      if (this.#state === DONE) {
        this.#state = UNSENT; // silently, like XHR
        this.#response = null;
      }
    }

    getAllResponseHeaders() {
      return (this.#response?.headers ?? []).map(([name, value]) => `${name}: ${value}\r\n`).join('');
    }

    getResponseHeader(name) {
      const key = String(name).toLowerCase();
      const values = (this.#response?.headers ?? []).filter(([n]) => n === key).map(([, value]) => value);
      return values.length ? values.join(', ') : null;
    }

    addEventListener(type, callback, options) {
      if (!callback) return;
      const list = this.#listeners.get(type) ?? [];
      this.#listeners.set(type, list);
      if (list.some((entry) => entry.callback === callback)) return;
      list.push({ callback, once: Boolean(options?.once), removed: false });
    }

    removeEventListener(type, callback) {
      const list = this.#listeners.get(type) ?? [];
      const index = list.findIndex((entry) => entry.callback === callback);
      if (index >= 0) list.splice(index, 1)[0].removed = true;
    }

    async #receive(request, pending) {
      try {
        const res = await pending;
        if (this.#request !== request) return;
        this.#response = {
          status: res.status,
          statusText: res.statusText,
          url: res.url || this.#url.split('#')[0],
          headers: [...res.headers].map(([name, value]) => [name.toLowerCase(), value]).sort(byName),
          body: null,
          decoded: undefined,
        };
        this.#setState(HEADERS_RECEIVED);
        if (this.#request !== request) return;

        const body = await res.arrayBuffer();
        if (this.#request !== request) return;
        this.#response.body = body;
        const loaded = body.byteLength;
        const total = contentLength(this.getResponseHeader('content-length'));
        // Handlers below may abort() or open() again; then this request is over.
        if (loaded) this.#setState(LOADING);
        if (this.#request !== request) return;
        this.#fire('progress', loaded, total);
        if (this.#request !== request) return;

        clearTimeout(request.timer);
        this.#request = null;
        this.#setState(DONE);
        this.#fire('load', loaded, total);
        this.#fire('loadend', loaded, total);
      } catch {
        if (this.#request === request) this.#requestError('error');
      }
    }

    // XHR's "request error steps", for a network error, a timeout or abort().
    #requestError(type) {
      this.#terminate();
      this.#response = null;
      this.#setState(DONE);
      this.#fire(type);
      this.#fire('loadend');
    }

    #terminate() {
      if (!this.#request) return;
      clearTimeout(this.#request.timer);
      this.#request.controller.abort();
      this.#request = null;
    }

    #armTimer(request) {
      clearTimeout(request.timer);
      if (!this.#timeout) return;
      const delay = Math.min(MAX_TIMER_MS, Math.max(0, request.start + this.#timeout - Date.now()));
      request.timer = setTimeout(() => {
        if (this.#request === request) this.#requestError('timeout');
      }, delay);
    }

    #setState(state) {
      this.#state = state;
      this.#fire('readystatechange');
    }

    // The on<type> property runs first, then listeners in registration order.
    // A throwing handler is reported and does not stop the others or the request.
    #fire(type, loaded = 0, total = 0) {
      const event = { type, target: this, currentTarget: this, loaded, total, lengthComputable: total !== 0 };
      const property = this[`on${type}`];
      if (typeof property === 'function') this.#invoke(property, event);
      for (const entry of [...(this.#listeners.get(type) ?? [])]) {
        if (entry.removed) continue;
        if (entry.once) this.removeEventListener(type, entry.callback);
        this.#invoke(entry.callback, event);
      }
    }

    #invoke(callback, event) {
      try {
        if (typeof callback === 'function') callback.call(this, event);
        else callback.handleEvent(event);
      } catch (error) {
        reportException(error);
      }
    }
  }

  for (const [name, value] of Object.entries(STATES)) {
    for (const target of [FetchXMLHttpRequest, FetchXMLHttpRequest.prototype]) {
      Object.defineProperty(target, name, { value, enumerable: true });
    }
  }
  return FetchXMLHttpRequest;
}

function documentBase() {
  try {
    return globalThis.location?.href; // Deno throws on `location` unless started with --location
  } catch {
    return undefined;
  }
}

function percentDecode(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function basicAuthorization(credentials) {
  const bytes = new TextEncoder().encode(credentials); // RFC 7617: UTF-8
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

function byName([a], [b]) {
  return a < b ? -1 : a > b ? 1 : 0;
}

function contentLength(value) {
  return /^\d+$/.test(value ?? '') ? Number(value) : 0;
}

function charsetOf(mime) {
  return /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(mime ?? '')?.[1];
}

function decodeText(bytes, charset) {
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return new TextDecoder().decode(bytes); // unknown charset label: UTF-8, as XHR does
  }
}

function reportException(error) {
  if (typeof globalThis.reportError === 'function') globalThis.reportError(error);
  else queueMicrotask(() => { throw error; });
}
