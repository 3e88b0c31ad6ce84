#!/usr/bin/env bash
# summary.sh RESULTS: count KTAP result lines; print "N passed, N failed,
# N skipped" (failures listed first); exit 1 if any failed or none ran.
. "$(dirname "$0")/lib.sh"

results=${1:?usage: summary.sh RESULTS}
pass=$(grep -E '^ok ' "$results" | grep -cvE '# *SKIP' || true)
skip=$(grep -E '^ok ' "$results" | grep -cE '# *SKIP' || true)
fail=$(grep -cE '^not ok ' "$results" || true)
if [ "$fail" -gt 0 ]; then
	say ""
	say "${C_RED}failed:${C_OFF}"
	grep -E '^not ok ' "$results" | sed 's/^/  /'
fi
say ""
say "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
