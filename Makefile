# The README's two commands are `make demo` and `make test`; CI (.ci/run)
# runs `make vet` and `make test`.
GO ?= go

.PHONY: deps demo test chaos vet fuzz fuzz-smoke bench bench-smoke bench-compare bench-compare-quick gozk-upstream

# Installs ZooKeeper 3.8 and Java (apt) when missing; see the script.
deps:
	bash scripts/install-deps.sh

# Starts a local ZooKeeper and runs a short tour of the client.
demo: deps
	$(GO) run ./cmd/zkdemo

# Every test of the three modules, against real ZooKeeper servers, with the
# race detector: the library; one chaos run (chaos/ is its own module: its
# checker, porcupine, is a test-only dependency; about a minute on 2 cores);
# the go-zookeeper compat module (gozk/, its own module: go-zookeeper is a
# test-only dependency of its lock interop test).
test: deps
	$(GO) test -race -count=1 -timeout 15m ./...
	cd chaos && $(GO) test -race -count=1 -timeout 10m ./...
	cd gozk && $(GO) test -race -count=1 -timeout 10m ./...

# Five chaos runs, the issue-grade check.
chaos: deps
	cd chaos && $(GO) test -race -count=5 -timeout 30m -run TestChaos ./...

# go-zookeeper v1.0.4's own tests (from the Go module cache, never
# committed here) against gozk; fails below 36 of 47 passed. See
# gozk/README.md for the excluded files and known failures.
gozk-upstream: deps
	bash scripts/gozk-upstream.sh

# gofmt (every Go file but test data) and go vet.
vet:
	@out=$$(gofmt -l $$(find . -name '*.go' -not -path './.git/*' -not -path '*/testdata/*')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	cd chaos && $(GO) vet ./...
	cd gozk && $(GO) vet ./...

# Runs each fuzz target for FUZZTIME (default 1m); issue-grade runs use
# FUZZTIME=10m. New inputs go to Go's fuzz cache; failures are written to
# fuzz/testdata/fuzz and fail the run.
FUZZTIME ?= 1m
fuzz:
	@for t in $$($(GO) test ./fuzz -list 'Fuzz.*' | grep ^Fuzz); do \
		echo "== $$t"; $(GO) test ./fuzz -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) || exit 1; \
	done

# CI's short run: every target for a few seconds, so a target that no
# longer builds or a corpus regression fails the build.
fuzz-smoke:
	$(MAKE) fuzz FUZZTIME=3s

# A short zkbench run of every workload on a local server: a smoke run, not
# a measurement (see bench/README.md for real runs against any ensemble).
bench: deps
	$(GO) run ./bench/cmd/zkbench -duration 1s -watches 1000

# CI's smoke run of the micro-benchmarks: one iteration each, timing
# nothing, so a benchmark that no longer builds or runs fails the build;
# then the comparison's own unit tests (paired ratios, the CPU bound),
# which build its module (go-zookeeper from the module cache or proxy).
bench-smoke: deps
	$(GO) test -run '^$$' -bench . -benchtime 1x ./bench/
	cd bench/compare && $(GO) vet . && $(GO) test -count=1 .

# zk against go-zookeeper/zk v1.0.4 on one local server: the paired
# table of issue [3/5] (bench/README.md says what each row is): 7 trials
# of each workload per client, interleaved in adjacent pairs, watch
# counts 10k and 100k; about 25 minutes on this project's 2 shared cores
# while other work loaded them (load average 20), less on a quiet machine. The
# table goes to stdout. ARGS=-pin pins the server to CPU 0 and the trials
# to CPU 1; ARGS="-json FILE" keeps every trial's raw figures.
bench-compare: deps
	cd bench/compare && $(GO) run . -trials 7 -duration 3s $(ARGS)

# The same tool in a minute: 2 trials of 1 s, 1,000 watches. A check
# that the whole comparison runs, not a measurement.
bench-compare-quick: deps
	cd bench/compare && $(GO) run . -quick $(ARGS)
