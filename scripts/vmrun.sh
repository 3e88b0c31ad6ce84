#!/usr/bin/env bash
# vmrun.sh [-i] 'PROGRAM [ARGS]': run PROGRAM as root in the test VM and exit
# with its status. A PROGRAM that is a file on the host is copied in (with
# its shared libraries); anything else is run as a command of the VM's
# busybox. With -i, or an empty command, open an interactive shell instead.
. "$(dirname "$0")/lib.sh"

interactive=''
[ "${1:-}" != -i ] || { interactive=1; shift; }
cmd=${1:-}
[ -n "$cmd" ] || interactive=1
[ -f "$KBUILD/$KIMAGE" ] || "$TOP/scripts/kernel.sh"

job=$OUT/job-vmrun.sh
mkdir -p "$OUT"
specs=()
# The program is the first word that is a file on the host (so that
# 'env VAR=... /abs/prog args' works too).
read -r -a words <<<"$cmd" || true
prog=''
for w in "${words[@]}"; do
	if [ -f "$w" ]; then
		prog=$w
		break
	fi
done
if [ -n "$prog" ]; then
	specs+=("$prog:/run/$(basename "$prog")")
	cmd=${cmd/"$prog"//run/$(basename "$prog")}
fi
if [ -n "$interactive" ]; then
	cat >"$job" <<-'JOB'
	echo "Test VM shell: 'exit' or Ctrl-D powers off (Ctrl-A X kills QEMU)."
	setsid cttyhack sh -l
	JOB
	[ -z "$cmd" ] || printf 'echo "(run: %s)"\n' "$cmd" >>"$job"
else
	printf 'cd /tmp\n%s\n' "$cmd" >"$job"
fi
"$TOP/scripts/initramfs.sh" "$OUT/initramfs-vmrun.cpio" "$job" "${specs[@]}"
if [ -n "$interactive" ]; then
	exec "$TOP/scripts/vm.sh" -i -a "${KCMDLINE:-}" "$OUT/initramfs-vmrun.cpio"
fi
rc=0
"$TOP/scripts/vm.sh" -t "${VM_TIMEOUT:-900}" -a "${KCMDLINE:-}" -l "$LOGS/vm-run.log" \
	"$OUT/initramfs-vmrun.cpio" || rc=$?
if ! reports=$("$TOP/scripts/splat.sh" "$LOGS/vm-run.log"); then
	printf '%s\n' "$reports" >&2
	warn "the kernel printed the report(s) above (log: $LOGS/vm-run.log)"
	[ "$rc" -ne 0 ] || rc=1
fi
exit $rc
