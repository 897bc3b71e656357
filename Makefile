# make demo: build and run the main demo.  make test: build and run every test.
# Both install the system packages they need first (apt-get, when run as root).
SWIFT ?= swift
BUILD_FLAGS ?=

.PHONY: deps build test demo clean

deps:
	@scripts/install-deps

build: deps
	$(SWIFT) build $(BUILD_FLAGS) --build-tests

test: build
	$(SWIFT) test $(BUILD_FLAGS) --skip-build

demo: deps
	$(SWIFT) build $(BUILD_FLAGS) --product quickstart
	$(SWIFT) run $(BUILD_FLAGS) --skip-build quickstart HelloWorld

clean:
	rm -rf .build
