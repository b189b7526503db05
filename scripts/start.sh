#!/usr/bin/env bash
# `npm start [-- --sim] [-- --port N]`: set up the machine, rebuild the wasm when its sources
# changed, then serve the edge worker and dashboard locally (scripts/serve.mjs).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

WASM=wasm/dist/bitcoin-ltl.wasm

wasm_is_outdated() {
  [[ -f $WASM ]] || return 0
  shopt -s nullglob
  local sources=(src CMakeLists.txt wasm/*.js)
  shopt -u nullglob
  # Missing source paths are not an error here; any newer file means a rebuild.
  [[ -n $(find "${sources[@]}" -type f -newer "$WASM" -print -quit 2>/dev/null) ]]
}

if [[ -f scripts/setup.sh ]]; then
  bash scripts/setup.sh
fi

if wasm_is_outdated; then
  echo "start: building the wasm (missing or older than its sources)"
  bash scripts/build.sh wasm  # serving needs only the WASM, not the native test build
fi

[[ -f web/vendor/uplot/uPlot.iife.min.js ]] || bash scripts/build.sh vendor

exec node scripts/serve.mjs "$@"
