# Build: docker build -t remiro .
# Run:   docker run -p 6379:6379 -p 8888:8888 -v $PWD/config.toml:/config.toml:ro remiro
# Reload the config: docker kill --signal HUP <container>
# Stop gracefully:   docker stop <container>   (SIGTERM; commands in flight finish within
#                    ShutdownTimeout, so give docker stop -t a few seconds more than that)
FROM denoland/deno:2.9.6 AS build
WORKDIR /src
COPY deno.json deno.lock ./
COPY main.ts ./
COPY lib ./lib
RUN deno install --frozen --entrypoint main.ts \
 && deno compile --frozen --allow-net --allow-read --allow-write --allow-run --allow-env \
      --allow-sys --unstable-net --unstable-worker-options --include lib/hooks/hook_worker.ts \
      --output /out/remiro main.ts

# The compiled binary needs glibc and libgcc; distroless/cc has exactly those, and no shell.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/remiro /usr/local/bin/remiro
USER nonroot
EXPOSE 6379 8888
STOPSIGNAL SIGTERM
# No shell or curl in the image: the binary asks its own /health.
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 \
  CMD ["/usr/local/bin/remiro", "health", "--url", "http://127.0.0.1:8888/health"]
ENTRYPOINT ["/usr/local/bin/remiro"]
CMD ["-h", "0.0.0.0", "-p", "6379", "-c", "/config.toml", "-i", "8888", "--log-format", "json"]
