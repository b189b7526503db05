#!/usr/bin/env bash
# Builds the libFuzzer targets in tests/fuzz/ (one per parser family) with ASan + UBSan, seeds each
# from its provider's fixtures and runs it for a while.
#   scripts/fuzz.sh [seconds_per_target=3]      (FUZZ_SEED=n fixes the random seed)
# Prints "fuzz <name>: ok (<runs> runs)" or "fuzz <name>: FAILED" per target; exits non-zero when
# any target crashed, leaked or broke an invariant (the input is kept under build/fuzz/artifacts/).
# Needs clang++ (clang-14 on Debian 12) and its libFuzzer runtime, Debian package libclang-rt-14-dev.
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-3}
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/fuzz.sh [seconds_per_target=3]  (a positive whole number of seconds)" >&2
  exit 2
fi

cxx=""
for candidate in clang++-14 clang++; do
  if command -v "$candidate" >/dev/null 2>&1; then cxx=$candidate; break; fi
done
if [ -z "$cxx" ]; then
  echo "fuzz: clang++ not found (Debian: apt-get install clang-14 libclang-rt-14-dev)" >&2
  exit 2
fi

out=build/fuzz
mkdir -p "$out/obj" "$out/bin" "$out/corpus" "$out/artifacts"
sanitize=(-fsanitize=address,undefined -fno-sanitize-recover=all)
cxxflags=(-std=c++20 -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Werror -Isrc -Itests/fuzz)

# libFuzzer's runtime ships separately from the compiler on Debian: check it before building.
probe_src="$out/obj/probe.cpp"
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' >"$probe_src"
if ! "$cxx" -fsanitize=fuzzer "$probe_src" -o "$out/obj/probe" 2>"$out/obj/probe.log"; then
  echo "fuzz: $cxx cannot link libFuzzer (Debian: apt-get install libclang-rt-14-dev)" >&2
  sed -n 1,5p "$out/obj/probe.log" >&2
  exit 2
fi

# Rebuild an output when it is missing or older than any of its inputs (sources and headers).
headers=$(find src/core src/data tests/fuzz -name '*.h')
stale() {
  local target=$1; shift
  [ -f "$target" ] || return 0
  local input
  for input in "$@" $headers; do [ "$input" -nt "$target" ] && return 0; done
  return 1
}

library_sources=(src/core/error.cpp src/data/market.cpp src/data/network.cpp src/data/sentiment.cpp src/data/providers/*.cpp)
objects=()
for source in "${library_sources[@]}"; do
  object="$out/obj/$(echo "${source%.cpp}" | tr / _).o"
  objects+=("$object")
  if stale "$object" "$source"; then
    echo "fuzz: compiling $source"
    "$cxx" "${cxxflags[@]}" "${sanitize[@]}" -fsanitize=fuzzer-no-link -c "$source" -o "$object" || exit 1
  fi
done

# Target name → fixture folder it is seeded from ("" = no seeds).
declare -A seeds=(
  [mempool]=tests/fixtures/mempool
  [esplora]=tests/fixtures/esplora
  [blockchain_info]=tests/fixtures/blockchain_info
  [coinbase]=tests/fixtures/coinbase
  [kraken]=tests/fixtures/kraken
  [binance]=tests/fixtures/binance
  [coingecko]=tests/fixtures/coingecko
  [fng]=tests/fixtures/fng
  [json_fields]=""
)

failed=0
for target_source in tests/fuzz/*_fuzz.cpp; do
  name=$(basename "$target_source" _fuzz.cpp)
  target_object="$out/obj/${name}_fuzz.o"
  binary="$out/bin/${name}_fuzz"
  if stale "$target_object" "$target_source"; then
    echo "fuzz: compiling $target_source"
    if ! "$cxx" "${cxxflags[@]}" "${sanitize[@]}" -fsanitize=fuzzer-no-link -c "$target_source" -o "$target_object"; then
      echo "fuzz $name: FAILED (build)"
      failed=1
      continue
    fi
  fi
  if stale "$binary" "$target_object" "${objects[@]}"; then
    "$cxx" "${sanitize[@]}" -fsanitize=fuzzer "$target_object" "${objects[@]}" -o "$binary" || {
      echo "fuzz $name: FAILED (link)"
      failed=1
      continue
    }
  fi
  corpus="$out/corpus/$name"
  mkdir -p "$corpus"
  seed_dir=${seeds[$name]-}
  log="$out/$name.log"
  # New inputs go to the working corpus; the fixtures are only read.
  # FUZZ_SEED fixes libFuzzer's random seed (npm test uses one, so its short run is repeatable).
  "$binary" -max_total_time="$seconds" ${FUZZ_SEED:+-seed="$FUZZ_SEED"} -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 \
    -artifact_prefix="$out/artifacts/${name}-" "$corpus" ${seed_dir:+"$seed_dir"} >"$log" 2>&1
  status=$?
  runs=$(sed -nE 's/^Done ([0-9]+) runs in .*/\1/p' "$log" | tail -1)
  if [ "$status" -eq 0 ] && [ -n "$runs" ]; then
    echo "fuzz $name: ok ($runs runs)"
  else
    echo "fuzz $name: FAILED (exit $status; see $log)"
    grep -E "ERROR: |invariant failed|SUMMARY|Test unit written" "$log" | head -5 | sed 's/^/  /'
    failed=1
  fi
done
exit "$failed"
