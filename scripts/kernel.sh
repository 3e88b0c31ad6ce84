#!/usr/bin/env bash
# Configure and build the test kernel for $KARCH (x86 or arm64, see lib.sh)
# from the work tree, out of tree (O=build/kbuild, build/kbuild-arm64) with
# ccache. Prints nothing but progress; the image is $KBUILD/$KIMAGE.
. "$(dirname "$0")/lib.sh"

need make gcc ccache flex bison bc ${CROSS_COMPILE:+${CROSS_COMPILE}gcc}
[ -e "$TREE/.git" ] || die "no work tree at $TREE; run 'make tree' first"
mkdir -p "$KBUILD"

fragments=("$TOP/kernel/test.config" "$TOP/kernel/test-$KARCH.config")
[ -z "${DEBUG:-}" ] || fragments+=("$TOP/kernel/debug.config")
[ -z "${KCONFIG_EXTRA:-}" ] || fragments+=("$KCONFIG_EXTRA")

KMAKE=(make -C "$TREE" O="$KBUILD" CC="ccache ${CROSS_COMPILE}gcc" HOSTCC="ccache gcc"
	KBUILD_BUILD_TIMESTAMP="$FIXED_DATE" KBUILD_BUILD_USER=gmem612
	KBUILD_BUILD_HOST=harness LOCALVERSION=)
[ "$KARCH" = x86 ] || KMAKE+=(ARCH="$KARCH" CROSS_COMPILE="$CROSS_COMPILE")

# Regenerate the config each time (a patch may add Kconfig symbols), but
# keep the old .config file when nothing changed, so make sees no change.
cfg=$KBUILD/.config
configure() {
	[ ! -f "$cfg" ] || cp -p "$cfg" "$cfg.prev"
	"${KMAKE[@]}" tinyconfig
	# merge_config.sh keeps its temporary files in the current directory.
	(cd "$KBUILD" && "$TREE/scripts/kconfig/merge_config.sh" -m -O "$KBUILD" "$cfg" "${fragments[@]}")
	"${KMAKE[@]}" olddefconfig
	if [ -f "$cfg.prev" ] && cmp -s "$cfg" "$cfg.prev"; then
		mv "$cfg.prev" "$cfg"
	fi
	rm -f "$cfg.prev"
}
run_step "configuring test kernel" "$LOGS/kconfig.log" configure

# merge_config only warns about options that did not stick; we insist on
# each option's last value across the fragments, except for symbols this
# tree does not define (the series adds some: an early patch of it, or the
# stock base, simply lacks them).
missing=$(awk '
	/^CONFIG_[A-Za-z0-9_]+=/ { i = index($0, "="); v[substr($0, 1, i - 1)] = substr($0, i + 1) }
	/^# CONFIG_[A-Za-z0-9_]+ is not set/ { v[$2] = "n" }
	END { for (k in v) print k, v[k] }' "${fragments[@]}" |
	while read -r sym val; do
		if [ "$val" = n ]; then
			grep -q "^$sym=" "$cfg" || continue
		else
			grep -qxF "$sym=$val" "$cfg" && continue
		fi
		if ! grep -rqsxE --include='Kconfig*' "(menu)?config ${sym#CONFIG_}" "$TREE"; then
			echo "note: $sym is not defined in this tree; ignored" >>"$LOGS/kconfig.log"
			continue
		fi
		# KCONFIG_OPTIONAL: symbols the caller knows may be out of reach
		# (make lint: the series' option on arm64 before the patch
		# that lets arm64 select it).
		if [[ " ${KCONFIG_OPTIONAL:-} " == *" $sym "* ]]; then
			echo "note: $sym cannot be set here (KCONFIG_OPTIONAL); ignored" >>"$LOGS/kconfig.log"
			continue
		fi
		printf '  %s=%s (got: %s)\n' "$sym" "$val" \
			"$(grep -E "^(# )?$sym[= ]" "$cfg" || echo unset)"
	done)
[ -z "$missing" ] || die "these test-kernel options did not survive olddefconfig (unmet dependencies?):
$missing"

jobs=$(($(nproc) + 1))
targets=("$(basename "$KIMAGE")")
# A configuration with modules (make lint's modular KVM) builds them too:
# modpost is what checks the exports.
! grep -q '^CONFIG_MODULES=y' "$cfg" || targets+=(modules)
run_step "building kernel (make -j$jobs ${targets[*]})" "$LOGS/kernel-build.log" \
	"${KMAKE[@]}" -j"$jobs" "${targets[@]}"
run_step "installing uAPI headers" "$LOGS/headers.log" \
	"${KMAKE[@]}" INSTALL_HDR_PATH="$KBUILD/hdr" headers_install
info "kernel $(cat "$KBUILD/include/config/kernel.release"): ${KBUILD#"$TOP"/}/$KIMAGE"
