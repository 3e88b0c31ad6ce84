#!/usr/bin/env bash
# make check-maple: build the test kernel with CONFIG_TEST_MAPLE_TREE, which
# runs lib/test_maple_tree.c at boot (the series adds a reproducer for its
# maple_tree fix there), boot it once and check the suite's verdict and the
# kernel log. Not part of 'make check': the suite is slow under TCG.
. "$(dirname "$0")/lib.sh"
x86_only check-maple

started=$(date +%s)
"$TOP/scripts/deps.sh"
"$TOP/scripts/tree.sh" --ensure
"$TOP/scripts/kernel.sh"
job=$OUT/job-maple.sh
mkdir -p "$OUT"
printf 'true\n' >"$job"
"$TOP/scripts/initramfs.sh" "$OUT/initramfs-maple.cpio" "$job"
log=$LOGS/vm-maple.log
info "booting the test kernel; lib/test_maple_tree.c runs before userspace (console: ${log#"$TOP"/})"
rc=0
"$TOP/scripts/vm.sh" -t "${VM_TIMEOUT:-3600}" -l "$log" "$OUT/initramfs-maple.cpio" >/dev/null || rc=$?
verdict=$(grep -m1 -E 'maple_tree: [0-9]+ of [0-9]+ tests passed' "$log" || true)
fail=0
if [ -z "$verdict" ]; then
	say "not ok 1 maple_tree: the suite printed no verdict (vm.sh exit $rc)"
	fail=1
elif [[ $verdict =~ maple_tree:\ ([0-9]+)\ of\ ([0-9]+) ]] &&
	[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]; then
	say "ok 1 ${verdict#*] }"
else
	say "not ok 1 ${verdict#*] }"
	fail=1
fi
if reports=$("$TOP/scripts/splat.sh" "$log"); then
	say "ok 2 kernel log has no Oops/BUG/WARNING/lockdep/KASAN report"
else
	printf '%s\n' "$reports"
	say "not ok 2 kernel log has no Oops/BUG/WARNING/lockdep/KASAN report"
	fail=1
fi
info "make check-maple took $(($(date +%s) - started))s"
exit $fail
