#!/usr/bin/env bash
# make mutants: how many plausible kernel bugs does the suite catch?
#
# Each tests/mutants/*.patch is one small bug in the series' kernel code.
# For each: apply it to a scratch checkout of the series (build/mutants/tree,
# the work tree's committed HEAD), rebuild the kernel incrementally, and run
# the guest_memfd tests (tests/mutants/suite.list) in the five x86
# configurations of make check (conversion on, off, huge folios, shadow
# paging, the shadow MMU over NPT), stopping at the first failure. A
# mutant with an "Arch: arm64" line in its header is an arm64 bug: the
# arm64 kernel is rebuilt instead, and the arm64 guest_memfd tests
# (tests/kvm-arm64-gmem.list) run in make check's three arm64 boots. A
# mutant is killed when a test fails, the VM dies, or the kernel prints a
# report; it survived when everything passed.
# The unmutated kernel must pass first. Prints a table and the kill rate
# (also in build/mutants/table.txt).
#
#   MUTANTS="03 17"   run only the mutants whose file names start so
. "$(dirname "$0")/lib.sh"

M=$BUILD/mutants
started=$(date +%s)
ARCHS='x86 arm64' "$TOP/scripts/deps.sh"
"$TOP/scripts/tree.sh" --ensure
if [ -n "$(git -C "$TREE" status --porcelain --untracked-files=no)" ]; then
	warn "the work tree has uncommitted changes; mutants apply to its last commit"
fi

# The scratch tree mirrors the layout build/tree + build/kbuild, so the
# compiler cache serves both (CCACHE_BASEDIR).
mtree=$M/tree
if [ ! -e "$mtree/.git" ]; then
	rm -rf "$mtree"
	mkdir -p "$M"
	tgit worktree prune
	tgit worktree add -q --detach "$mtree" series ||
		die "could not check out the series at $mtree"
fi
reset_tree() {
	git -C "$mtree" checkout -q --force --detach "$(tgit rev-parse series)"
	git -C "$mtree" clean -q -fd
}
reset_tree

# Every configuration, whatever SUITES= says: a skipped boot kills nothing.
export TREE=$mtree KBUILD=$M/kbuild OUT=$M/out LOGS=$M/logs KTAP_STOP_ON_FAIL=1 SUITES=
export VM_TIMEOUT=${VM_TIMEOUT:-900}
mkdir -p "$OUT" "$LOGS"
list=$TOP/tests/mutants/suite.list
shadow_list=$M/shadow.list
grep -xFf "$TOP/tests/kvm-shadow-paging.list" "$list" >"$shadow_list" || true
. "$TOP/scripts/suites.sh"

arm64_list=$TOP/tests/kvm-arm64-gmem.list

# The architecture a mutant is for: x86 unless its header says otherwise.
mutant_arch() {
	sed -n '/^diff --git/q; s/^Arch: *//p' "$1" | grep . || echo x86
}

# in_arch ARCH CMD...: run CMD with ARCH's kernel, outputs and logs.
in_arch() {
	local a=$1
	shift
	if [ "$a" = x86 ]; then
		"$@"
	else
		(
			export KARCH=$a KBUILD=$M/kbuild-$a OUT=$M/out-$a LOGS=$M/logs-$a
			mkdir -p "$OUT" "$LOGS"
			"$@"
		)
	fi
}

