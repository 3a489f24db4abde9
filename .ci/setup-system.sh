#!/usr/bin/env bash
# System packages the tests need, installed only when missing (CI runs as root).
set -euo pipefail
need=()
command -v promtool >/dev/null || need+=(prometheus)   # promtool checks /_/metrics/prometheus
if [ "${#need[@]}" -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
