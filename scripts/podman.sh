#!/usr/bin/env bash
# Install Podman for the end-to-end tests on BILGE_E2E_ENGINE=podman.
#
#   scripts/podman.sh install  install podman and runc if missing (Debian/Ubuntu,
#                              apt-get); starts nothing and writes no
#                              configuration: the tests start a private
#                              `podman system service` of their own, with their
#                              own containers.conf, storage.conf and
#                              registries.conf (internal/enginetest/podman.go).
#
# runc: Debian's crun refuses containers on hosts with cgroups in hybrid
# mode ("cgroups in hybrid mode not supported"); the tests' containers.conf
# names runc.
set -euo pipefail

APT_LOG=${TMPDIR:-/tmp}/bilge-podman-apt.log
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
say() { echo "podman.sh: $*" >&2; }

install() {
	if command -v podman >/dev/null && command -v runc >/dev/null; then
		return 0
	fi
	command -v apt-get >/dev/null || { say "podman or runc is missing and there is no apt-get: install them"; exit 1; }
	say "installing podman and runc (log: $APT_LOG)"
	if ! { $SUDO apt-get update && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q podman runc; } >"$APT_LOG" 2>&1; then
		tail -n 30 "$APT_LOG" >&2
		say "installing podman failed"
		exit 1
	fi
	rm -f "$APT_LOG"
}

case "${1:-}" in
install) install ;;
*)
	echo "usage: $0 install" >&2
	exit 2
	;;
esac
