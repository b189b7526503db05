// The dashboard's static files: which path serves which file (relative to web/) with which
// headers. The edge front imports the files as text (web/edge/assets.js); the Node server reads
// them from the package (web/node/server.js).
const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

// The modules the dashboard's entry (/dashboard.js) imports, served under /dashboard/.
const DASHBOARD_MODULES = ['api.js', 'charts.js', 'dom.js', 'format.js', 'health.js', 'overview.js', 'performance.js'];

export const ASSET_FILES = Object.freeze([
  { path: '/', file: 'dashboard/index.html', type: 'text/html; charset=utf-8', headers: { 'content-security-policy': DASHBOARD_CSP } },
  { path: '/dashboard.js', file: 'dashboard/dashboard.js', type: 'text/javascript; charset=utf-8' },
  ...DASHBOARD_MODULES.map((name) => ({ path: `/dashboard/${name}`, file: `dashboard/${name}`, type: 'text/javascript; charset=utf-8' })),
  { path: '/dashboard.css', file: 'dashboard/dashboard.css', type: 'text/css; charset=utf-8' },
  { path: '/assets/uplot.js', file: 'vendor/uplot/uPlot.iife.min.js', type: 'text/javascript; charset=utf-8' },
  { path: '/assets/uplot.css', file: 'vendor/uplot/uPlot.min.css', type: 'text/css; charset=utf-8' },
]);

/** The path → {body, type, headers} map a front serves, given each file's text. */
export function assetMap(textOf) {
  return new Map(ASSET_FILES.map(({ path, file, type, headers = {} }) => [path, { body: textOf(file), type, headers }]));
}
