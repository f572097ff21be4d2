#!/usr/bin/env bash
# Prepare a Debian 12 machine for `npm test`.
#
# Steps:
#   1. Run scripts/setup-lavapipe.sh, which sets up Mesa's CPU Vulkan driver for
#      the WebGPU tests that run in Node (test/gpu).
#   2. Install Debian's `chromium` package with apt-get, unless it is already
#      installed. The end-to-end tests (test/e2e) drive it headless through
#      playwright-core, with WebGPU on SwiftShader, the CPU Vulkan driver that
#      the package ships in /usr/lib/chromium.
#
# The script is idempotent. It needs root only when it installs packages, and
# runs `apt-get update` only when apt has no candidate for a missing package or
# an install fails on stale package lists.

set -euo pipefail

readonly CHROMIUM_PACKAGE=chromium
# The binary that test/e2e/browser-harness.ts launches by default.
readonly CHROMIUM_BINARY=/usr/lib/chromium/chromium

log() {
  printf 'setup-test-machine: %s\n' "$*"
}

fail() {
  printf 'setup-test-machine: error: %s\n' "$*" >&2
  exit 1
}

usage() {
  cat <<'EOF'
Usage: bash scripts/setup-test-machine.sh [--refresh]

Runs scripts/setup-lavapipe.sh, then installs Debian's chromium package for the
end-to-end tests unless it is already installed.

Options:
  --refresh   passed to setup-lavapipe.sh: download mesa-vulkan-drivers again
  -h, --help  print this help
EOF
}

lavapipe_args=()
while (($# > 0)); do
  case "$1" in
    --refresh) lavapipe_args+=(--refresh) ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      usage >&2
      fail "unknown argument: $1"
      ;;
  esac
  shift
done

repo_root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/apt-install.sh
. "$repo_root/scripts/apt-install.sh"

# --- 1. lavapipe ---------------------------------------------------------------

bash "$repo_root/scripts/setup-lavapipe.sh" "${lavapipe_args[@]}"

# --- 2. chromium ---------------------------------------------------------------

# Recommends bring only the setuid sandbox (chromium-sandbox), which headless runs
# with --no-sandbox do not use; install_missing_packages leaves them out.
install_missing_packages "bash scripts/setup-test-machine.sh" "$CHROMIUM_PACKAGE"

[[ -x "$CHROMIUM_BINARY" ]] || fail "$CHROMIUM_BINARY not found after installing $CHROMIUM_PACKAGE"
version=$("$CHROMIUM_BINARY" --version 2>&1 | sed 's/[[:space:]]*$//') || fail "$CHROMIUM_BINARY --version failed: $version"
log "$version at $CHROMIUM_BINARY"
log "done"
