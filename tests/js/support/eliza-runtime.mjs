// A real @elizaos/core AgentRuntime for the plugin tests, without a model provider or a database
// plugin: initialize() needs a database adapter, so this gives it the few calls it makes, in memory.
import { AgentRuntime } from '@elizaos/core';

// A bad test: an adapter method the runtime calls that is not here fails loudly, naming it.
function memoryAdapter() {
  const agents = new Map();
  const rooms = new Map();
  const participants = new Map();
  const methods = {
    async init() {},
    async isReady() { return true; },
    async close() {},
    async getAgent(id) { return agents.get(id) ?? null; },
    async createAgent(agent) { agents.set(agent.id, { ...agent }); return true; },
    async updateAgent(id, agent) { agents.set(id, { ...agent }); return true; },
    async createWorld(world) { return world.id; },
    async createEntities() { return true; },
    async getRoomsByIds(ids) { return ids.map((id) => rooms.get(id)).filter(Boolean); },
    async createRooms(list) { for (const room of list) rooms.set(room.id, room); return list.map((room) => room.id); },
    async getParticipantsForRoom(roomId) { return [...(participants.get(roomId) ?? [])]; },
    async addParticipantsRoom(ids, roomId) {
      const set = participants.get(roomId) ?? new Set();
      for (const id of ids) set.add(id);
      participants.set(roomId, set);
      return true;
    },
  };
  return new Proxy(methods, {
    get(target, name) {
      if (name in target || typeof name === 'symbol' || name === 'then') return target[name];
      return () => { throw new Error(`test database adapter: ${String(name)} is not implemented`); };
    },
  });
}

/** A logger that records instead of printing, so the tests can assert on what the runtime logged. */
export function recordingLogger() {
  const entries = [];
  const logger = { level: 'debug', entries };
  for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'success', 'progress', 'log']) {
    logger[level] = (...args) => {
      const message = args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
      entries.push({ level, message });
    };
  }
  logger.clear = () => {};
  logger.child = () => logger;
  /** Entries at warn level or above. */
  logger.problems = () => entries.filter((e) => ['warn', 'error', 'fatal'].includes(e.level));
  return logger;
}

// What a runtime with no model and no embedding plugin always logs; everything else is a finding.
export const EXPECTED_WARNINGS = Object.freeze([/No TEXT_EMBEDDING model registered/]);

export const SEED_NAMES = Object.freeze([
  'centralized-config', 'cache', 'performance-monitor', 'integration', 'bitcoin-network', 'market-data', 'real-time-data',
]);

/**
 * Constructs and initializes an AgentRuntime with `plugins` and `settings` (character settings),
 * and waits for the given services. Returns { runtime, logger, settled } (settled: every
 * service's load promise, as Promise.allSettled).
 */
export async function startRuntime({ plugins, settings = {}, secrets, waitFor = SEED_NAMES }) {
  // getSetting decrypts values with SECRET_SALT and warns when it is the default; a deployment sets it.
  process.env.SECRET_SALT ??= `test-${crypto.randomUUID()}`;
  const runtime = new AgentRuntime({
    character: { name: 'LtlTestAgent', bio: ['tests the bitcoin-ltl plugin'], settings, ...(secrets ? { secrets } : {}) },
    plugins,
    adapter: memoryAdapter(),
  });
  const logger = recordingLogger();
  runtime.logger = logger;
  // registerService arms a 30 s "waiting for initialization" timer it never clears; unref it so
  // the test process can exit when the tests are done (it is harmless once init resolved).
  const realSetTimeout = globalThis.setTimeout;
  globalThis.setTimeout = (fn, ms, ...args) => {
    const timer = realSetTimeout(fn, ms, ...args);
    if (ms >= 30_000) timer.unref();
    return timer;
  };
  let initialized;
  try {
    initialized = runtime.initialize({ skipMigrations: true });
  } finally {
    globalThis.setTimeout = realSetTimeout;
  }
  // Every service's load promise, observed at once: ElizaOS rejects the one of a service that
  // fails to start, and nobody awaiting it would make that an unhandled rejection.
  const types = plugins.flatMap((plugin) => (plugin.services ?? []).map((s) => s.serviceType));
  const settled = Promise.allSettled(types.map((type) => runtime.getServiceLoadPromise(type)));
  await initialized;
  await Promise.all(waitFor.map((name) => runtime.getServiceLoadPromise(name)));
  return { runtime, logger, settled };
}

/** Warn/error entries other than the expected ones. */
export function unexpectedProblems(logger, allowed = []) {
  const patterns = [...EXPECTED_WARNINGS, ...allowed];
  return logger.problems().filter((e) => !patterns.some((p) => p.test(e.message)));
}
