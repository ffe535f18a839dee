#!/usr/bin/env bash
# bilge's whole-process benchmark against a real Docker daemon (issue 7).
#
#   scripts/bench.sh [bilge-bench flags]
#   scripts/bench.sh -out bench.txt          # also write the figures to bench.txt
#   scripts/bench.sh -idle 30s -skip delete  # shorter idle window, no deletion phase
#   scripts/bench.sh -cleanup bench-XXXX     # remove what an interrupted run left
#   scripts/bench.sh -engine 29c             # a private Engine 29 daemon, containerd store
#
# One command on a fresh machine: starts (installing docker.io if needed) a
# daemon with scripts/dockerd.sh, installs tmux if it is missing (apt-get),
# builds bilge, then runs `go run ./cmd/bilge-bench`, which
#   1. seeds the daemon at scale — 800 images (docker-save archives
#      generated in Go and loaded; shared base layers, a small layer each,
#      a few dangling), 1,500 containers (a quarter running), 500 volumes,
#      30 networks, BuildKit cache — all labelled bilge.test=bench-<id>;
#   2. times the raw list calls and /system/df (median of 5);
#   3. starts bilge in a 120×40 tmux pane 3 times: start → first frame with
#      image rows, start → costly sizes filled in (BILGE_TRACE milestones);
#   4. measures bilge idle for 60 s: its CPU, dockerd's CPU (minus an equal
#      baseline without bilge), its RSS;
#   5. deletes three fresh sets of 300 stopped containers + 100 unused
#      images: with bilge's worker, one call at a time, and with the
#      engine's prune endpoints (label-filtered);
#   6. prints one "name: value unit" line per figure, PASS/MISS per target;
#   7. removes everything it created (only that), also on failure or Ctrl-C.
# Progress goes to stderr, figures to stdout. About 10 minutes on 2 cores;
# needs ~5 GiB of free memory (375 running containers) and root or the
# docker group. It seeds the daemon DOCKER_HOST names, else the development
# daemon on /var/run/docker.sock (it says which); the tests never use that
# one, they start their own. It takes that daemon's engine lock (per
# socket), so two benches do not overlap. With -engine debian|29o|29c it
# starts no development daemon: the bench starts a private one of that
# engine (Debian's dockerd; Engine 29.7.2 from ../shared/engines/ on
# overlay2 or on the containerd image store) with its own socket, data root
# and address pool, measures that one and stops it by its PID at the end,
# also on Ctrl-C. Flags: go run ./cmd/bilge-bench -help.
set -euo pipefail
cd "$(dirname "$0")/.."

private=
for a in "$@"; do
	case $a in -engine | --engine | -engine=* | --engine=*) private=1 ;; esac
done
[ -n "$private" ] || bash scripts/dockerd.sh

if ! command -v tmux >/dev/null; then
	SUDO=
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	echo "bench.sh: tmux missing: installing it" >&2
	$SUDO apt-get update -q >/dev/null && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q tmux >/dev/null
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "bench.sh: building bilge" >&2
go build -o "$tmp/bilge" .
go run ./cmd/bilge-bench -bilge "$tmp/bilge" "$@"
