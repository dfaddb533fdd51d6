# Beacon command server image (used by docker-compose.yml), with mediasoup's worker built
# against Debian's libraries exactly as on a developer machine (scripts/install-mediasoup.sh),
# and Debian's ffmpeg for body-camera recording.
# The browser apps are built in a stage of their own (Vite is a development dependency).
FROM node:20-bookworm-slim AS apps
WORKDIR /app
COPY package.json package-lock.json ./
RUN MEDIASOUP_WORKER_BIN=/nonexistent npm install --no-audit --no-fund --no-save --ignore-scripts --loglevel=error
COPY tsconfig.json ./
COPY client ./client
COPY server ./server
COPY config ./config
COPY state-machines ./state-machines
COPY media ./media
RUN npx vite build --config client/vite.config.mts --logLevel warn

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
RUN apt-get update \
  && apt-get install -y --no-install-recommends meson ninja-build pkg-config g++ make patch \
     libssl-dev libuv1-dev libsrtp2-dev libusrsctp-dev libabsl-dev nlohmann-json3-dev ffmpeg \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# npm 10 ignores package.json's allowScripts: with MEDIASOUP_WORKER_BIN set, mediasoup's own
# (online) postinstall skips itself; the worker is built by the script below instead.
RUN export MEDIASOUP_WORKER_BIN=/app/node_modules/mediasoup/worker/out/Release/mediasoup-worker \
  && (npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --no-save --loglevel=error)
COPY scripts/install-mediasoup.sh ./scripts/
COPY media/patches ./media/patches
RUN scripts/install-mediasoup.sh
COPY config ./config
COPY server ./server
COPY media ./media
COPY state-machines ./state-machines
COPY tsconfig.json ./
COPY --from=apps /app/client/dist ./client/dist
# Recordings (body cameras) live on a volume; the server runs as `node`.
RUN mkdir -p /app/data/recordings && chown -R node:node /app/data
ENV DATA_DIR=/app/data
VOLUME ["/app/data"]
EXPOSE 8080
USER node
CMD ["node", "--max-semi-space-size=64", "--import", "tsx", "server/main.ts"]
