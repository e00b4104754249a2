# Reflector (C++). The two set-up commands: `make serve` and `make test`.
BUILD_DIR ?= build
ASAN_BUILD_DIR ?= build-asan
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc)
SOURCES = $(shell find src tests bench fuzz -name '*.cpp' -o -name '*.hpp' 2>/dev/null)

.PHONY: deps configure build serve test test-unit test-asan fuzz format format-check lint bench clean

deps:
	@scripts/install-deps

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja $(CMAKE_FLAGS)

configure: deps $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Serving needs the binary only (with the web UI), not the test suites: a newcomer waits less.
serve: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target reflector
	./$(BUILD_DIR)/reflector serve

# Every test: unit, integration (SQLite + a PostgreSQL the tests start), end-to-end.
test: build
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 600 -j $(JOBS)

test-unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -L unit -j $(JOBS)

# Unit and integration suites under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps
	cmake -S . -B $(ASAN_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DREFLECTOR_SANITIZE=ON -DREFLECTOR_BUILD_BENCH=OFF -DREFLECTOR_WEB_UI=OFF
	cmake --build $(ASAN_BUILD_DIR) -j $(JOBS)
	cd $(ASAN_BUILD_DIR) && ctest --output-on-failure --timeout 900 -L 'unit|integration' -j $(JOBS)

# libFuzzer targets (fuzz/) built with clang + ASan + UBSan, each run FUZZ_SECONDS seconds.
FUZZ_SECONDS ?= 60
fuzz: deps
	scripts/fuzz $(FUZZ_SECONDS)

format:
	clang-format -i $(SOURCES)

format-check:
	clang-format --dry-run --Werror $(SOURCES)

lint: configure format-check
	clang-tidy -p $(BUILD_DIR) --quiet $(shell find src -name '*.cpp' ! -name '*_test.cpp')

bench: build
	@if ls $(BUILD_DIR)/bench/bench_* >/dev/null 2>&1; then for b in $(BUILD_DIR)/bench/bench_*; do $$b; done; else echo "no benchmarks yet"; fi

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) build-fuzz
