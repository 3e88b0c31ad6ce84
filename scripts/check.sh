#!/usr/bin/env bash
# make check: base -> work tree -> kernel -> selftests -> boot and run the
# KVM selftests in the VM -> kernel-log check -> the harness's own tests.
# Prints KTAP and ends with "N passed, N failed, N skipped".
. "$(dirname "$0")/lib.sh"

started=$(date +%s)
"$TOP/scripts/deps.sh"
"$TOP/scripts/tree.sh" --ensure
if ! "$TOP/scripts/export-check.sh" >/dev/null 2>&1; then
	warn "the work tree has changes that are not in patches/; testing the work tree (see 'make export-check')"
fi
"$TOP/scripts/kernel.sh"
list=$TOP/tests/kvm-selftests.list
"$TOP/scripts/selftests.sh" "$list"

results=$OUT/results.ktap
: >"$results"

# The configuration a boot with kernel command line $1 must have, for the
# tests to check (tools/testing/selftests/kvm/include/gmem_config.h): the
# Kconfig option, kvm.gmem_in_place_conversion, and whether software-
# protected VMs exist (CONFIG_KVM_SW_PROTECTED_VM and the TDP MMU).
gmem_config() {
	local cmdline=" $1 " mmap=0 conversion=0 swp=0
	if grep -q '^CONFIG_KVM_GUEST_MEMFD_MMAP=y' "$KBUILD/.config"; then
		mmap=1
		[[ $cmdline == *" kvm.gmem_in_place_conversion=0 "* ]] || conversion=1
	fi
	if grep -q '^CONFIG_KVM_SW_PROTECTED_VM=y' "$KBUILD/.config" &&
		[[ $cmdline != *" kvm_amd.npt=0 "* && $cmdline != *" kvm.tdp_mmu=0 "* ]]; then
		swp=1
	fi
	printf 'mmap=%s conversion=%s sw_protected_vm=%s' "$mmap" "$conversion" "$swp"
}

# One boot per suite; a suite is a test list and a kernel command line.
run_suite() {
	local name=$1 list=$2 cmdline=$3 job specs=() p rc=0 log=$LOGS/vm-$1.log
	job=$OUT/job-$name.sh
	# The conversion race and stress tests' length: longer on debug kernels.
	local secs=5
	[ -z "${DEBUG:-}" ] || secs=60
	printf 'export GMEM_RACE_SECONDS=%s GMEM_STRESS_SECONDS=%s GMEM_CONFIG="%s"\nktap-run /kvm/tests.list\n' \
		"${GMEM_RACE_SECONDS:-$secs}" "${GMEM_STRESS_SECONDS:-$secs}" \
		"$(gmem_config "$cmdline")" >"$job"
	while read -r p; do
		specs+=("$OUT/kvm/$p:/kvm/$p")
	done < <(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$list" | awk '{print $2}')
	specs+=("$list:/kvm/tests.list")
	"$TOP/scripts/initramfs.sh" "$OUT/initramfs-$name.cpio" "$job" "${specs[@]}"
	info "booting the test kernel: suite '$name'${cmdline:+ ($cmdline)}; console log: ${log#"$TOP"/}"
	"$TOP/scripts/vm.sh" -t "${VM_TIMEOUT:-1800}" -a "$cmdline" -l "$log" \
		"$OUT/initramfs-$name.cpio" || rc=$?
	# Results are read from the log: a VM that died still reports what ran.
	grep -E '^(not )?ok [0-9]+ ' "$log" | sed "s/^\(\(not \)\?ok [0-9]\+\) /\1 $name: /" >>"$results" || true
	if ! grep -q '^==== vm: job exit status' "$log"; then
		printf 'not ok 0 %s: the VM finished its job # vm.sh exit %d\n' "$name" "$rc" >>"$results"
	fi
	if reports=$("$TOP/scripts/splat.sh" "$log"); then
		printf 'ok 0 %s: kernel log has no Oops/BUG/WARNING/lockdep/KASAN report\n' "$name" >>"$results"
	else
		printf '%s\n' "$reports"
		printf 'not ok 0 %s: kernel log has no Oops/BUG/WARNING/lockdep/KASAN report\n' "$name" >>"$results"
	fi
}

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
# Shadow paging: gmem-only memslots must not depend on two-dimensional
# paging, and KVM's own page-table walks must reach guest_memfd.
run_suite kvm-shadow-paging "$TOP/tests/kvm-shadow-paging.list" "kvm_amd.npt=0 ${KCMDLINE:-}"

info "harness self-tests"
"$TOP/tests/harness.sh" | tee -a "$results"

rc=0
"$TOP/scripts/summary.sh" "$results" || rc=$?
info "make check took $(($(date +%s) - started))s; logs in ${LOGS#"$TOP"/}/"
exit $rc
