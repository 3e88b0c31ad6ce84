# shellcheck shell=bash
# Booting the test kernel for a suite of tests and collecting the results
# as KTAP: shared by make check and make mutants. Sourced after lib.sh.

# Every result goes into one KTAP document, each suite's and the harness
# self-tests' nested in it, which scripts/summary.py counts.
# Callers set $body (the file results are appended to) and top=0.
# add_result OK|"not ok" DESCRIPTION [DIRECTIVE]
add_result() {
	top=$((top + 1))
	printf '%s %d %s%s\n' "$1" "$top" "$2" "${3:+ # $3}" >>"$body"
}
# add_nested NAME KTAP-FILE STATUS: a document's lines, then its result line.
add_nested() {
	local name=$1 file=$2 status=$3
	if ! grep -qE '^(K)?TAP version' "$file" 2>/dev/null; then
		add_result "not ok" "$name" "no KTAP output${status:+; $status}"
		return
	fi
	tr -d '\r' <"$file" | awk -v name="$name" '
		{ print "    " $0 }
		!named && /^(K)?TAP version/ { print "    # Subtest: " name; named = 1 }' >>"$body"
	if [ -z "$status" ]; then
		add_result ok "$name"
	else
		add_result "not ok" "$name" "$status"
	fi
}

# The configuration a boot with kernel command line $1 must have, for the
# tests to check (tools/testing/selftests/kvm/include/gmem_config.h): the
# Kconfig option, kvm.gmem_in_place_conversion, whether software-protected
# VMs exist (CONFIG_KVM_SW_PROTECTED_VM and the TDP MMU), whether KVM uses
# NPT, how many NUMA nodes the kernel sees (vm.sh's VM_NODES, if the
# kernel reads ACPI's SRAT), whether it has NUMA balancing, the
# kvm.gmem_huge it was booted with, and (arm64) whether it has MTE.
gmem_config() {
	local cmdline=" $1 " mmap=0 conversion=0 swp=0 tdp=1 nodes=1 balancing=0 huge=never mte=0
	if grep -q '^CONFIG_KVM_GUEST_MEMFD_MMAP=y' "$KBUILD/.config"; then
		mmap=1
		[[ $cmdline == *" kvm.gmem_in_place_conversion=0 "* ]] || conversion=1
		if [[ $cmdline =~ \ kvm\.gmem_huge=([a-z_]+)\  ]]; then
			huge=${BASH_REMATCH[1]}
		fi
	fi
	[[ $cmdline != *" kvm_amd.npt=0 "* ]] || tdp=0
	if grep -q '^CONFIG_KVM_SW_PROTECTED_VM=y' "$KBUILD/.config" &&
		[ "$tdp" = 1 ] && [[ $cmdline != *" kvm.tdp_mmu=0 "* ]]; then
		swp=1
	fi
	if grep -q '^CONFIG_X86_64_ACPI_NUMA=y' "$KBUILD/.config"; then
		nodes=$VM_NODES
	fi
	if grep -q '^CONFIG_NUMA_BALANCING=y' "$KBUILD/.config"; then
		balancing=1
	fi
	# arm64: scripts/vm.sh gives the CPU MTE.
	if [ "$KARCH" = arm64 ] && grep -q '^CONFIG_ARM64_MTE=y' "$KBUILD/.config"; then
		mte=1
	fi
	printf 'mmap=%s conversion=%s sw_protected_vm=%s tdp=%s numa_nodes=%s numa_balancing=%s huge=%s mte=%s' \
		"$mmap" "$conversion" "$swp" "$tdp" "$nodes" "$balancing" "$huge" "$mte"
}

# SUITES="kvm-huge ...": run only the suites named (all when unset).
want_suite() {
	[ -z "${SUITES:-}" ] || [[ " $SUITES " == *" $1 "* ]]
}

# One boot per suite; a suite is a test list and a kernel command line.
# Debug kernels (KASAN, lockdep, kmemleak under TCG) run everything several
# times slower: their tests get DEBUG_TIMEOUT_FACTOR (4) times the list's
# timeouts.
run_suite() {
	local name=$1 list=$2 cmdline=$3 job specs=() p rc=0 log=$LOGS/vm-$1.log
	want_suite "$name" || { say "    (suite '$name' not in SUITES='$SUITES': skipped)"; return 0; }
	local vm_timeout=1800
	if [ -n "${DEBUG:-}" ]; then
		vm_timeout=5400
		awk -v f="${DEBUG_TIMEOUT_FACTOR:-4}" \
			'/^[[:space:]]*(#|$)/ { print; next } { $1 = $1 * f; print }' \
			"$list" >"$OUT/debug-$name.list"
		list=$OUT/debug-$name.list
	fi
	job=$OUT/job-$name.sh
	# The conversion race and stress tests' length: longer on debug kernels.
	local secs=5
	[ -z "${DEBUG:-}" ] || secs=60
	printf 'export GMEM_RACE_SECONDS=%s GMEM_STRESS_SECONDS=%s GMEM_CONFIG="%s" KTAP_STOP_ON_FAIL=%s\nktap-run /kvm/tests.list\n' \
		"${GMEM_RACE_SECONDS:-$secs}" "${GMEM_STRESS_SECONDS:-$secs}" \
		"$(gmem_config "$cmdline")" "${KTAP_STOP_ON_FAIL:-}" >"$job"
	while read -r p; do
		specs+=("$OUT/kvm/$p:/kvm/$p")
	done < <(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$list" | awk '{print $2}')
	specs+=("$list:/kvm/tests.list")
	"$TOP/scripts/initramfs.sh" "$OUT/initramfs-$name.cpio" "$job" "${specs[@]}"
	info "booting the test kernel: suite '$name'${cmdline:+ ($cmdline)}; console log: ${log#"$TOP"/}"
	"$TOP/scripts/vm.sh" -t "${VM_TIMEOUT:-$vm_timeout}" -a "$cmdline" -l "$log" \
		"$OUT/initramfs-$name.cpio" || rc=$?
	# The job's KTAP comes from the VM's second serial port (vm.sh), free
	# of kernel messages; a VM that died still reports what ran.
	if [ $rc -eq 0 ]; then
		add_nested "$name" "${log%.log}.ktap" ""
	elif grep -q '^==== vm: job exit status' "$log"; then
		add_nested "$name" "${log%.log}.ktap" "job exit status $rc"
	else
		add_nested "$name" "${log%.log}.ktap" "the VM did not finish its job (vm.sh exit $rc)"
	fi
	if reports=$("$TOP/scripts/splat.sh" "$log"); then
		add_result ok "$name: kernel log has no Oops/BUG/WARNING/lockdep/KASAN report"
	else
		printf '%s\n' "$reports"
		add_result "not ok" "$name: kernel log has no Oops/BUG/WARNING/lockdep/KASAN report"
	fi
}
