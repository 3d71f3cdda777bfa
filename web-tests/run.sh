#!/usr/bin/env bash
# Browser tests of the widget, agent desktop and supervisor dashboard: builds the
# switchyard binary, installs playwright-core and Debian's Chromium when missing, and
# runs the tests with node's built-in runner. Fails (never skips) when anything is missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

echo "==> building switchyard"
(cd "$root" && cargo build -p switchyard-server --bin switchyard)
export SWITCHYARD_BIN="$CARGO_TARGET_DIR/debug/switchyard"

apt_install() {
  apt-get install -y "$@" || { apt-get update && apt-get install -y "$@"; }
}
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "==> installing node and npm"
  apt_install nodejs npm
fi
if [ ! -d "$here/node_modules/playwright-core" ]; then
  echo "==> npm ci"
  (cd "$here" && npm ci --no-audit --no-fund)
fi
if [ ! -x /usr/bin/chromium ]; then
  echo "==> installing chromium"
  apt_install chromium || true
fi
if [ ! -x /usr/bin/chromium ]; then
  echo "FATAL: /usr/bin/chromium is missing and could not be installed; browser tests cannot run" >&2
  exit 1
fi

mkdir -p "$root/test-artifacts"
echo "==> node --test (screenshots in test-artifacts/)"
cd "$here"
node --test --test-concurrency=1 tests/
