// Types equal run time: the fields of real answers (WASM build against the simulator) against the
// fields web/index.d.ts declares for them, read with the TypeScript compiler API. A field the
// answer has but the type lacks, or a required field the answer lacks, fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

import { useManualSimulator, until } from '../support/simulated.mjs';

const INDEX_DTS = fileURLToPath(new URL('../../../web/index.d.ts', import.meta.url));
const { client } = useManualSimulator(5);

const declared = (() => {
  const program = ts.createProgram([INDEX_DTS], {
    strict: true, noEmit: true, target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  });
  const errors = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  assert.deepEqual(errors, [], 'web/index.d.ts compiles');
  const checker = program.getTypeChecker();
  const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(INDEX_DTS)));
  const typeOf = (name) => {
    const symbol = exports.find((e) => e.name === name);
    assert.ok(symbol, `web/index.d.ts exports ${name}`);
    return checker.getDeclaredTypeOfSymbol(symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);
  };
  const fields = (type) => Object.fromEntries(checker.getPropertiesOfType(type)
    .map((p) => [p.name, { optional: Boolean(p.flags & ts.SymbolFlags.Optional), type: checker.getTypeOfSymbol(p) }]));
  return {
    /**
     * { field: { optional, type } } of an exported type, or of a path in it: a property name,
     * '[]' (array element), '()' (return type), 'await' (promised type); e.g. ('LtlEvents', 'config').
     */
    of(name, ...path) {
      let type = typeOf(name);
      for (const key of path) {
        if (key === '[]') type = type.getNumberIndexType();
        else if (key === '()') type = type.getCallSignatures()[0].getReturnType();
        else if (key === 'await') type = checker.getAwaitedType(type);
        else type = fields(type)[key].type;
        assert.ok(type, `${name}: no type at ${path.join('.')}`);
        type = checker.getNonNullableType(type);
      }
      return fields(type);
    },
  };
})();

/** Asserts `value`'s own keys equal the declared fields (optional ones may be absent). */
function assertShape(value, shape, what) {
  assert.equal(typeof value, 'object', `${what}: an object`);
  const keys = Object.keys(value);
  const undeclared = keys.filter((k) => !(k in shape));
  const missing = Object.entries(shape).filter(([k, f]) => !f.optional && !keys.includes(k)).map(([k]) => k);
  assert.deepEqual({ undeclared, missing }, { undeclared: [], missing: [] }, `${what}: run-time keys vs declared fields`);
}

test('every route answer has exactly the fields its type declares (provenance included)', async () => {
  const ltl = await client();
  try {
    const routes = Object.keys(declared.of('RouteAnswers'));
    assert.deepEqual(routes.sort(), ['blocks', 'difficulty', 'fees', 'hashrate', 'market', 'mempool', 'network', 'price', 'sentiment', 'tip']);
    for (const route of routes) {
      const answer = await ltl.request(route);
      assertShape(answer, declared.of('RouteAnswers', route), route);
      if (route !== 'network') {
        const shape = declared.of('RouteAnswers', route);
        assert.deepEqual(Object.keys(declared.of('Provenance')).filter((k) => !(k in shape)), [], `${route} declares every provenance field`);
      }
    }
    const network = await ltl.network();
    for (const part of ['tip', 'fees', 'mempool', 'difficulty', 'hashrate']) assertShape(network[part], declared.of('RouteAnswers', part), `network.${part}`);
    assertShape((await ltl.blocks()).blocks[0], declared.of('BlockSummary'), 'blocks[0]');
    assertShape((await ltl.market('usd')).providers[0], declared.of('Market', 'providers', '[]'), 'market.providers[0]');
  } finally {
    ltl.close();
  }
});

test('health, alerts and events as declared', async () => {
  const ltl = await client();
  try {
    assertShape(await ltl.health(), declared.of('Health'), 'health()');
    assertShape(await ltl.alerts(), declared.of('LtlClient', 'alerts', '()', 'await'), 'alerts()');
    const events = [];
    ltl.on('config', (event) => events.push(event));
    await ltl.updateConfig({ CACHE_TTL_PRICE: 12000 });
    await until(() => events.length === 1, 'the config event');
    assertShape(events[0], declared.of('LtlEvents', 'config'), 'config event');
  } finally {
    ltl.close();
  }
});

test('subscribe(topic) delivers the declared payload per topic (polled here: Node without a WebSocket)', async () => {
  const ltl = await client({}, { WebSocket: null });
  const stops = [];
  try {
    for (const topic of ['blocks', 'fees', 'mempool', 'price']) {
      const updates = [];
      stops.push(ltl.subscribe(topic, (update) => updates.push(update)));
      const [update] = await until(() => updates.length > 0 && updates, `a ${topic} update`);
      assertShape(update, declared.of('RealtimeUpdate'), `${topic} update`);
      assert.equal(update.source, 'polling');
      assertShape(update.data, declared.of('TopicData', topic), `${topic} data`);
    }
  } finally {
    for (const stop of stops) stop();
    ltl.close();
  }
});
