# syntax=docker/dockerfile:1
# Node 24 LTS. Multi-stage build: compile with dev dependencies, run with production dependencies only, as a non-root user.

FROM node:24.22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The lockfile is complete for every platform, so `npm ci` installs exactly what it pins (README "Quick start").
# --ignore-scripts: the allowScripts policy in package.json denies every dependency script, whatever npm the image has.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
COPY migrations ./migrations
COPY bench ./bench
RUN npm run build

FROM node:24.22-bookworm-slim AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:24.22-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# exec form: node is PID 1 and receives SIGTERM directly (graceful shutdown).
CMD ["node", "--enable-source-maps", "dist/src/main.js"]
