# Build: docker build -t remiro .
# Run:   docker run -p 6379:6379 -p 8888:8888 -v $PWD/config.toml:/config.toml remiro \
#          -h 0.0.0.0 -c /config.toml
FROM denoland/deno:2.9.6 AS build
WORKDIR /src
COPY deno.json deno.lock ./
COPY main.ts ./
COPY lib ./lib
RUN deno install --frozen --entrypoint main.ts \
 && deno compile --frozen --allow-net --allow-read --allow-env --allow-sys \
      --output /out/remiro main.ts

# The compiled binary needs glibc and libgcc; distroless/cc has exactly those.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/remiro /usr/local/bin/remiro
USER nonroot
EXPOSE 6379 8888
ENTRYPOINT ["/usr/local/bin/remiro"]
CMD ["-h", "0.0.0.0", "-p", "6379", "-c", "/config.toml", "-i", "8888"]
