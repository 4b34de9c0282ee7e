# kbench's container image: `make image` (docker build .). Two stages: build with cgo on the Go
# image (confluent-kafka-go links its bundled static librdkafka, built for glibc), then run on a
# slim Debian of the same release as a non-root user. The Kubernetes manifests of
# `kbench k8s manifest` run this image's entrypoint with worker or sweep arguments.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
RUN CGO_ENABLED=1 go build -trimpath -ldflags "-X main.Version=${VERSION} -X main.Commit=${COMMIT}" -o /out/kbench ./cmd/kbench

FROM debian:bookworm-slim
# CA certificates for SSL listeners; nothing else: kbench against a remote cluster needs no JDK.
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 65532 kbench && useradd --uid 65532 --gid 65532 --no-create-home --home-dir /tmp kbench
COPY --from=build /out/kbench /usr/local/bin/kbench
USER 65532:65532
WORKDIR /tmp
ENTRYPOINT ["/usr/local/bin/kbench"]
CMD ["--help"]
