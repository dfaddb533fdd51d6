# Beacon command server image (used by docker-compose.yml).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --no-save --loglevel=error
COPY config ./config
COPY server ./server
COPY state-machines ./state-machines
COPY tsconfig.json ./
EXPOSE 8080
USER node
CMD ["node", "--import", "tsx", "server/main.ts"]
