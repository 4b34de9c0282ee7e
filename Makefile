# kbench: build, fetch Kafka, test, demo. Every target installs what it needs on a bare machine.
SHELL := /bin/bash
GO ?= go
KAFKA_LIBS := .cache/kafka-libs
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X main.Version=$(VERSION) -X main.Commit=$(COMMIT)
# Debian packages kbench needs: a JDK for Kafka (17+), Maven to fetch it, a C compiler for librdkafka's cgo,
# fuse3 (fusermount3) for the power-loss filesystem (`cluster up --power-loss-sim`).
DEB_PACKAGES := openjdk-17-jdk-headless maven gcc fuse3

.PHONY: build kafka deps test unit integration demo bench bench-go vet fmt clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/kbench ./cmd/kbench

# deps installs the Debian packages that are missing (idempotent; needs root or sudo).
deps:
	@missing=""; \
	command -v java >/dev/null || missing="$$missing openjdk-17-jdk-headless"; \
	command -v mvn  >/dev/null || missing="$$missing maven"; \
	command -v gcc  >/dev/null || missing="$$missing gcc"; \
	command -v fusermount3 >/dev/null || missing="$$missing fuse3"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# kafka copies the pinned Kafka jars from Maven Central into $(KAFKA_LIBS); a second run does nothing.
kafka: $(KAFKA_LIBS)/.complete

$(KAFKA_LIBS)/.complete: kafka/pom.xml
	@$(MAKE) --no-print-directory deps
	rm -rf $(KAFKA_LIBS).tmp
	mvn -q -B -f kafka/pom.xml dependency:copy-dependencies -DoutputDirectory=$(CURDIR)/$(KAFKA_LIBS).tmp
	rm -rf $(KAFKA_LIBS) && mv $(KAFKA_LIBS).tmp $(KAFKA_LIBS)
	touch $@
	@echo "Kafka jars in $(KAFKA_LIBS): $$(ls $(KAFKA_LIBS) | grep -c jar) jars"

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

unit:
	@mkdir -p .cache
	$(GO) test -count=1 -v ./... 2>&1 | tee .cache/unit.log | grep -E '^(--- FAIL|FAIL|ok|panic)|_test.go' | grep -v 'real-cluster test: set'; exit $${PIPESTATUS[0]}

# integration runs the real-cluster tests one package at a time (each starts its own cluster).
integration: kafka
	KBENCH_INTEGRATION=1 $(GO) test -count=1 -p 1 -timeout 45m -run Integration -v ./... 2>&1 | tee .cache/integration.log | grep -E '^(=== RUN|--- |PASS|FAIL|ok|panic)|_test.go'; exit $${PIPESTATUS[0]}

# test ends with one line counting every top-level test of both runs: "N passed, N failed".
test: deps kafka vet build unit integration
	@echo "tests: $$(cat .cache/unit.log .cache/integration.log | grep -c '^--- PASS') passed, $$(cat .cache/unit.log .cache/integration.log | grep -c '^--- FAIL') failed"

# demo prints its time budget before it installs, fetches or builds anything, then does all three.
demo:
	@./scripts/demo.sh --budget
	@t0=$$(date +%s) && $(MAKE) --no-print-directory deps kafka build && KBENCH_DEMO_T0=$$t0 ./scripts/demo.sh

# bench measures kbench against Kafka's own ProducerPerformance and ConsumerPerformance on a local
# cluster it starts (bench/sidebyside; not part of `make test`). BENCH_FLAGS=-quick smoke-tests it;
# the table lands in .cache/bench/results.md. Hot-path Go benchmarks: make bench-go.
BENCH_FLAGS ?=
bench: deps kafka build
	$(GO) run ./bench/sidebyside $(BENCH_FLAGS)

bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./runner/ ./stats/ ./audit/ ./driver/librdkafka/ ./driver/franzgo/

# clean stops the default local cluster and deletes what kbench made in its folder (kbench's own
# wipe: only in a folder `cluster up` marked), then the binary.
clean:
	$(GO) run ./cmd/kbench cluster down --wipe --dir .cache/cluster
	rm -rf bin

# image builds kbench's container image from the Dockerfile (for `kbench k8s manifest --image`);
# needs docker (or IMAGE_TOOL=podman). Push it where the Kubernetes cluster pulls from.
IMAGE ?= kbench:$(VERSION)
IMAGE_TOOL ?= docker
.PHONY: image
image:
	$(IMAGE_TOOL) build --build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) -t $(IMAGE) .
