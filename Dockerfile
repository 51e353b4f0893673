# Statecraft operator image. Multi-stage: production dependencies only, the TypeScript source run by Node 24's type
# stripping from a compile cache (bin/statecraft.js fills it on first start in the writable /tmp), a non-root user,
# and a root filesystem that may be mounted read-only (the chart does). The database client tools the operator
# runs (mariadb-dump for seeding replicas and backups, pg_basebackup/pg_rewind for rebuilding standbys) are
# included. Nothing at run time needs a shell.
#
# Type-stripped source from the compile cache rather than tsc-emitted JavaScript: measured side by side on the
# 2-core dev machine (`statecraft run --help`, which loads every controller; 3 runs each, load average ~11):
# compile cache 0.58-0.89 s / 86 MB max RSS, tsc-emitted JS 0.77-1.37 s / 83 MB, type stripping without the cache
# 1.43-2.31 s / 113 MB. The cache is as fast as emitted JS without a build step; emitted JS saves ~3 MB.
#
#   docker build -t ghcr.io/statecraft-dev/statecraft:0.1.0 .
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev drops the node@24 devDependency and the type checker: the image's own Node 24 runs the source
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends mariadb-client postgresql-client \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
COPY deploy/crds ./deploy/crds
ENV NODE_ENV=production \
    NODE_COMPILE_CACHE=/tmp/node-compile-cache
# 65532: the conventional non-root "nonroot" user; the chart's securityContext runs as it too
USER 65532:65532
ENTRYPOINT ["node", "/app/bin/statecraft.js"]
CMD ["run"]
