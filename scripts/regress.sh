#!/usr/bin/env bash
# regress.sh: make check-regress. The whole KVM selftest suite of one
# architecture (every TEST_GEN_PROGS of tools/testing/selftests/kvm for
# $KARCH: x86 by default, arm64 with ARCHS=arm64) on stock 6.12 and on the
# series, and a per-test table of the differences. Zero regressions: a
# test that passes on stock must pass in every other column.
#
#   x86 column    kernel                            selftests
#   stock         the base, no series               stock 6.12
#   off           series, CONFIG_KVM_GUEST_MEMFD_MMAP=n   stock 6.12
#   param0        series, kvm.gmem_in_place_conversion=0  stock 6.12
#   param0+tests  series, kvm.gmem_in_place_conversion=0  the series'
#   param1        series (conversion on, the default)     the series'
#
#   arm64 column  kernel                            selftests
#   stock         the base, no series               stock 6.12
#   series        series                            stock 6.12
#   series+tests  series                            the series'
#
# Stock tests on the series' kernels show that 6.12 behaviour is intact
# where the series promises it; the series' own tests (which follow what
# KVM advertises) are what changes with conversion on. REGRESS_JOBS VMs
# run at once (default: one per core; a VM is one TCG thread);
# REGRESS_TIMEOUT is the per-test limit in seconds (default 300);
# REGRESS_COLUMNS names the columns to run again (default: all of them).
. "$(dirname "$0")/lib.sh"
R=$BUILD/regress$KARCH_SUFFIX
started=$(date +%s)
"$TOP/scripts/deps.sh"
"$TOP/scripts/tree.sh" --ensure
need python3

# The stock tree: the base commit, checked out beside the work tree.
stock=$BUILD/stock/tree
if [ ! -e "$stock/.git" ]; then
	rm -rf "$stock"
	mkdir -p "$(dirname "$stock")"
	tgit worktree prune
	tgit worktree add -q --detach "$stock" "$BASE_TAG" ||
		die "could not check out the base ($BASE_TAG) at $stock"
else
	git -C "$stock" checkout -q --force --detach "$BASE_TAG"
fi

stock_kbuild=$BUILD/kbuild-stock$KARCH_SUFFIX
if [ "$KARCH" = x86 ]; then
	info "kernel 1/3: the series"
	"$TOP/scripts/kernel.sh"
	info "kernel 2/3: the series with CONFIG_KVM_GUEST_MEMFD_MMAP=n"
	KCONFIG_EXTRA=$TOP/kernel/no-gmem-mmap.config "$TOP/scripts/kernel.sh"
	info "kernel 3/3: stock 6.12 (the base without the series)"
else
	info "kernel 1/2: the series ($KARCH)"
	"$TOP/scripts/kernel.sh"
	info "kernel 2/2: stock 6.12 (the base without the series, $KARCH)"
fi
TREE=$stock KBUILD=$stock_kbuild "$TOP/scripts/kernel.sh"

# suite NAME TREE KBUILD: build all of $KARCH's KVM selftests of TREE
# against KBUILD's uAPI headers into $R/NAME/kvm, with a ktap-run list.
suite() {
	local name=$1 tree=$2 kbuild=$3 list=$R/$1.list
	mkdir -p "$R"
	make -s -C "$tree/tools/testing/selftests/kvm" -f Makefile -f - print-progs ARCH="$KARCH" \
		<<<'print-progs: ; @echo $(patsubst $(OUTPUT)/%,%,$(TEST_GEN_PROGS))' |
		tr ' ' '\n' | grep . | sort |
		awk -v t="${REGRESS_TIMEOUT:-300}" '{ print t, $0 }' >"$list"
	[ -s "$list" ] || die "found no KVM selftests in $tree"
	info "selftests: $name ($(wc -l <"$list") programs from ${tree#"$TOP"/})"
	TREE=$tree KBUILD=$kbuild OUT=$R/$name "$TOP/scripts/selftests.sh" "$list"
}
suite stock-tests "$stock" "$stock_kbuild"
suite series-tests "$TREE" "$KBUILD"

# run_column NAME KBUILD TESTS KCMDLINE: one boot running one suite.
run_column() {
	local name=$1 kbuild=$2 tests=$3 cmdline=${4:-} log=$R/$1.log specs=()
	printf 'export GMEM_RACE_SECONDS=5\nktap-run /kvm/tests.list\n' >"$R/job-$name.sh"
	specs=("$R/$tests/kvm:/kvm")
	"$TOP/scripts/initramfs.sh" "$R/initramfs-$name.cpio" "$R/job-$name.sh" "${specs[@]}"
	KBUILD=$kbuild "$TOP/scripts/vm.sh" -t "${VM_TIMEOUT:-14400}" -a "$cmdline" -l "$log" \
		"$R/initramfs-$name.cpio" >/dev/null 2>&1 || true
	# Kernel reports (Oops, WARNING, lockdep, KASAN) fail the column; the
	# table also checks that the VM finished its job.
	"$TOP/scripts/splat.sh" "$log" >"$R/$name.splat" 2>&1 || true
	printf '    column %-13s %s\n' "$name" \
		"$(grep -cE '^ok [0-9]+ ' "$log" || true) ok, $(grep -cE '^not ok [0-9]+ ' "$log" || true) not ok ($(($(date +%s) - started))s since start)"
}

jobs=${REGRESS_JOBS:-$(nproc)}
info "$KARCH: running ${REGRESS_COLUMNS:-all columns}, $jobs VM(s) at a time (logs: ${R#"$TOP"/}/COLUMN.log; this takes a while)"
if [ "$KARCH" = x86 ]; then
	set -- \
		"stock $stock_kbuild stock-tests" \
		"off $BUILD/kbuild-no-gmem-mmap stock-tests" \
		"param0 $KBUILD stock-tests kvm.gmem_in_place_conversion=0" \
		"param0+tests $KBUILD series-tests kvm.gmem_in_place_conversion=0" \
		"param1 $KBUILD series-tests"
else
	set -- \
		"stock $stock_kbuild stock-tests" \
		"series $KBUILD stock-tests" \
		"series+tests $KBUILD series-tests"
fi
columns=()
for spec in "$@"; do
	columns+=("${spec%% *}")
done
for spec in "$@"; do
	# REGRESS_COLUMNS="param0+tests param1": run only those; the table
	# takes the other columns from their last logs.
	case " ${REGRESS_COLUMNS:-${spec%% *}} " in
	*" ${spec%% *} "*) ;;
	*) continue ;;
	esac
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n || true
	done
	# shellcheck disable=SC2086
	run_column $spec &
	sleep 1
done
wait

rc=0
python3 "$TOP/scripts/regress-table.py" --expected "$TOP/tests/regress-expected$KARCH_SUFFIX.txt" "$R" "${columns[@]}" || rc=$?
info "make check-regress took $(($(date +%s) - started))s; table: ${R#"$TOP"/}/table.txt"
exit $rc
