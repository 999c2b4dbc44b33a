# The model-compose image: a builder stage compiles the single executable with Bun; the
# runtime stage holds only that executable on a minimal glibc base, runs as a non-root
# user, and checks its own /health.
#
#   docker build -t model-compose .
#   docker run -p 127.0.0.1:8080:8080 -v "$PWD:/app" model-compose
#
# Base images are build arguments so other registries or local images can be used.
ARG BUILDER_IMAGE=oven/bun:1.4.5-debian
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot

FROM ${BUILDER_IMAGE} AS builder
WORKDIR /src
# Dependencies first: this layer is reused while bun.lock does not change.
COPY package.json bun.lock ./
RUN bun install --frozen-lockfile --ignore-scripts
COPY . .
ARG MODEL_COMPOSE_COMMIT=""
RUN bun scripts/build.ts --outdir /out/build \
 && cp "$(ls /out/build/model-compose-linux-* | grep -v '\.sha256$')" /out/model-compose \
 && mkdir -p /out/app /out/data

FROM ${RUNTIME_IMAGE} AS runtime
COPY --from=builder /out/model-compose /usr/local/bin/model-compose
# The compose file and its plugins are mounted or copied here; the controller keeps
# its state in .model-compose/ next to them, so the directory belongs to the user.
COPY --from=builder --chown=10001:10001 /out/app /app
# What the controller writes (its run store, state file, logs) goes to /data rather
# than next to the compose file, so /app may be mounted read-only; a volume keeps the
# run history across containers.
COPY --from=builder --chown=10001:10001 /out/data /data
ENV MODEL_COMPOSE_STATE_DIR=/data
VOLUME /data
WORKDIR /app
USER 10001:10001
ENV MODEL_COMPOSE_PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 \
  CMD ["/usr/local/bin/model-compose", "health"]
ENTRYPOINT ["/usr/local/bin/model-compose"]
CMD ["up"]
