#!/usr/bin/env bash
# Configure and build the test kernel from the work tree, out of tree
# (O=build/kbuild) with ccache. Prints nothing but progress; the image is
# $KBUILD/arch/x86/boot/bzImage.
. "$(dirname "$0")/lib.sh"

need make gcc ccache flex bison bc
[ -d "$TREE/.git" ] || die "no work tree at $TREE; run 'make tree' first"
mkdir -p "$KBUILD"

fragments=("$TOP/kernel/test.config")
[ -z "${DEBUG:-}" ] || fragments+=("$TOP/kernel/debug.config")
[ -z "${KCONFIG_EXTRA:-}" ] || fragments+=("$KCONFIG_EXTRA")

KMAKE=(make -C "$TREE" O="$KBUILD" CC="ccache gcc" HOSTCC="ccache gcc"
	KBUILD_BUILD_TIMESTAMP="$FIXED_DATE" KBUILD_BUILD_USER=gmem612
	KBUILD_BUILD_HOST=harness LOCALVERSION=)

# Regenerate the config each time (a patch may add Kconfig symbols), but
# keep the old .config file when nothing changed, so make sees no change.
cfg=$KBUILD/.config
configure() {
	[ ! -f "$cfg" ] || cp -p "$cfg" "$cfg.prev"
	"${KMAKE[@]}" tinyconfig
	"$TREE/scripts/kconfig/merge_config.sh" -m -O "$KBUILD" "$cfg" "${fragments[@]}"
	"${KMAKE[@]}" olddefconfig
	if [ -f "$cfg.prev" ] && cmp -s "$cfg" "$cfg.prev"; then
		mv "$cfg.prev" "$cfg"
	fi
	rm -f "$cfg.prev"
}
run_step "configuring test kernel" "$LOGS/kconfig.log" configure

# merge_config only warns about options that did not stick; we insist.
missing=$(cat "${fragments[@]}" | sed -n 's/^\(CONFIG_[A-Za-z0-9_]*=.*\)/\1/p' |
	while IFS= read -r line; do
		grep -qxF "$line" "$cfg" || printf '  %s (got: %s)\n' "$line" \
			"$(grep -E "^(# )?${line%%=*}[= ]" "$cfg" || echo unset)"
	done)
[ -z "$missing" ] || die "these test-kernel options did not survive olddefconfig (unmet dependencies?):
$missing"

jobs=$(($(nproc) + 1))
run_step "building kernel (make -j$jobs bzImage)" "$LOGS/kernel-build.log" \
	"${KMAKE[@]}" -j"$jobs" bzImage
run_step "installing uAPI headers" "$LOGS/headers.log" \
	"${KMAKE[@]}" INSTALL_HDR_PATH="$KBUILD/hdr" headers_install
info "kernel $(cat "$KBUILD/include/config/kernel.release"): ${KBUILD#"$TOP"/}/arch/x86/boot/bzImage"
