#!/usr/bin/env bash
# make check: base -> work tree -> for each architecture in ARCHS (x86
# arm64): kernel -> selftests -> boot and run the KVM selftests in the VM ->
# kernel-log check; then the harness's own tests. Prints KTAP and ends with
# "N passed, N failed, N skipped".
. "$(dirname "$0")/lib.sh"

started=$(date +%s)
archs=${ARCHS:-x86 arm64}
for a in $archs; do
	case $a in
	x86 | arm64) ;;
	*) die "ARCHS='$archs': architectures are x86 and arm64" ;;
	esac
done
ARCHS=$archs "$TOP/scripts/deps.sh"
"$TOP/scripts/tree.sh" --ensure
if ! "$TOP/scripts/export-check.sh" >/dev/null 2>&1; then
	warn "the work tree has changes that are not in patches/; testing the work tree (see 'make export-check')"
fi

. "$TOP/scripts/suites.sh"
results=$BUILD/results.ktap
body=$BUILD/results.body
: >"$body"
top=0

# x86: KVM on the emulated SVM; five boots.
check_x86() {
	"$TOP/scripts/kernel.sh"
	local list=$TOP/tests/kvm-selftests.list demo_list
	"$TOP/scripts/selftests.sh" "$list"

	# The demo VMM joins the first suite when the kernel is built with what it
	# shows (the uAPI header has it whatever the option says).
	demo_list=$list
	if grep -q '^CONFIG_KVM_GUEST_MEMFD_MMAP=y' "$KBUILD/.config"; then
		"$TOP/scripts/tools.sh" gmem-demo
		cp "$OUT/gmem-demo" "$OUT/kvm/gmem-demo"
		demo_list=$OUT/kvm-with-demo.list
		{ cat "$list"; printf '120 gmem-demo --quiet\n'; } >"$demo_list"
	fi
	run_suite kvm "$demo_list" "${KCMDLINE:-}"
	# With in-place conversion off, the series must behave as upstream does.
	if grep -q gmem_in_place_conversion "$TREE/virt/kvm/kvm_main.c" &&
		grep -q '^CONFIG_KVM_GUEST_MEMFD_MMAP=y' "$KBUILD/.config"; then
		run_suite kvm-conversion-off "$list" "kvm.gmem_in_place_conversion=0 ${KCMDLINE:-}"
	fi
	# Huge folios (kvm.gmem_huge): the whole suite and the demo again, with
	# every guest_memfd 2 MiB-backed where it can be.
	if grep -q gmem_huge "$TREE/virt/kvm/guest_memfd.c" &&
		grep -q '^CONFIG_KVM_GUEST_MEMFD_MMAP=y' "$KBUILD/.config"; then
		run_suite kvm-huge "$demo_list" "kvm.gmem_huge=always ${KCMDLINE:-}"
	fi
	# Shadow paging: gmem-only memslots must not depend on two-dimensional
	# paging, and KVM's own page-table walks must reach guest_memfd.
	run_suite kvm-shadow-paging "$TOP/tests/kvm-shadow-paging.list" "kvm_amd.npt=0 ${KCMDLINE:-}"
	# The shadow MMU over NPT (kvm.tdp_mmu=0, no software-protected VMs): its
	# faults prefetch neighbouring pages, which must come from guest_memfd too.
	run_suite kvm-legacy-mmu "$TOP/tests/kvm-shadow-paging.list" "kvm.tdp_mmu=0 ${KCMDLINE:-}"
}

# arm64: KVM at EL2 of the emulated CPU, in VHE mode; three boots.
check_arm64() {
	"$TOP/scripts/kernel.sh"
	local list=$TOP/tests/kvm-selftests-arm64.list gmem=$TOP/tests/kvm-arm64-gmem.list
	"$TOP/scripts/selftests.sh" "$list"
	run_suite arm64-kvm "$list" "${KCMDLINE:-}"
	# Huge folios: stage-2 block mappings of guest_memfd.
	if grep -q '^CONFIG_KVM_GUEST_MEMFD_MMAP=y' "$KBUILD/.config"; then
		run_suite arm64-kvm-huge "$gmem" "kvm.gmem_huge=always ${KCMDLINE:-}"
	fi
	# The hypervisor at EL2 apart from the host kernel (nVHE): stage-2
	# maps, unmaps and cache maintenance go through hypercalls.
	run_suite arm64-nvhe "$gmem" "kvm-arm.mode=nvhe ${KCMDLINE:-}"
}

# Each architecture's kernel, selftests and logs have directories of their
# own (lib.sh): set them up afresh for it.
for a in $archs; do
	info "architecture $a"
	(
		KARCH=$a KBUILD='' OUT='' LOGS=''
		. "$TOP/scripts/lib.sh"
		"check_$a"
	)
	top=$(grep -cE '^(not )?ok ' "$body" || true)
done

info "harness self-tests"
"$TOP/tests/harness.sh" | tee "$OUT/harness.ktap"
{ printf 'KTAP version 1\n1..%d\n' "$(grep -cE '^(not )?ok ' "$OUT/harness.ktap")"
  cat "$OUT/harness.ktap"; } >"$OUT/harness-doc.ktap"
add_nested harness "$OUT/harness-doc.ktap" ""

{ printf 'KTAP version 1\n1..%d\n' "$top"; cat "$body"; } >"$results"
rc=0
"$TOP/scripts/summary.py" "$TREE/tools/testing/kunit" "$results" "$LOGS/ktap-parse.log" || rc=$?
info "make check took $(($(date +%s) - started))s; logs in ${LOGS#"$TOP"/}/, results in ${results#"$TOP"/}"
exit $rc
