#!/usr/bin/env bash
# Installs what a fresh machine of our kind lacks, then builds. Idempotent and quick when warm.
set -euo pipefail
cd "$(dirname "$0")/.."

# librdkafka is built from source (CKJS_LINKING=dynamic): it links against these.
pkgs=(zlib1g-dev libssl-dev libzstd-dev libcurl4-openssl-dev libsasl2-dev liblz4-dev)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
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
