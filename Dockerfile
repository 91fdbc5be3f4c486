# Smart Home Cloud — production image. Not built in CI (no Docker engine there); see README "Deployment".
# The build stage installs everything, type-checks the whole tree and compiles src/ to dist/; the runtime stage gets
# dist/ and production dependencies only (no TypeScript, no tsx).

# --- build: all dependencies from the lock file, type-check, compile, then drop the dev dependencies ---
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` (the build) needs the sources, which are not copied yet, so it runs explicitly below;
# the only other install scripts are esbuild's (a dev dependency, for tsx) and protobufjs's (a version warning).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The type-check covers the tests and benchmarks too (as in CI); they stay out of the runtime stage.
COPY test ./test
COPY bench ./bench
COPY vitest.config.ts ./
RUN npm run typecheck && npm run build && npm prune --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime ---
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=8000 \
    HOST=0.0.0.0 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json package-lock.json ./
COPY --chown=node:node bin ./bin
# DATA_DIR is only used without DATABASE_URL (embedded PGlite read models); owned by the unprivileged user.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/smarthome-cloud.js"]
CMD ["serve"]
