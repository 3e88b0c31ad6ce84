# shellcheck shell=bash
# Common helpers for the harness scripts: paths, messages, timed steps.
# Sourced, never run.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../kernel/base.pin
. "$TOP/kernel/base.pin"
PIN_VERSION=$BASE_VERSION
BASE=${BASE:-$PIN_VERSION}

BUILD=$TOP/build
DL=$BUILD/dl
if [ "$BASE" = "$PIN_VERSION" ]; then
	VARIANT=$BUILD
else
	# Another 6.12.y: keep its tree and objects apart from the pinned one.
	VARIANT=$BUILD/alt/$(printf '%s' "$BASE" | tr -c 'A-Za-z0-9.+-' '_')
fi
# DEBUG=0 (or n, no) is off, like DEBUG unset.
case ${DEBUG:-} in
0 | n | no | N | NO) DEBUG= ;;
esac
export DEBUG
# KARCH: the architecture of the test kernel and VM, x86 (default) or arm64.
# make's ARCHS ('x86 arm64', what make check runs) names it too when it
# names one. Never ARCH: make exports it to every kernel build it starts.
if [ -z "${KARCH:-}" ] && [ -n "${ARCHS:-}" ] && [ "${ARCHS// /}" = "$ARCHS" ]; then
	KARCH=$ARCHS
fi
KARCH=${KARCH:-x86}
case $KARCH in
x86)	KARCH_SUFFIX='' KIMAGE=arch/x86/boot/bzImage CROSS_COMPILE='' ;;
arm64)	KARCH_SUFFIX=-arm64 KIMAGE=arch/arm64/boot/Image CROSS_COMPILE=aarch64-linux-gnu- ;;
*)	printf 'error: unknown architecture %s (ARCHS/KARCH: x86 or arm64)\n' "$KARCH" >&2; exit 1 ;;
esac
export KARCH
# x86_only TARGET: for the targets that have no arm64 side (the demo and
# the benchmark drive x86 VM types; the maple tree reproducer is an x86
# run).
x86_only() {
	[ "$KARCH" = x86 ] || die "make $1 runs on x86 only; drop ARCHS=$KARCH"
}
# arch_packages ARCH...: the Debian packages the architectures need beyond
# the x86 harness's own (scripts/deps.sh).
arch_packages() {
	local a
	for a in "$@"; do
		case $a in
		arm64) printf '%s\n' gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu \
			libc6-dev-arm64-cross qemu-system-arm ;;
		esac
	done
}
# KCONFIG_EXTRA: one more config fragment (e.g. kernel/no-gmem-mmap.config);
# its kernel and outputs live apart, named after it.
flavour=$KARCH_SUFFIX${DEBUG:+-debug}
if [ -n "${KCONFIG_EXTRA:-}" ]; then
	KCONFIG_EXTRA=$(realpath "$KCONFIG_EXTRA")
	flavour=$flavour-$(basename "$KCONFIG_EXTRA" .config)
fi
TREE=${TREE:-$VARIANT/tree}
KBUILD=${KBUILD:-$VARIANT/kbuild$flavour}
OUT=${OUT:-$VARIANT/out$flavour}
LOGS=${LOGS:-$BUILD/logs$flavour}
BASE_TAG=base

# The project identity used for every commit and patch of the series.
IDENT_NAME="Seed 19ce1310 maintainers"
IDENT_EMAIL="maintainers@users.noreply.h-seed-19ce1310.example"
# Fixed dates make the base commit (and so base-commit:) reproducible.
FIXED_DATE="2026-01-01T00:00:00+0000"

# The test VM: vCPUs, memory, and NUMA nodes it is split into (QEMU -numa).
VM_CPUS=${VM_CPUS:-2}
VM_MEM=${VM_MEM:-4G}
VM_NODES=${VM_NODES:-2}

export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
# Paths under build/ are rewritten relative to the object directory, so that
# trees with the same layout (build/tree, build/lint/tree) share cache hits.
export CCACHE_BASEDIR=$BUILD
mkdir -p "$BUILD" "$LOGS"

if [ -t 1 ]; then
	C_RED=$'\e[31m' C_GRN=$'\e[32m' C_YEL=$'\e[33m' C_BLD=$'\e[1m' C_OFF=$'\e[0m'
else
	C_RED='' C_GRN='' C_YEL='' C_BLD='' C_OFF=''
fi

say()  { printf '%s\n' "$*"; }
info() { printf '%s==>%s %s\n' "$C_BLD" "$C_OFF" "$*"; }
warn() { printf '%swarning:%s %s\n' "$C_YEL" "$C_OFF" "$*" >&2; }
die()  { printf '%serror:%s %s\n' "$C_RED" "$C_OFF" "$*" >&2; exit 1; }

need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 ||
			die "'$t' is not installed; run 'make deps' (or: apt-get install the package providing it)"
	done
}

# kill_tree PID: SIGTERM to PID and all of its descendants, children first.
kill_tree() {
	local child
	for child in $(pgrep -P "$1"); do
		kill_tree "$child"
	done
	kill -TERM "$1" 2>/dev/null || true
}

# run_step NAME LOG CMD...: run CMD with its output in LOG, print elapsed
# time every 15 s, and on failure the last lines of LOG.  CMD (a command or
# a shell function) runs as a background job, which ignores Ctrl-C; so
# Ctrl-C or SIGTERM to the script stops CMD and everything it started, a
# kernel build's compilers included.
run_step() {
	local name=$1 log=$2 start pid rc=0 t
	shift 2
	start=$(date +%s)
	printf '%s==>%s %s (log: %s)\n' "$C_BLD" "$C_OFF" "$name" "${log#"$TOP"/}"
	"$@" >"$log" 2>&1 &
	pid=$!
	# shellcheck disable=SC2064 # $pid and $name are meant to expand now
	trap "kill_tree $pid; die $(printf %q "interrupted: $name stopped")" INT TERM
	while kill -0 "$pid" 2>/dev/null; do
		for t in $(seq 1 15); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 1
		done
		kill -0 "$pid" 2>/dev/null &&
			printf '    ... %s: %ds\n' "$name" $(($(date +%s) - start))
	done
	wait "$pid" || rc=$?
	trap - INT TERM
	if [ "$rc" -ne 0 ]; then
		printf '%s--- last lines of %s ---%s\n' "$C_RED" "$log" "$C_OFF" >&2
		tail -n 25 "$log" >&2
		die "$name failed (exit $rc); full log: $log"
	fi
	printf '    %s done in %ds\n' "$name" $(($(date +%s) - start))
}

# Commands that run git in the work tree with the project identity.
tgit() {
	GIT_AUTHOR_NAME=$IDENT_NAME GIT_AUTHOR_EMAIL=$IDENT_EMAIL \
	GIT_COMMITTER_NAME=$IDENT_NAME GIT_COMMITTER_EMAIL=$IDENT_EMAIL \
		git -C "$TREE" "$@"
}

series_patches() {
	grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$TOP/patches/series" || true
}
