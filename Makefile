# A thin layer over CMake, the scripts and compose. `make up` and `make test` do everything.
.PHONY: up down test build images compose-v2 bench fuzz format deps clean

JOBS ?= $(shell nproc)

up: deps images
	@scripts/up.sh

down:
	@scripts/down.sh

test:
	@scripts/test.sh

deps:
	@scripts/install-deps.sh

build: deps
	cmake -S . -B build -G Ninja -DWEBVPS_WERROR=ON
	cmake --build build -j $(JOBS)

images: deps
	@scripts/build-images.sh

# Compose v2 as a Docker CLI plugin, built from the Go module proxy (once per machine).
compose-v2:
	@scripts/install-compose-v2.sh

bench: deps
	@scripts/install-deps.sh --bench
	@scripts/bench.sh

# Every parser under libFuzzer for FUZZ_SECONDS each (default 60); findings fail it.
fuzz: deps
	@scripts/fuzz.sh

format:
	find common proxy-gen sshd-chroot mailer phpserver-init tests bench fuzz -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf build build-asan build-fuzz
