#!/usr/bin/env bash
# make lint: checkpatch --strict on every patch, then build every prefix of
# the series (bisectability) in a worktree of its own, build/lint/, sharing
# ccache with the main build so that only what a patch changed recompiles,
# for x86 and arm64 (ARCHS); last, the whole series with KVM as modules.
#   LINT_FROM=N   build the prefixes from patch N on only (checkpatch
#                 still reads every patch)
. "$(dirname "$0")/lib.sh"

[ -d "$TREE/.git" ] || "$TOP/scripts/tree.sh" --ensure
fail=0
mapfile -t patches < <(series_patches)

info "checkpatch --strict on ${#patches[@]} patches"
for p in "${patches[@]}"; do
	# Debian's python3 (with python3-ply) for checkpatch's SPDX check.
	# The base is Debian's tarball, without upstream's history, so the
	# commit ids of Fixes: tags cannot be looked up (UNKNOWN_COMMIT_ID).
	if out=$(cd "$TREE" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl --strict --quiet \
			--no-summary --ignore UNKNOWN_COMMIT_ID "$TOP/patches/$p" 2>&1) &&
		[ -z "$out" ]; then
		say "  ok   $p"
	else
		say "  FAIL $p"
		printf '%s\n' "$out" | sed 's/^/       /'
		fail=1
	fi
done

# Bisectability: each prefix of the series, as exported in patches/.
lint=$BUILD/lint
if [ ! -d "$lint/tree/.git" ]; then
	rm -rf "$lint/tree"
	mkdir -p "$lint"
	run_step "making the lint work tree" "$LOGS/lint-tree.log" \
		bash -c 'git clone -q --shared --no-checkout "$1" "$2" && git -C "$2" checkout -q -B series "$3"' \
		_ "$TREE" "$lint/tree" "$BASE_TAG"
fi
TREE=$lint/tree TREE_DISPOSABLE=1 "$TOP/scripts/tree.sh" >"$LOGS/lint-apply.log" 2>&1 ||
	{ cat "$LOGS/lint-apply.log"; die "the series does not apply (see above)"; }
# lint_prefix ARCH I REV: build prefix I (commit REV) of the series for
# ARCH, and its KVM selftests if patch I touched them.
lint_prefix() {
	local a=$1 i=$2 rev=$3 log=$LOGS/lint-build-$1-$2.log kb=$lint/kbuild optional=''
	local list=$TOP/tests/kvm-selftests.list dir=x86_64
	if [ "$a" = arm64 ]; then
		kb=$lint/kbuild-arm64 list=$TOP/tests/kvm-selftests-arm64.list dir=aarch64
		# The series' option exists for arm64 only from the patch that
		# lets arm64 select it.
		grep -q 'select HAVE_KVM_ARCH_GMEM_MMAP' "$lint/tree/arch/arm64/kvm/Kconfig" ||
			optional=CONFIG_KVM_GUEST_MEMFD_MMAP
	fi
	# A patch that changes nothing ARCH's kernel is built from (only
	# selftests, documentation, MAINTAINERS, the other architecture)
	# leaves the previous prefix's build as it was: no need to run it.
	if [ "$i" -gt "${LINT_FROM:-1}" ] &&
		! git -C "$lint/tree" diff --name-only "$rev~1" "$rev" |
		awk -v own="arch/$a/" '!/^(tools\/testing|Documentation)\// && $0 != "MAINTAINERS" &&
			!(/^arch\// && index($0, own) != 1)' | grep -q .; then
		say "  the $a kernel is built from the same sources as patch $((i - 1))'s"
	elif ! KARCH=$a TREE=$lint/tree KBUILD=$kb KCONFIG_OPTIONAL=$optional \
			"$TOP/scripts/kernel.sh" >"$log" 2>&1; then
		tail -n 20 "$log"
		say "  FAIL: patch $i: the $a kernel does not build (log: ${log#"$TOP"/})"
		fail=1
		return
	fi
	# A patch that touches the KVM selftests must leave them building too.
	if git -C "$lint/tree" diff --quiet "$rev~1" "$rev" -- tools/testing/selftests/kvm; then
		return
	fi
	# Only the tests this prefix of the series already has for ARCH.
	while read -r tmo prog args; do
		[ -f "$lint/tree/tools/testing/selftests/kvm/$prog.c" ] || continue
		[ "${prog%%/*}" = "$dir" ] ||
			grep -qx "TEST_GEN_PROGS_$dir += $prog" "$lint/tree/tools/testing/selftests/kvm/Makefile" ||
			continue
		printf '%s %s %s\n' "$tmo" "$prog" "$args"
	done < <(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$list") >"$lint/tests-$a.list"
	[ -s "$lint/tests-$a.list" ] || return 0
	if ! KARCH=$a TREE=$lint/tree KBUILD=$kb OUT=$lint/out-$a \
			"$TOP/scripts/selftests.sh" "$lint/tests-$a.list" >>"$log" 2>&1; then
		tail -n 20 "$log"
		say "  FAIL: patch $i: the $a KVM selftests do not build (log: ${log#"$TOP"/})"
		fail=1
	fi
}

n=${#patches[@]}
for i in $(seq "${LINT_FROM:-1}" "$n"); do
	rev=$(git -C "$lint/tree" rev-parse "series~$((n - i))")
	git -C "$lint/tree" checkout -q --detach "$rev"
	subj=$(git -C "$lint/tree" log -1 --format=%s)
	for a in ${ARCHS:-x86 arm64}; do
		info "[$i/$n] $a: $subj"
		lint_prefix "$a" "$i" "$rev"
	done
done
git -C "$lint/tree" checkout -q series

# The whole series with KVM as modules, as distributions build it: modpost
# fails on a symbol used across vmlinux and kvm.ko without an export.
# (x86 only: arm64's KVM cannot be a module.)
if [[ " ${ARCHS:-x86 arm64} " == *" x86 "* ]]; then
	info "the series with KVM as modules (kernel/modular-kvm.config)"
	log=$LOGS/lint-build-modular.log
	if ! KARCH=x86 TREE=$lint/tree KBUILD=$lint/kbuild-modular-kvm \
			KCONFIG_EXTRA=$TOP/kernel/modular-kvm.config \
			"$TOP/scripts/kernel.sh" >"$log" 2>&1; then
		tail -n 20 "$log"
		say "  FAIL: the series does not build with KVM as modules (log: ${log#"$TOP"/})"
		fail=1
	fi
fi
[ "$n" -gt 0 ] || say "  (the series has no patches yet: nothing to build)"
[ "$fail" -eq 0 ] || die "lint found problems (above)"
modular=''
[[ " ${ARCHS:-x86 arm64} " != *" x86 "* ]] || modular=', and the series builds with KVM as modules'
info "lint clean: ${#patches[@]} patches pass checkpatch --strict, every prefix from ${LINT_FROM:-1} builds for ${ARCHS:-x86 arm64}$modular"
