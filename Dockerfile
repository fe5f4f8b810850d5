# signalbox on Node 20. Debian, not Alpine: the native uWebSockets.js binary
# needs glibc (on musl it would not load, and signalbox refuses to start).
FROM node:20-bookworm-slim

# HOST and PORT keep signalbox's defaults (0.0.0.0, 5000) without being set
# here: an environment variable would win over a mounted config file's.
ENV NODE_ENV=production

WORKDIR /app
RUN chown node:node /app
USER node

# Dependencies first, so that this layer is reused while only the code changes.
# The README's install; dev dependencies (tests, type checker, benchmarks) are left out.
COPY --chown=node:node package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

COPY --chown=node:node . .

EXPOSE 5000
# The load balancers' check: 200 while the process accepts work, 503 while it stops.
# It asks PORT (default 5000) on loopback: set the port with -e PORT, not in a config file.
HEALTHCHECK --interval=10s --timeout=3s \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 5000) + '/__lbheartbeat__').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"

# What `npm start` runs, without npm: node is PID 1 and gets docker stop's
# SIGTERM itself, then stops within 10 s (test/npm-start.test.ts checks both).
CMD ["node", "--import", "tsx", "--max-semi-space-size=4", "src/main.ts"]
