# bilge — common tasks. `make help` lists them.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: help build install-plugin test e2e unit bench lint fmt fuzz screenshots deps daemon

# The engine the end-to-end tests start privately: debian (the installed
# dockerd), 29-overlay2 or 29-containerd (../shared/engines/ bundle), or
# podman (the installed podman's Docker-compatible API).
ENGINE ?= debian
# E2E_RUN, when set, is go test's -run pattern for make e2e (CI runs only
# the TestPodman* tests on podman: the Docker-only ones skip there).
E2E_RUN ?=

# go test hides a passing package's output: each test package that starts
# a daemon appends one line saying which to $$BILGE_TEST_REPORT, printed
# after the run.
define gotest
	@echo "tests: daemons are started privately (engine $(ENGINE)); /var/run/docker.sock and DOCKER_HOST are not used"
	@r=$$(mktemp); BILGE_E2E_ENGINE=$(ENGINE) BILGE_TEST_REPORT=$$r go test -race -count=1 -timeout 40m $(if $(E2E_RUN),-run '$(E2E_RUN)') $(1); rc=$$?; \
	sed 's/^/daemon used: /' $$r; rm -f $$r; exit $$rc
endef

help: ## list the tasks
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-15s %s\n", $$1, $$2}'

build: ## build ./bilge
	go build -ldflags "$(LDFLAGS)" -o bilge .

deps: ## install the test engine if it is missing (apt-get docker.io; podman and runc for ENGINE=podman); starts nothing
	@if [ "$(ENGINE)" = podman ]; then bash scripts/podman.sh install; else bash scripts/dockerd.sh install; fi

daemon: ## start a development daemon on /var/run/docker.sock (to try bilge; the tests never use it)
	bash scripts/dockerd.sh start

# The docker CLI finds plugins in $$DOCKER_CONFIG/cli-plugins (default
# ~/.docker/cli-plugins).
PLUGIN_DIR ?= $(if $(DOCKER_CONFIG),$(DOCKER_CONFIG),$(HOME)/.docker)/cli-plugins

install-plugin: build ## link ./bilge into ~/.docker/cli-plugins/docker-bilge, so `docker bilge` runs it
	mkdir -p "$(PLUGIN_DIR)"
	ln -sf "$(CURDIR)/bilge" "$(PLUGIN_DIR)/docker-bilge"
	@echo "installed: $(PLUGIN_DIR)/docker-bilge -> $(CURDIR)/bilge (try: docker bilge df)"

test: deps ## every test with the race detector; end-to-end ones against daemons they start themselves
	$(call gotest,./...)

unit: ## the tests that need no daemon (those that need one skip)
	BILGE_E2E_ENGINE=none go test -race -count=1 $$(go list ./... | grep -v /internal/e2e)

e2e: deps ## the end-to-end tests (and the seeding harness's) on a private ENGINE=debian|29-overlay2|29-containerd|podman
	$(call gotest,./internal/e2e/ ./internal/enginetest/)

bench: ## Go benchmarks (fake data)
	go test -run XXX -bench . -benchmem ./model/ ./ui/

fuzz: ## every fuzz target briefly from its seed corpus (FUZZTIME=5s each)
	bash scripts/fuzz.sh

lint: ## gofmt, go vet, staticcheck, no kill by name
	@test -z "$$(gofmt -l .)" || (gofmt -l . && exit 1)
	bash .ci/no-kill-by-name
	go vet ./...
	go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

fmt: ## format the code
	gofmt -w .

screenshots: ## regenerate screenshots/*.png from the real UI over the demo engine
	go run ./cmd/bilge-screenshots -out screenshots
