#!/usr/bin/env bash
# Installs what the browser tests need on a fresh machine: Debian's chromium (no browser download)
# and the axe-core npm package (into .cache/npm). Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "Chromium is missing and I can't install it (not root, no sudo): apt-get install chromium" >&2
    exit 1
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
if [ ! -f .cache/npm/node_modules/axe-core/axe.min.js ]; then
  if command -v npm >/dev/null; then
    mkdir -p .cache/npm
    npm install --silent --no-audit --no-fund --prefix .cache/npm axe-core@4 >/dev/null
  else
    echo "npm is missing: axe-core accessibility checks need Node.js/npm" >&2
    exit 1
  fi
fi
