#!/usr/bin/env bash
# deps.sh [PACKAGE...]: install the Debian packages the harness needs, and
# those named (for one target, e.g. gnuplot-nox for make bench), if missing.
. "$(dirname "$0")/lib.sh"

pkgs=(make gcc libc6-dev git ccache flex bison bc libelf-dev libssl-dev
	cpio rsync procps xz-utils file python3 python3-ply python3-git qemu-system-x86 busybox-static "$@")
# The other architectures of ARCHS (all by default): cross compilers, QEMU.
# shellcheck disable=SC2086 # ARCHS is a list of words
mapfile -t -O ${#pkgs[@]} pkgs < <(arch_packages ${ARCHS:-x86 arm64})
[ -f /etc/debian_version ] || die "this harness needs Debian 12 (bookworm) x86_64 with apt"
[ "$(uname -m)" = x86_64 ] || die "this harness needs an x86_64 machine (found $(uname -m))"

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -gt 0 ] || exit 0

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || die "missing packages: ${missing[*]}; run as root: apt-get install ${missing[*]}"
	sudo=(sudo)
fi
info "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
run_step "apt-get update" "$LOGS/apt.log" "${sudo[@]}" apt-get update
run_step "apt-get install" "$LOGS/apt-install.log" \
	"${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
