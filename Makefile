# make demo: build and run the main demo, a cluster.  make test: build and run every test.
# Both install the system packages they need first (apt-get, when run as root).
SWIFT ?= swift
BUILD_FLAGS ?=

.PHONY: deps build test demo demo-run quickstart clean

deps:
	@scripts/install-deps

build: deps
	$(SWIFT) build $(BUILD_FLAGS) --build-tests

# The process tests (dozens of daemons, loads of 10,000 calls) run after the in-process ones, not
# beside them: on 2 cores they would starve the in-process tests' heartbeats and timeouts.
test: build
	$(SWIFT) test $(BUILD_FLAGS) --skip-build --skip ProcessTests
	$(SWIFT) test $(BUILD_FLAGS) --skip-build --filter ProcessTests

# A cluster assembled from stock services on 127.0.0.1: registry, bus proxy, HTTP gateway (8080)
# and two workers. Try `curl 127.0.0.1:8080/hello`; Ctrl-C stops every process it started.
demo: deps
	$(SWIFT) build $(BUILD_FLAGS) --product ginkgo
	$(SWIFT) build $(BUILD_FLAGS) --product worker
	@$(MAKE) --no-print-directory demo-run BIN="$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)"

# The cluster from executables already built in BIN (what `make demo` runs after building).
demo-run:
	@Examples/Cluster/run-demo "$(BIN)"

# The manual's composed quickstart: a TCP server (7000), a client of it, a web server (8000),
# on loopback. Try `nc 127.0.0.1 7000` and `curl 127.0.0.1:8000`; Ctrl-C stops it.
quickstart: deps
	$(SWIFT) build $(BUILD_FLAGS) --product quickstart
	$(SWIFT) run $(BUILD_FLAGS) --skip-build quickstart HelloWorldAll \
		--set server.host=127.0.0.1 --set web.host=127.0.0.1

clean:
	rm -rf .build
