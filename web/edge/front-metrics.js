// The front's own counters (per isolate, values only): where answers came from and how the
// coordinator calls went. Appended to the coordinator's Prometheus text, and shown in health.
const ANSWER_SOURCES = ['memory', 'cache-api', 'kv', 'origin', 'stale', 'negative'];
const CALL_RESULTS = ['ok', 'error', 'timeout'];
// Seconds: a same-colo Durable Object call is ~1 ms, a far one 100+ ms, a cold origin seconds.
const CALL_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const answers = new Map(ANSWER_SOURCES.map((source) => [source, 0]));
const calls = new Map(CALL_RESULTS.map((result) => [result, 0]));
const callBuckets = new Array(CALL_BUCKETS.length).fill(0);
let callSum = 0;
let callCount = 0;

export function recordAnswer(source) {
  if (answers.has(source)) answers.set(source, answers.get(source) + 1);
}

/** A finished coordinator call (`ms` measured), or a timeout (the call goes on unmeasured). */
export function recordCoordinatorCall(result, ms) {
  calls.set(result, calls.get(result) + 1);
  if (ms === undefined) return;
  const seconds = ms / 1000;
  callSum += seconds;
  callCount++;
  for (let i = 0; i < CALL_BUCKETS.length; i++) if (seconds <= CALL_BUCKETS[i]) callBuckets[i]++;
}

export function frontState({ mode, cacheApi, tier }) {
  return {
    mode,
    answers: Object.fromEntries(answers),
    coordinator_calls: Object.fromEntries(calls),
    cache_api: cacheApi,
    memory: tier ? tier.stats() : null,
  };
}

/** This isolate's front families in the exposition's format (counters' TYPE lines differ). */
function frontMetricsText(format) {
  const counter = (name) => (format === 'openmetrics' ? name.replace(/_total$/, '') : name);
  const lines = [
    `# HELP ${counter('ltl_front_answers_total')} Data answers of this front isolate by where they came from.`,
    `# TYPE ${counter('ltl_front_answers_total')} counter`,
    ...ANSWER_SOURCES.map((source) => `ltl_front_answers_total{source="${source}"} ${answers.get(source)}`),
    `# HELP ${counter('ltl_front_coordinator_calls_total')} Calls from this front isolate to the coordinator by result.`,
    `# TYPE ${counter('ltl_front_coordinator_calls_total')} counter`,
    ...CALL_RESULTS.map((result) => `ltl_front_coordinator_calls_total{result="${result}"} ${calls.get(result)}`),
    '# HELP ltl_front_coordinator_call_seconds Latency of finished coordinator calls from this front isolate.',
    '# TYPE ltl_front_coordinator_call_seconds histogram',
    ...CALL_BUCKETS.map((bound, i) => `ltl_front_coordinator_call_seconds_bucket{le="${bound}"} ${callBuckets[i]}`),
    `ltl_front_coordinator_call_seconds_bucket{le="+Inf"} ${callCount}`,
    `ltl_front_coordinator_call_seconds_sum ${callSum}`,
    `ltl_front_coordinator_call_seconds_count ${callCount}`,
  ];
  return lines.join('\n') + '\n';
}

/** The coordinator's exposition with this isolate's families added (before OpenMetrics' # EOF). */
export function withFrontMetrics(text, format = 'prometheus') {
  const front = frontMetricsText(format);
  if (format !== 'openmetrics') return text + front;
  const eof = text.lastIndexOf('# EOF');
  return eof < 0 ? text + front : text.slice(0, eof) + front + text.slice(eof);
}
