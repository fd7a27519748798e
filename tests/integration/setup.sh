#!/usr/bin/env bash
# Installs what `make test-integration` needs on this machine; safe to run again (it skips what
# is already there). Called by `make test-integration` before pytest.
#
# - Debian's `prometheus` package (Prometheus 2.42 + promtool): tests/deploy's promtool checks and
#   the live "dashboards return data" test. Without apt-get, or when the install fails, those
#   tests skip and say why; this script does not fail the run for it.
#
# - Arize Phoenix in its own virtualenv: phoenix_setup.sh beside this script (its own rules).
#
# - llama.cpp's server (xllamacpp) and SmolLM2-135M in their own virtualenv and cache:
#   llama_setup.sh beside this script (test_llama_server.py and `make bench`).
#
# Uses sudo only when not root.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

log() { printf 'setup: %s\n' "$*" >&2; }

install_prometheus() {
  if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
    return 0
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    log "no apt-get: install Prometheus 2.x (prometheus and promtool) yourself; those tests skip"
    return 0
  fi
  # The package's service must not start: it would take port 9090 from `make stack-up`'s
  # Prometheus (the tests use their own free ports). policy-rc.d exit 101 = "do not start";
  # created only if absent, and removed afterwards.
  local policy=/usr/sbin/policy-rc.d
  local made_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 755 "$policy"
    made_policy=1
  fi
  local ok=1
  if ! apt-cache policy prometheus 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    $SUDO apt-get update -qq || ok=""
  fi
  if [ -n "$ok" ]; then
    $SUDO env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -q --no-install-recommends prometheus >/dev/null || ok=""
  fi
  if [ -n "$made_policy" ]; then
    $SUDO rm -f "$policy"
  fi
  if [ -z "$ok" ]; then
    log "could not install Debian's prometheus package; the Prometheus tests will skip"
    return 0
  fi
  # Where a service manager runs anyway (a developer's desktop), make sure it stays stopped.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
    $SUDO systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
  log "installed $(prometheus --version 2>&1 | head -n 1)"
}

install_prometheus

if [ -f "$HERE/phoenix_setup.sh" ]; then
  bash "$HERE/phoenix_setup.sh"
fi

if [ -f "$HERE/llama_setup.sh" ]; then
  bash "$HERE/llama_setup.sh"
fi
