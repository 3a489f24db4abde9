#!/usr/bin/env bash
# System packages the tests need, installed only when missing (CI runs as root).
set -euo pipefail
need=()
# (filled as tests need more: e.g. promtool from the `prometheus` package)
if [ "${#need[@]}" -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
