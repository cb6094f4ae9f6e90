# syntax=docker/dockerfile:1
# Stowage: built with the dev dependencies, run with the production ones only, as the unprivileged `node` user.
# Node 24 LTS, pinned to the release CI's Node 24 leg tests (.ci/run); bump both together.

FROM node:24.22.3-slim AS build
# A compiler for the one native addon without a bundled prebuild (fadvise: large transfers leave the page cache,
# docs/performance-profile.md); without it the service still runs, with large files kept in the cache.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ormconfig.ts ./
COPY src ./src
COPY console ./console
# The server, then the web console into dist/console (served at /, CONSOLE_DIR).
RUN npx tsc -p tsconfig.build.json \
 && npx vite build --config console/vite.config.ts \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:24.22.3-slim
# UV_THREADPOOL_SIZE: every upload holds a libuv thread through its fsync; Node's default of 4 queues the rest.
# MALLOC_*: glibc's malloc otherwise keeps freed transfer buffers in its heaps (README, Operating).
ENV NODE_ENV=production \
    UV_THREADPOOL_SIZE=16 \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=131072 \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
# Owned by root, read-only to the service: the process can change nothing but DATA_DIR.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# DATA_DIR holds only local-driver blobs and the embedded database; with S3 + DATABASE_URL it stays empty.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
# Readiness, not liveness: healthy only while the instance can serve (compose starts nginx once replicas are). The
# slim image has no curl: Node's own fetch.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# --max-semi-space-size=4: V8 otherwise grows 16 MiB semi-spaces at start-up and keeps them (README, Operating).
CMD ["node", "--max-semi-space-size=4", "dist/src/main.js"]
