# backcoach — build, run and test. `make run` and `make test` install what is
# missing on a fresh Debian 12 machine first (needs root for apt-get).
export PATH := $(PATH):/usr/local/go/bin
SHARED_MODELS ?= ../shared/models
BIN := bin/backcoach

.PHONY: run test build deps deps-test models bench clean

build: deps
	go build -o $(BIN) ./cmd/backcoach

deps:
	@scripts/deps.sh

deps-test:
	@scripts/deps.sh --browser

# Installs the hand models from the shared folder when it is there (the
# product works without them, with the classic tracker).
models: build
	@if [ -d "$(SHARED_MODELS)" ]; then $(BIN) models install --from "$(SHARED_MODELS)" || true; fi

# Runs the live coach on the built-in demo recording (no camera needed):
# open the printed address in a browser.
run: build models
	$(BIN) serve

# The tests use the hand models of the shared folder when it is there (the
# hybrid tracker); without them they run the classic tracker.
TEST_MODELS = BACKCOACH_MODELS="$$( [ -f $(SHARED_MODELS)/hand_landmark_opencv46.onnx ] && realpath $(SHARED_MODELS) )"

test: deps-test
	go vet ./...
	$(TEST_MODELS) go test -tags matprofile -count=1 -timeout 60m ./...
	# the layers' AVX2 build too, on a machine that runs the AVX-512 one
	BACKCOACH_NO_AVX512=1 $(TEST_MODELS) \
		go test -tags matprofile -count=1 -run 'LayerMatchesOpenCV|ModelsMatchPlainOpenCV' ./vision/handmodel

bench: build
	scripts/bench-replay

clean:
	rm -rf bin artifacts
