# Beacon command server image (used by docker-compose.yml), with mediasoup's worker built
# against Debian's libraries exactly as on a developer machine (scripts/install-mediasoup.sh).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
RUN apt-get update \
  && apt-get install -y --no-install-recommends meson ninja-build pkg-config g++ make patch \
     libssl-dev libuv1-dev libsrtp2-dev libusrsctp-dev libabsl-dev nlohmann-json3-dev \
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
EXPOSE 8080
USER node
CMD ["node", "--import", "tsx", "server/main.ts"]
