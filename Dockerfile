# Registrar in a container: a static binary on distroless, run as a
# non-root user, its SQLite store and master key in the /data volume.
#
#   docker build -t registrar .
#   docker run -p 8080:8080 -v registrar-data:/data registrar
#
# The first start prints the bootstrap client (docker logs). Several nodes
# on PostgreSQL: see compose.yaml. e2e/ship_test.go runs this file's build
# command and entrypoint on the host, since CI has no container runtime.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# CGO_ENABLED=0: the SQLite driver (modernc.org/sqlite) is pure Go, so the
# binary needs no libc and runs on distroless/static. The version, commit
# and date `registrar version` prints come from Go's build info: built from
# a git clone (.git is in the context; .dockerignore keeps it), it names the
# commit; from a tree without .git (a source archive), it says "devel".
RUN CGO_ENABLED=0 go build -buildvcs=auto -trimpath -ldflags="-s -w" -o /out/registrar ./cmd/registrar
RUN mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/registrar /usr/local/bin/registrar
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
WORKDIR /data
# Every address, so the published port reaches it; the issuer defaults to
# http://localhost:8080: set REGISTRAR_BASE_URL to the URL clients use.
ENV REGISTRAR_LISTEN=0.0.0.0:8080 \
    REGISTRAR_METRICS_LISTEN=0.0.0.0:9464 \
    REGISTRAR_DB=sqlite:/data/registrar.db \
    REGISTRAR_MASTER_KEY_FILE=/data/registrar.key
VOLUME /data
EXPOSE 8080 9464
# distroless has no shell or curl: the binary probes its own /readyz.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/usr/local/bin/registrar", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/registrar"]
CMD ["serve"]
