// The dashboard's files as the edge front serves them: imported as text (wrangler.jsonc and
// scripts/serve.mjs have the module rules), mapped by ../http/assets.js. uPlot's two files are
// copied into web/vendor/ by scripts/build.sh, so no import reaches into node_modules.
import dashboardHtml from '../dashboard/index.html';
import dashboardScript from '../dashboard/dashboard.js';
import dashboardStyles from '../dashboard/dashboard.css';
import dashboardApi from '../dashboard/api.js';
import dashboardCharts from '../dashboard/charts.js';
import dashboardDom from '../dashboard/dom.js';
import dashboardFormat from '../dashboard/format.js';
import dashboardHealth from '../dashboard/health.js';
import dashboardOverview from '../dashboard/overview.js';
import dashboardPerformance from '../dashboard/performance.js';
import uplotScript from '../vendor/uplot/uPlot.iife.min.js';
import uplotStyles from '../vendor/uplot/uPlot.min.css';
import { assetMap } from '../http/assets.js';

const TEXTS = {
  'dashboard/index.html': dashboardHtml,
  'dashboard/dashboard.js': dashboardScript,
  'dashboard/dashboard.css': dashboardStyles,
  'dashboard/api.js': dashboardApi,
  'dashboard/charts.js': dashboardCharts,
  'dashboard/dom.js': dashboardDom,
  'dashboard/format.js': dashboardFormat,
  'dashboard/health.js': dashboardHealth,
  'dashboard/overview.js': dashboardOverview,
  'dashboard/performance.js': dashboardPerformance,
  'vendor/uplot/uPlot.iife.min.js': uplotScript,
  'vendor/uplot/uPlot.min.css': uplotStyles,
};

export const ASSETS = assetMap((file) => TEXTS[file]);
