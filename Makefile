# otelcol-aoai: every command a user or CI needs. Only Go has to be installed:
# ocb and mdatagen are pinned in internal/tools and run with `go tool`.

GO       ?= go
TOOLS    := $(GO) tool -modfile=$(CURDIR)/internal/tools/go.mod
OCB      := $(TOOLS) builder
BIN      := _build/otelcol-aoai
CONFIG   ?= examples/local/config.yaml
FUZZTIME ?= 30s
BENCH    ?= .
BENCHTIME ?= 1s
BENCHCOUNT ?= 1

# Every Go file of ours: not the ocb output folders (_build, and the _build* of side builds).
GO_FILES   := $(shell find . -name '*.go' -not -path './_build*' -not -path './internal/tools/*')
GO_SOURCES := $(filter-out %_test.go,$(GO_FILES)) go.mod go.sum builder-config.yaml

.DEFAULT_GOAL := build
.PHONY: run demo test build vet unit validate e2e generate lint bench fuzz clean tools loadtest soak faults

## run: build the distribution if needed and run it on examples/local/config.yaml
run: $(BIN)
	@mkdir -p _out
	./$(BIN) --config $(CONFIG)

## demo: run the collector on the local config, replay examples/records, print a summary table
demo: $(BIN)
	BIN=$(BIN) GO=$(GO) ./scripts/demo.sh

## test: everything CI checks (lint and vet, unit tests with -race, the build, config validation, end-to-end)
test: lint unit build validate e2e

## build: the custom collector ./_build/otelcol-aoai, with ocb
build: $(BIN)

$(BIN): $(GO_SOURCES)
	$(OCB) --config builder-config.yaml
	@touch $@

vet:
	$(GO) vet ./...

unit:
	$(GO) test -race -count=1 ./...

## validate: every example configuration must pass `otelcol-aoai validate`
validate: $(BIN)
	@set -e; for f in $$(find examples -name '*.yaml' -path '*config*' | sort); do \
		echo "validate $$f"; \
		APPLICATIONINSIGHTS_CONNECTION_STRING="InstrumentationKey=00000000-0000-0000-0000-000000000000" \
		EVENTHUBS_NAMESPACE=example EVENTHUBS_CONNECTION_STRING="Endpoint=sb://example.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey=none" \
		./$(BIN) validate --config $$f; \
	done

## e2e: end-to-end tests of the built binary
e2e: $(BIN)
	OTELCOL_AOAI_BINARY=$(CURDIR)/$(BIN) $(GO) test -tags e2e -count=1 -timeout 20m ./e2e/...
	@# go test shows a passing package's output only with -v: say it here too.
	@test -x /usr/bin/prometheus || echo "e2e: SKIPPED TestGrafanaDashboardOnPrometheus (the dashboard against a real Prometheus): /usr/bin/prometheus is missing; apt-get install -y --no-install-recommends prometheus"

## generate: regenerate mdatagen output (metadata packages, generated tests, documentation.md)
generate:
	$(GO) generate ./...
	gofmt -w $(GO_FILES)

## lint: formatting, imports, vet and the release-line check of go.mod
lint: vet
	@out=$$(gofmt -l $(GO_FILES)); \
		if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@# mdatagen's output is checked by gofmt only: regenerating must not fight goimports.
	@out=$$($(TOOLS) goimports -l -local github.com/otelcol-aoai/otelcol-aoai $(foreach f,$(GO_FILES),$(if $(findstring /generated_,$(f)),,$(f)))); \
		if [ -n "$$out" ]; then echo "goimports needed:"; echo "$$out"; exit 1; fi
	@./scripts/check-release-line.sh

## bench: Go benchmarks, ours side by side with the standard components
## (-p 1: one package at a time, or packages share the cores and skew each other's figures)
bench:
	$(GO) test -p 1 -run '^$$' -bench '$(BENCH)' -benchmem -benchtime $(BENCHTIME) -count $(BENCHCOUNT) ./...

## fuzz: run every fuzz target for FUZZTIME each (seeds alone run in `make test`)
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "fuzz $$pkg $$f"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

# Measurements of the built collector on loopback (not part of `make test`): BIN= names the
# build to measure, LOADTEST_OUT the folder for figures, logs and profiles, LOADTEST_FLAGS,
# SOAK_FLAGS and FAULT_FLAGS pass flags (`go run ./testbed/cmd/aoai-loadtest rates -h` lists them).
# The default BIN is built first when missing or stale, as for `make run`; another BIN must exist.
LOADTEST_OUT ?= _loadtest
FAULTS       ?= exporter-down kill kill-storage loganalytics hostile
LOADTEST_BIN := $(if $(filter command line environment,$(origin BIN)),,$(BIN))

## loadtest: stepped rates for 60 s each, ours beside otlp+transform on the same content (~15 min)
loadtest: | $(LOADTEST_BIN)
	$(GO) run ./testbed/cmd/aoai-loadtest rates -bin $(BIN) -out $(LOADTEST_OUT) $(LOADTEST_FLAGS)

## soak: 20 minutes at 500 records/s with the diagnostics join on file_storage against a fake
## workspace, rows 2-10 min late, each at its own time (~36 min with the drain; SOAK_FLAGS=
## "-memory-limit-mib 6144" measures the in-memory join instead; "-duration 3m -rate 200" for a short run)
SOAK_FLAGS ?= -storage
soak: | $(LOADTEST_BIN)
	$(GO) run ./testbed/cmd/aoai-loadtest soak -bin $(BIN) -out $(LOADTEST_OUT) $(SOAK_FLAGS)

## faults: self-checking fault scenarios (FAULTS= exporter-down kill kill-storage loganalytics hostile; ~16 min)
faults: | $(LOADTEST_BIN)
	$(GO) run ./testbed/cmd/aoai-loadtest faults -bin $(BIN) -out $(LOADTEST_OUT) $(FAULT_FLAGS) $(FAULTS)

clean:
	rm -rf _build _out