# run_all: the configurations of $KARCH (x86: five), stopping at the first
# that fails. Prints the first failure, if any; exit status 1 when
# something failed.
run_all() {
	local suite cmdline l suites=(kvm kvm-conversion-off kvm-huge kvm-shadow-paging kvm-legacy-mmu)
	[ "$KARCH" = x86 ] || suites=(arm64-kvm arm64-kvm-huge arm64-nvhe)
	for suite in "${suites[@]}"; do
		case $suite in
		kvm) cmdline='' l=$list ;;
		kvm-conversion-off) cmdline='kvm.gmem_in_place_conversion=0' l=$list ;;
		kvm-huge) cmdline='kvm.gmem_huge=always' l=$list ;;
		kvm-shadow-paging) cmdline='kvm_amd.npt=0' l=$shadow_list ;;
		kvm-legacy-mmu) cmdline='kvm.tdp_mmu=0' l=$shadow_list ;;
		arm64-kvm) cmdline='' l=$arm64_list ;;
		arm64-kvm-huge) cmdline='kvm.gmem_huge=always' l=$arm64_list ;;
		arm64-nvhe) cmdline='kvm-arm.mode=nvhe' l=$arm64_list ;;
		esac
		body=$OUT/body-$suite top=0
		: >"$body"
		run_suite "$suite" "$l" "$cmdline" >"$LOGS/run-$suite.out" 2>&1
		{ printf 'KTAP version 1\n1..%d\n' "$top"; cat "$body"; } >"$OUT/results-$suite.ktap"
		if ! "$TOP/scripts/summary.py" "$TREE/tools/testing/kunit" \
			"$OUT/results-$suite.ktap" >"$OUT/summary-$suite.txt" 2>&1; then
			sed -n '/^failed:/{n;p;q}' "$OUT/summary-$suite.txt" | sed 's/^ *//' | cut -c1-90
			return 1
		fi
	done
}

selected() {
	[ -z "${MUTANTS:-}" ] && return 0
	case " $MUTANTS " in *" ${1%%-*} "*) return 0 ;; esac
	return 1
}

# The unmutated kernel of each architecture that a selected mutant is for.
baseline() {
	info "the unmutated $KARCH kernel and the tests (${KBUILD#"$TOP"/})"
	"$TOP/scripts/kernel.sh"
	if [ "$KARCH" = x86 ]; then
		"$TOP/scripts/selftests.sh" "$list"
	else
		"$TOP/scripts/selftests.sh" "$arm64_list"
	fi
	first=$(run_all) && rc=0 || rc=$?
	[ $rc -eq 0 ] || die "the $KARCH suite fails without any mutant: $first (logs: ${LOGS#"$TOP"/})"
}
archs=$(for patch in "$TOP"/tests/mutants/*.patch; do
	selected "$(basename "$patch")" && mutant_arch "$patch"
done | sort -u)
for a in $archs; do
	in_arch "$a" baseline
done

table=$M/table.txt
printf '%-44s %-9s %6s  %s\n' mutant result time "killed by (first failure)" >"$table.tmp"
killed=0 total=0
for patch in "$TOP"/tests/mutants/*.patch; do
	name=$(basename "$patch" .patch)
	selected "$name" || continue
	arch=$(mutant_arch "$patch")
	total=$((total + 1))
	t0=$(date +%s)
	info "mutant $name ($arch): $(sed -n 's/^Subject: //p' "$patch")"
	reset_tree
	if ! git -C "$mtree" apply "$patch" 2>"$LOGS/apply.log"; then
		result=STALE why="does not apply to the series any more; update it"
	elif ! in_arch "$arch" "$TOP/scripts/kernel.sh" >"$LOGS/mutant-build.log" 2>&1; then
		result=NOBUILD why="the mutated kernel does not build (log: ${LOGS#"$TOP"/}/mutant-build.log)"
	elif why=$(in_arch "$arch" run_all); then
		result=SURVIVED why="-"
	else
		result=KILLED
		killed=$((killed + 1))
	fi
	line=$(printf '%-44s %-9s %5ss  %s' "$name" "$result" "$(($(date +%s) - t0))" "$why")
	say "$line"
	say "$line" >>"$table.tmp"
done
reset_tree
[ "$total" -gt 0 ] || die "no mutant matched MUTANTS='${MUTANTS:-}'"
{
	echo
	echo "$killed of $total mutants killed ($((100 * killed / total))%); $(($(date +%s) - started))s"
} >>"$table.tmp"
mv "$table.tmp" "$table"
say ""
cat "$table"
info "make mutants took $(($(date +%s) - started))s; table: ${table#"$TOP"/}"
[ "$killed" -eq "$total" ]
