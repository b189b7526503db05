// DOM helpers shared by the dashboard's views: elements, status badges, failures, times and
// ages that tick between refreshes, and tables that stack on narrow screens.
import { formatDuration, formatNumber, formatTime, HS_PER_EHS, isNumber } from './format.js';

export const byId = (id) => document.getElementById(id);

export function el(tag, text = '', className = '') {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== '') element.textContent = text;
  return element;
}

export function cell(text, className = '') {
  return el('td', text, className);
}

export function rowHeader(text) {
  const th = el('th', text);
  th.scope = 'row';
  return th;
}

export function statusBadge(status, text = status) {
  const badge = el('span', String(text).replaceAll('_', ' '), 'status');
  badge.dataset.status = status;
  return badge;
}

export function setStatus(element, status) {
  element.textContent = String(status).replaceAll('_', ' ');
  element.dataset.status = status;
}

export function emptyRow(tbody, columns, text) {
  const td = cell(text, 'empty');
  td.colSpan = columns;
  tbody.replaceChildren(document.createElement('tr'));
  tbody.rows[0].append(td);
}

export function showFailure(element, failure, lastGoodAt = 0) {
  const parts = [el('span', failure.category ?? 'internal', 'category'), el('span', failure.message)];
  if (lastGoodAt) parts.push(el('span', ` — showing data received at ${new Date(lastGoodAt).toLocaleTimeString()}`, 'outdated-note'));
  element.replaceChildren(...parts);
  element.hidden = false;
}

export function hideFailure(element) {
  element.hidden = true;
  element.replaceChildren();
}

export function setTime(element, ms) {
  element.textContent = formatTime(ms);
  if (isNumber(ms)) element.dateTime = new Date(ms).toISOString();
  else element.removeAttribute('datetime');
}


/** Hashrate in EH/s (the API gives H/s), with the unit spelled out for assistive tech. */
export function hashrateNode(hashrateHs) {
  const wrapper = document.createDocumentFragment();
  if (!isNumber(hashrateHs)) {
    wrapper.append('—');
    return wrapper;
  }
  const unit = el('abbr', 'EH/s');
  unit.title = 'exahashes per second (10¹⁸ hashes per second)';
  wrapper.append(`${formatNumber(hashrateHs / HS_PER_EHS, 1)} `, unit);
  return wrapper;
}

// ---- ages that tick between refreshes ----

/** Shows `ageMs` now and keeps it growing every second until replaced. */
export function setAge(element, ageMs) {
  if (!isNumber(ageMs)) {
    element.textContent = '—';
    delete element.dataset.ageMs;
    return;
  }
  element.dataset.ageMs = String(ageMs);
  element.dataset.receivedAt = String(Date.now());
  element.classList.add('ticking-age');
  renderAge(element);
}

function renderAge(element) {
  const base = Number(element.dataset.ageMs);
  const receivedAt = Number(element.dataset.receivedAt);
  if (!Number.isFinite(base)) return;
  element.textContent = formatDuration(base + (Date.now() - receivedAt));
}

export function tickAges() {
  for (const element of document.querySelectorAll('.ticking-age[data-age-ms]')) renderAge(element);
}

// ---- tables that stack into one block per row on narrow screens ----

/**
 * Gives each cell its column's name (shown before the value when the row is stacked) and the
 * table roles explicitly, since changing a table's CSS display can drop its semantics.
 */
export function labelStackedTables(root) {
  for (const table of root.querySelectorAll('table.stack-narrow')) {
    const headers = [...(table.tHead?.rows[0]?.cells ?? [])].map((th) => th.textContent.trim());
    table.setAttribute('role', 'table');
    for (const group of [table.tHead, ...table.tBodies]) group?.setAttribute('role', 'rowgroup');
    for (const row of table.rows) {
      row.setAttribute('role', 'row');
      [...row.cells].forEach((tableCell, index) => {
        const inHead = row.parentElement === table.tHead;
        tableCell.setAttribute('role', inHead ? 'columnheader' : tableCell.tagName === 'TH' ? 'rowheader' : 'cell');
        if (!inHead && headers[index]) tableCell.dataset.label = headers[index];
      });
    }
  }
}
