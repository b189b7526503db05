// The dashboard's API access: JSON with the API's typed errors, the ops token asked for once,
// and Panel (one endpoint each, keeping the last good data when a refresh fails).
import { hideFailure, labelStackedTables, showFailure } from './dom.js';

/** An API failure as the dashboard shows it: the API's own category and message when it sent one. */
export class ApiFailure extends Error {
  constructor(category, message, status = 0) {
    super(message);
    this.category = category;
    this.status = status;
  }
}

// Operational routes need the deployment's OPS_TOKEN when one is set: asked for once (on the
// first 401) and kept for this tab only.
const OPS_TOKEN_KEY = 'bitcoin-ltl-ops-token';
let tokenAsked = false;

function opsHeaders() {
  const token = sessionStorage.getItem(OPS_TOKEN_KEY);
  return token ? { authorization: `Bearer ${token}` } : {};
}

async function fetchApi(path) {
  try {
    return await fetch(path, { headers: { accept: 'application/json', ...opsHeaders() }, cache: 'no-store' });
  } catch {
    throw new ApiFailure('network', 'Could not reach the API');
  }
}

async function getJson(path) {
  let response = await fetchApi(path);
  if (response.status === 401 && !tokenAsked) {
    tokenAsked = true;
    const token = window.prompt('This deployment protects its operational routes. OPS_TOKEN:');
    if (token) {
      sessionStorage.setItem(OPS_TOKEN_KEY, token.trim());
      response = await fetchApi(path);
    }
  }
  const body = await response.json().catch(() => null);
  if (body?.error) {
    throw new ApiFailure(body.error.category ?? 'internal', body.error.message ?? `HTTP ${response.status}`, response.status);
  }
  if (body === null || typeof body !== 'object') {
    throw new ApiFailure('internal', `Unexpected response (HTTP ${response.status})`, response.status);
  }
  return body; // health answers 503 with its JSON when unhealthy: still data to show
}

// ---- panels: one endpoint each, keeping the last good data when a refresh fails ----

export class Panel {
  #seq = 0;

  constructor({ path, render, errorElement, root = null, clear = null }) {
    this.path = path;
    this.render = render;
    this.errorElement = errorElement;
    this.root = root;
    this.clear = clear;
    this.lastGoodAt = 0;
    this.failure = null;
  }

  /** Forget what is shown (e.g. the currency changed) so a failure cannot leave it on screen. */
  reset() {
    this.#seq++;
    this.lastGoodAt = 0;
    this.failure = null;
    this.clear?.();
    if (this.root) delete this.root.dataset.outdated;
  }

  /** Resolves true when the data arrived (or the request was superseded), false on failure. */
  async refresh() {
    const seq = ++this.#seq;
    try {
      const data = await getJson(this.path());
      if (seq !== this.#seq) return true;
      this.lastGoodAt = Date.now();
      this.failure = null;
      if (this.errorElement) hideFailure(this.errorElement);
      if (this.root) delete this.root.dataset.outdated;
      await this.render(data);
      if (this.root) labelStackedTables(this.root);
      return true;
    } catch (failure) {
      if (seq !== this.#seq) return true;
      if (!(failure instanceof ApiFailure)) console.error('dashboard: rendering failed', failure);
      this.failure = failure;
      if (!this.lastGoodAt) this.clear?.();
      if (this.errorElement) showFailure(this.errorElement, failure, this.lastGoodAt);
      if (this.root && this.lastGoodAt) this.root.dataset.outdated = 'true';
      return false;
    }
  }
}
