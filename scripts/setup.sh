#!/usr/bin/env bash
# Installs what a fresh machine of our kind lacks, then builds. Idempotent and quick when warm.
set -euo pipefail
cd "$(dirname "$0")/.."

# librdkafka is built from source (CKJS_LINKING=dynamic): it links against these.
pkgs=(zlib1g-dev libssl-dev libzstd-dev libcurl4-openssl-dev libsasl2-dev liblz4-dev)
# Prometheus and promtool: `stack up --monitoring` runs it, the alert rule tests run promtool.
# HAProxy: `cashflow serve --instances N` puts it in front of the API processes (the package's
# own service has no frontend in its default configuration: it holds no port).
# Without recommends: the stack starts its own Prometheus and HAProxy, no node exporter is wanted.
lean=(prometheus haproxy)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
missing_lean=()
for p in "${lean[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing_lean+=("$p"); done
if [ ${#missing[@]} -gt 0 ] || [ ${#missing_lean[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]} ${missing_lean[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  if [ ${#missing[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if [ ${#missing_lean[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing_lean[@]}" >/dev/null
    # the package's own service (user prometheus) must not hold port 9090 where an init
    # system started it: the stack runs its own, with its own configuration and data
    if pgrep -u prometheus -x prometheus >/dev/null 2>&1; then
      if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now prometheus >/dev/null 2>&1 || true
      else $SUDO service prometheus stop >/dev/null 2>&1 || true; fi
    fi
  fi
fi

# npm ci only when the lock file changed since the last install.
stamp=node_modules/.cashflow-lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "setup: npm ci (builds librdkafka, about a minute)" >&2
  CKJS_LINKING=dynamic npm ci --no-audit --no-fund
  cp package-lock.json "$stamp"
fi

echo "setup: build" >&2
npm run --silent build
