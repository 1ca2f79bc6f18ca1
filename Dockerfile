# The pipeline's image: every `cashflow` process (processors, API, set-up steps) in compose
# (docker-compose.kafka.yml) and Kubernetes (deploy/kubernetes/). librdkafka is built from source
# against Debian's libraries (CKJS_LINKING=dynamic). One pinned base for both stages, so the
# native build and the runtime share their libraries' versions.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      build-essential python3 zlib1g-dev libssl-dev libzstd-dev libcurl4-openssl-dev libsasl2-dev liblz4-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN CKJS_LINKING=dynamic npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM ${NODE_IMAGE}
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      zlib1g libssl3 libzstd1 libcurl4 libsasl2-2 liblz4-1 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Owned by root and not writable by the process: the code cannot be changed at run time.
COPY --from=build /app /app
ENV NODE_ENV=production
# The image's `node` user by number, so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
# node itself, not npx: it receives SIGTERM and the processes stop gracefully on it.
ENTRYPOINT ["node", "bin/cashflow.js"]
CMD ["run"]
