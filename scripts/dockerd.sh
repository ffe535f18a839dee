#!/usr/bin/env bash
# Install Docker Engine, or run a development daemon to look at bilge by hand.
#
#   scripts/dockerd.sh install  install docker.io if dockerd is missing (Debian/Ubuntu,
#                               apt-get); starts nothing. This is all the tests need:
#                               they start daemons of their own (internal/enginetest).
#   scripts/dockerd.sh [start]  install, then start a development daemon on
#                               /var/run/docker.sock unless one already answers
#                               (never used by the tests)
#   scripts/dockerd.sh stop     stop the daemon this script started (and only that one)
#   scripts/dockerd.sh status   say whether a daemon answers
#
# Quick and idempotent: when a daemon answers it returns at once. Concurrent
# calls are serialised with a lock. The daemon runs detached (setsid nohup),
# logs to /tmp/bilge-dockerd.log, uses overlay2 (falls back to dockerd's own
# choice) and --default-address-pool base=10.200.0.0/16,size=24 so that many
# test networks fit. If it dies because iptables is unusable (sandboxes),
# it is restarted with --iptables=false --ip-masq=false, which keeps the
# default bridge network; --bridge=none is the last resort.
#
# Environment (defaults in brackets; the overrides exist to run a second,
# throw-away daemon, e.g. to test this script):
#   BILGE_DOCKERD_SOCK      socket to ping and serve        [/var/run/docker.sock]
#   BILGE_DOCKERD_LOG       daemon log                      [/tmp/bilge-dockerd.log]
#   BILGE_DOCKERD_PIDFILE   pid of the daemon started here  [/tmp/bilge-dockerd.pid]
#   BILGE_DOCKERD_DATA_ROOT --data-root                     [dockerd's default]
#   BILGE_DOCKERD_EXEC_ROOT --exec-root                     [dockerd's default]
#   BILGE_DOCKERD_ARGS      extra dockerd arguments (word-split)
#   BILGE_DOCKERD_TIMEOUT   seconds to wait for /_ping      [60]
set -euo pipefail

SOCK=${BILGE_DOCKERD_SOCK:-/var/run/docker.sock}
LOG=${BILGE_DOCKERD_LOG:-/tmp/bilge-dockerd.log}
PIDFILE=${BILGE_DOCKERD_PIDFILE:-/tmp/bilge-dockerd.pid}
DATA_ROOT=${BILGE_DOCKERD_DATA_ROOT:-}
EXEC_ROOT=${BILGE_DOCKERD_EXEC_ROOT:-}
EXTRA_ARGS=${BILGE_DOCKERD_ARGS:-}
TIMEOUT=${BILGE_DOCKERD_TIMEOUT:-60}
APT_LOG=/tmp/bilge-apt.log
LOCK=/tmp/bilge-dockerd.lock
POOL=base=10.200.0.0/16,size=24

say() { echo "dockerd.sh: $*" >&2; }

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { say "not root and no sudo"; exit 1; }
	SUDO=sudo
fi

ping_ok() {
	[ -S "$SOCK" ] || return 1
	[ "$(curl -s -m 3 --unix-socket "$SOCK" http://localhost/_ping 2>/dev/null || true)" = OK ]
}

# ping_ok as root: tells "no daemon" from "no permission on the socket".
ping_ok_root() {
	[ -z "$SUDO" ] && return 1
	[ "$($SUDO curl -s -m 3 --unix-socket "$SOCK" http://localhost/_ping 2>/dev/null || true)" = OK ]
}

# our_pid prints the pid in PIDFILE if that process is a live dockerd.
our_pid() {
	local pid
	[ -f "$PIDFILE" ] || return 1
	pid=$(cat "$PIDFILE" 2>/dev/null || true)
	[[ "$pid" =~ ^[0-9]+$ ]] || return 1
	[ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = dockerd ] || return 1
	echo "$pid"
}

stop() {
	local pid i
	if ! pid=$(our_pid); then
		rm -f "$PIDFILE"
		say "no daemon started by this script is running"
		return 0
	fi
	say "stopping dockerd (pid $pid)"
	$SUDO kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 60; i++)); do
		[ -d "/proc/$pid" ] || break
		sleep 0.5
	done
	if [ -d "/proc/$pid" ]; then
		say "dockerd did not stop in 30 s, killing it"
		$SUDO kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$PIDFILE"
}

install() {
	if command -v dockerd >/dev/null || [ -x /usr/sbin/dockerd ]; then
		return 0
	fi
	command -v apt-get >/dev/null || { say "dockerd is missing and there is no apt-get: install Docker Engine"; exit 1; }
	say "dockerd missing: installing docker.io (log: $APT_LOG)"
	if ! { $SUDO apt-get update && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io; } >"$APT_LOG" 2>&1; then
		tail -n 30 "$APT_LOG" >&2
		say "installing docker.io failed"
		exit 1
	fi
}

