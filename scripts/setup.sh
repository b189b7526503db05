#!/usr/bin/env bash
# Installs what the build and the tests need, only when missing:
# Debian packages (compilers, Emscripten, nlohmann-json, GoogleTest, Chromium, promtool) and npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(cmake g++ make emscripten nlohmann-json3-dev libgtest-dev chromium prometheus clang-14 libclang-rt-14-dev redis-server redis-tools)
missing=()
for package in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# npm ci when node_modules is absent or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi
