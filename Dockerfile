# syntax=docker/dockerfile:1
# Buntime as one compiled binary (`npm run build:bin`) on a small Debian image, run as a user of
# its own. docs/cluster.md#kubernetes runs it; test/container.test.ts checks this file against
# the repository (what it copies exists, what it runs is built).

# --- build: the workspaces' dependencies, then `bun build --compile` (bun comes from npm) ---
FROM node:22-bookworm-slim AS build
WORKDIR /src
# The manifests first: `npm ci` stays cached until a dependency changes.
COPY package.json package-lock.json ./
COPY sdk/package.json sdk/package.json
COPY server/package.json server/package.json
COPY emulator/package.json emulator/package.json
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY sdk sdk
COPY server server
RUN npm run build:bin

# --- runtime: the binary alone; no compiler, no npm, no shell tools it needs ---
FROM debian:bookworm-slim
# tini as PID 1: it reaps what apps' processes leave orphaned and passes signals on.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 buntime \
 && useradd --system --uid 10001 --gid buntime --home-dir /var/lib/buntime --shell /usr/sbin/nologin buntime \
 && mkdir -p /var/lib/buntime/apps /var/lib/buntime/data /etc/buntime \
 && chown -R buntime:buntime /var/lib/buntime
COPY --from=build /src/dist/buntime /usr/local/bin/buntime
# APPS_DIR is this node's cache of the store (docs/cluster.md); BUNTIME_DATA_DIR its state.
ENV PORT=8000 \
    HOST=0.0.0.0 \
    APPS_DIR=/var/lib/buntime/apps \
    BUNTIME_DATA_DIR=/var/lib/buntime/data
WORKDIR /var/lib/buntime
USER 10001:10001
EXPOSE 8000
# No curl in the image: the binary asks its own /_/health (`buntime health`, exit 0 when 200).
HEALTHCHECK --interval=10s --timeout=6s --start-period=10s --retries=3 CMD ["/usr/local/bin/buntime", "health"]
# Exec form, no shell: the binary's supervisor is the first process of ours to hold the
# environment (docs/security.md), and SIGTERM reaches it through tini.
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/buntime"]
CMD ["start"]
