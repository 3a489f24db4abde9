#!/usr/bin/env bash
# System packages the tests need, installed only when missing (CI runs as root).
# The metrics test fetches promtool itself, without root, when it is not on PATH
# (test/support/promtool.ts), so CI takes the same path as a fresh machine.
set -euo pipefail
need=()
# The cluster tests (test/cluster/) start PostgreSQL (initdb, pg_ctl) and nginx from Debian's packages.
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
# The dashboard's browser tests (test/dashboard/) drive Debian's chromium with playwright-core.
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ "${#need[@]}" -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
