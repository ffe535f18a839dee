# bilge — common tasks. `make help` lists them.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: help build test e2e unit bench lint fmt fuzz screenshots daemon

help: ## list the tasks
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## build ./bilge
	go build -ldflags "$(LDFLAGS)" -o bilge .

daemon: ## install (if needed) and start a Docker daemon for the end-to-end tests
	bash scripts/dockerd.sh

test: daemon ## every test, end-to-end ones against the real daemon, with the race detector
	go test -race -count=1 ./...

unit: ## the tests that need no daemon
	go test -race -count=1 $$(go list ./... | grep -v /internal/e2e)

e2e: daemon ## only the end-to-end tests
	go test -race -count=1 -v ./internal/e2e/

bench: ## Go benchmarks (fake data)
	go test -run XXX -bench . -benchmem ./model/ ./ui/

fuzz: ## every fuzz target briefly from its seed corpus (FUZZTIME=5s each)
	bash scripts/fuzz.sh

lint: ## gofmt, go vet, staticcheck
	@test -z "$$(gofmt -l .)" || (gofmt -l . && exit 1)
	go vet ./...
	go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

fmt: ## format the code
	gofmt -w .

screenshots: ## regenerate screenshots/*.png from the real UI over the demo engine
	go run ./cmd/bilge-screenshots -out screenshots
