# syntax=docker/dockerfile:1
# The Gatewarden image: the TME sidecar (default command) and the TME injection webhook
# (`node /app/webhook.mjs`). One image for both: they are two small self-contained bundles of the same
# repository and release together, so one image is one thing to build, scan, sign and pin.
#
#   docker build -f deploy/docker/tme.Dockerfile -t REGISTRY/gatewarden:0.1.0 .
#
# Build context: the repository root. Pin the base by digest for releases:
#   docker buildx imagetools inspect node:20.19.5-alpine3.22   →  NODE_IMAGE=node:20.19.5-alpine3.22@sha256:…
ARG NODE_IMAGE=node:20.19.5-alpine3.22

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Only the compilers' inputs are needed; install scripts (patch-package for the Wasm SDK) are not: the
# engine uses none of the SDK.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY host/ host/
COPY filter/ filter/
# The engine the TME loads (policy validation, detection) is the filter's AssemblyScript, compiled alone.
RUN npx asc --config filter/engine.asconfig.json --target release \
 && node host/tme-server/build.mjs --outdir /out \
 && node host/webhook/build.mjs --outdir /out \
 && rm -f /out/*.map

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
# The bundles need nothing from node_modules; the TME reads its gRPC protos from tme-server-protos/.
COPY --from=build --chown=0:0 /out/ /app/
# Where the TME spools captures (an emptyDir in Kubernetes).
RUN mkdir -p /var/lib/gatewarden/spool && chown 1000:1000 /var/lib/gatewarden/spool
ENV TME_SPOOL_DIR=/var/lib/gatewarden/spool
# The image's `node` user, by number so Kubernetes can check runAsNonRoot.
USER 1000:1000
EXPOSE 5441 5442
ENTRYPOINT []
CMD ["node", "/app/tme-server.mjs"]
