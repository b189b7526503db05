#!/usr/bin/env bash
# Builds the native core + GoogleTest suites (build/native) and the WASM module
# (wasm/dist/bitcoin-ltl.{mjs,wasm} and the catalogue it publishes, wasm/dist/catalogue.js) and copies uPlot into web/vendor/.
# Usage: scripts/build.sh [native|wasm|vendor|all]
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:-all}"
jobs="$(nproc 2>/dev/null || echo 2)"

build_native() {
  cmake -S . -B build/native -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build/native -j "$jobs"
}

build_wasm() {
  # Debian's emscripten finds acorn and friends only through NODE_PATH.
  export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
  emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=MinSizeRel >/dev/null
  cmake --build build/wasm -j "$jobs"
  # The core's catalogue as a JS module for synchronous consumers (web/http/routes.js, ...).
  node scripts/catalogue.mjs wasm/dist
}

# uPlot's browser build and stylesheet, copied into the package (web/vendor/, not committed) so
# the worker imports them by a path inside the package wherever npm puts the dependency.
vendor() {
  local from
  from="$(node -e "console.log(require('path').dirname(require.resolve('uplot/package.json')))")/dist"
  mkdir -p web/vendor/uplot
  cp "$from/uPlot.iife.min.js" "$from/uPlot.min.css" web/vendor/uplot/
}

case "$target" in
  native) build_native ;;
  wasm) build_wasm; vendor ;;
  vendor) vendor ;;
  all) build_native; build_wasm; vendor ;;
  *) echo "usage: scripts/build.sh [native|wasm|vendor|all]" >&2; exit 2 ;;
esac