# start_once FLAGS...: starts dockerd with FLAGS and waits until it answers
# (return 0), dies (return 1) or the deadline passes (return 2).
start_once() {
	local args=(--default-address-pool "$POOL") pid
	[ "$SOCK" = /var/run/docker.sock ] || args+=(-H "unix://$SOCK")
	[ -z "$DATA_ROOT" ] || args+=(--data-root "$DATA_ROOT")
	[ -z "$EXEC_ROOT" ] || args+=(--exec-root "$EXEC_ROOT" --pidfile "$EXEC_ROOT/docker.pid")
	# shellcheck disable=SC2206
	args+=("$@" $EXTRA_ARGS)
	say "starting: dockerd ${args[*]}"
	echo "=== $(date -u +%FT%TZ) dockerd.sh: dockerd ${args[*]}" >>"$LOG"
	ATTEMPT_START=$(wc -l <"$LOG")
	# No job control in a script: the background job is not a process-group
	# leader, so setsid does not fork and $! is dockerd's pid.
	# 9>&-: the daemon must not inherit (and hold) the lock.
	$SUDO setsid nohup "$DOCKERD" "${args[@]}" >>"$LOG" 2>&1 </dev/null 9>&- &
	pid=$!
	if [ -n "$SUDO" ]; then
		sleep 0.5
		pid=$(pgrep -n -x dockerd || echo "$pid")
	fi
	echo "$pid" >"$PIDFILE"
	while [ "$SECONDS" -lt "$DEADLINE" ]; do
		if ping_ok || ping_ok_root; then
			say "daemon ready (pid $pid, log $LOG)"
			return 0
		fi
		if ! [ -d "/proc/$pid" ] || [ "$(cat "/proc/$pid/stat" 2>/dev/null | awk '{print $3}')" = Z ]; then
			wait "$pid" 2>/dev/null || true
			rm -f "$PIDFILE"
			return 1
		fi
		sleep 0.25
	done
	return 2
}

attempt_log() { tail -n "+$((ATTEMPT_START + 1))" "$LOG"; }

start() {
	install
	if ping_ok; then
		exit 0
	fi
	if ping_ok_root; then
		say "a daemon answers on $SOCK, but $(id -un) may not use the socket: add yourself to the docker group (sudo usermod -aG docker $(id -un), then log in again)"
		exit 1
	fi

	mkdir -p "$(dirname "$LOCK")"
	exec 9>>"$LOCK"
	flock -w 180 9 || { say "could not take $LOCK"; exit 1; }
	ping_ok && exit 0 # started by a concurrent call meanwhile

	DEADLINE=$((SECONDS + TIMEOUT))
	# A dockerd that is starting (its pid file exists, the API not yet up):
	# wait for it rather than start a second one on the same state.
	local dpid dfile=/var/run/docker.pid
	[ -z "$EXEC_ROOT" ] || dfile=$EXEC_ROOT/docker.pid
	dpid=$(cat "$dfile" 2>/dev/null || true)
	if [[ "$dpid" =~ ^[0-9]+$ ]] && [ "$(cat "/proc/$dpid/comm" 2>/dev/null || true)" = dockerd ]; then
		say "dockerd (pid $dpid) runs but does not answer on $SOCK yet: waiting"
		while [ "$SECONDS" -lt "$DEADLINE" ]; do
			ping_ok && exit 0
			sleep 0.5
		done
		say "dockerd (pid $dpid) runs but never answered on $SOCK in ${TIMEOUT}s: stop it or set DOCKER_HOST"
		exit 1
	fi

	DOCKERD=$(command -v dockerd || echo /usr/sbin/dockerd)
	touch "$LOG" 2>/dev/null || $SUDO touch "$LOG"
	local storage=(--storage-driver overlay2) net=() rc why
	while :; do
		rc=0
		start_once "${storage[@]}" "${net[@]}" || rc=$?
		[ "$rc" -eq 0 ] && exit 0
		if [ "$rc" -eq 2 ]; then
			tail -n 40 "$LOG" >&2
			say "dockerd did not answer on $SOCK within ${TIMEOUT}s (log: $LOG; it keeps running: scripts/dockerd.sh stop)"
			exit 1
		fi
		# It died: find out why (from its fatal message, not from the info
		# lines, which mention overlay and iptables too) and retry with the
		# matching fallback.
		why=$(attempt_log | grep -iE 'failed to start daemon|level=fatal' | tail -n 3 || true)
		[ -n "$why" ] || why=$(attempt_log | tail -n 5)
		if [ ${#storage[@]} -gt 0 ] && grep -qiE 'overlay|graphdriver|storage.driver|driver not supported|backing file ?system' <<<"$why"; then
			say "overlay2 unusable here; letting dockerd choose the storage driver"
			storage=()
		elif [ ${#net[@]} -eq 0 ] && grep -qiE 'iptables|ip6tables|xtables|nat chain|nf_tables' <<<"$why"; then
			say "iptables unusable here; retrying with --iptables=false --ip-masq=false"
			net=(--iptables=false --ip-masq=false)
		elif [ ${#net[@]} -eq 2 ] && grep -qiE 'network controller|bridge|netlink|docker0' <<<"$why"; then
			say "cannot create the default bridge here; last resort --bridge=none (no default bridge network)"
			net=(--iptables=false --ip-masq=false --bridge=none)
		else
			attempt_log | tail -n 40 >&2
			say "dockerd exited (log: $LOG)"
			exit 1
		fi
	done
}

case "${1:-start}" in
install) install ;;
start) start ;;
stop) stop ;;
status)
	if ping_ok; then
		echo "a daemon answers on $SOCK"
	else
		echo "no daemon answers on $SOCK"
		exit 1
	fi
	;;
*)
	echo "usage: $0 [install|start|stop|status]" >&2
	exit 2
	;;
esac
