# OreGuard: build, then a slim runtime image. Besides the server (the default command), it runs
# every documented command from dist/: npm run cli -- …, npm run db:migrate, npm run
# gateways:mosquitto, npm run evidence:verify, npm run rules:backtest, npm run migration:run
# (test/deploy/docker-image.spec.ts rebuilds it from its COPY lines and checks each one).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
COPY scripts ./scripts
COPY bench ./bench
COPY console ./console
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY rules ./rules
COPY package.json ./
# The retention job's archives (ARCHIVE_DIR): a directory the runtime user owns, to mount a volume on.
RUN mkdir -p /var/lib/oreguard/archive && chown node:node /var/lib/oreguard/archive
ENV ARCHIVE_DIR=/var/lib/oreguard/archive
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/api/v1/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
