#!/usr/bin/env bash
# splat.sh LOG: fail, printing each report with its trace, if the kernel in
# LOG printed an Oops, BUG, WARNING, KASAN, lockdep or similar report.
. "$(dirname "$0")/lib.sh"

log=${1:?usage: splat.sh LOG}
# Only kernel lines (printk timestamp) count: a test may print "WARNING:".
pat='\] (Oops|BUG:|WARNING:|KASAN:|UBSAN:|kernel BUG at|general protection fault|Kernel panic|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|INFO: task .* blocked|rcu: INFO:|unreferenced object|Unable to handle|watchdog: BUG)'
# The console echo and the dmesg dump hold the same lines: report each once.
reports=$(awk -v pat="$pat" '
	/^\[ *[0-9]+\.[0-9]+\] / {
		line = $0
		if (line ~ pat && !(line in seen)) { seen[line] = 1; grab = 40; print "----" }
		if (grab > 0) { print line; grab--; if (line ~ /---\[ end trace/) grab = 0 }
	}' "$log")
# kmemleak's report, printed by the VM's init after the job (debug kernels).
leaks=$(awk '/^==== vm: kmemleak ====/ { on = 1; next } /^==== vm:/ { on = 0 }
	on && /unreferenced object/ { n++ } on && n && n <= 3 { print }' "$log")
[ -z "$leaks" ] || reports="$reports${reports:+
}---- kmemleak ----
$leaks"
if [ -n "$reports" ]; then
	printf '%s\n' "$reports"
	exit 1
fi
exit 0
