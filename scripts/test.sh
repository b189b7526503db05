#!/usr/bin/env bash
# npm test: install what is missing, build native + WASM, run every suite
# (GoogleTest via ctest, Node, workerd, Chromium) and end with "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
results=build/test-results
mkdir -p "$results"

summary() {
  echo "$1 passed, $2 failed"
  [ "$2" -eq 0 ] && [ "$1" -gt 0 ]
  exit $?
}

bash scripts/setup.sh || { echo "setup failed"; summary 0 1; }
bash scripts/build.sh all || { echo "build failed"; summary 0 1; }

# Native GoogleTest suites.
(cd build/native && ctest --output-on-failure -j 2 2>&1) | tee "$results/ctest.log" | grep -vE '^\s+(Start|[0-9]+/[0-9]+ Test)' 
native_total=$(sed -nE 's/.* tests failed out of ([0-9]+)/\1/p' "$results/ctest.log" | tail -1)
native_failed=$(sed -nE 's/.* ([0-9]+) tests failed out of [0-9]+/\1/p' "$results/ctest.log" | tail -1)
native_total=${native_total:-0}
native_failed=${native_failed:-1}

# Fuzzing: every parser family briefly with a fixed seed, so the run is repeatable
# (scripts/fuzz.sh N explores longer with random seeds); one result per target.
FUZZ_SEED=1 bash scripts/fuzz.sh 2 2>&1 | tee "$results/fuzz.log" | grep -E '^fuzz '
fuzz_passed=$(grep -cE '^fuzz .*: ok' "$results/fuzz.log")
fuzz_failed=$(grep -cE '^fuzz .*: FAILED' "$results/fuzz.log")
# A fuzz run that could not build or start counts as a failure.
[ "$fuzz_passed" -eq 0 ] && [ "$fuzz_failed" -eq 0 ] && fuzz_failed=1

# JS suites: Node (package + simulator), workerd (Miniflare), Chromium (playwright-core).
mapfile -t js_tests < <(find tests/js -name '*.test.mjs' | sort)
node --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$results/node.tap" \
  "${js_tests[@]}" 2>&1 | tee "$results/js.log"
js_status=${PIPESTATUS[0]}
js_passed=$(sed -nE 's/^# pass ([0-9]+)$/\1/p' "$results/node.tap" | tail -1)
js_failed=$(sed -nE 's/^# fail ([0-9]+)$/\1/p' "$results/node.tap" | tail -1)
js_passed=${js_passed:-0}
js_failed=${js_failed:-0}
# A runner that crashed without reporting counts as a failure.
[ "$js_status" -ne 0 ] && [ "$js_failed" -eq 0 ] && js_failed=1
# workerd's warning that a promise crossed request contexts is a failure wherever it appears.
context_warnings=$(grep -c "different request context" "$results/js.log")
if [ "$context_warnings" -gt 0 ]; then
  echo "workerd printed \"different request context\" $context_warnings times (see $results/js.log)"
  js_failed=$((js_failed + 1))
fi

echo
echo "native (ctest): $((native_total - native_failed)) passed, $native_failed failed"
echo "fuzz (libFuzzer): $fuzz_passed passed, $fuzz_failed failed"
echo "js (node --test): $js_passed passed, $js_failed failed"
summary $((native_total - native_failed + fuzz_passed + js_passed)) $((native_failed + fuzz_failed + js_failed))
