#!/usr/bin/env bash
# vm.sh [-i] [-t SECONDS] [-a KCMDLINE] [-l LOG] INITRD
# Boot the test kernel with INITRD under QEMU/TCG and exit with the status of
# the VM's job (carried out through isa-debug-exit).
#   -i  interactive: the serial console is this terminal; no watchdog
#   -t  watchdog: kill the VM after SECONDS (default 900)
#   -a  extra kernel command line, e.g. kvm.gmem_in_place_conversion=0
#   -l  where to keep the whole console log (default build/logs/vm.log);
#       the job's output alone, from a second serial port, goes beside it
#       (LOG with .ktap for .log), free of kernel messages
# Non-interactive runs print what the job prints, plus kernel warnings; the
# boot messages and the final dmesg dump stay in the log only.
. "$(dirname "$0")/lib.sh"

need qemu-system-x86_64 timeout
interactive='' tmo=900 append='' log=$LOGS/vm.log
while getopts "it:a:l:" o; do
	case $o in
	i) interactive=1 ;;
	t) tmo=$OPTARG ;;
	a) append=$OPTARG ;;
	l) log=$OPTARG ;;
	*) die "usage: vm.sh [-i] [-t SECONDS] [-a KCMDLINE] [-l LOG] INITRD" ;;
	esac
done
shift $((OPTIND - 1))
initrd=${1:?usage: vm.sh [-i] [-t SECONDS] [-a KCMDLINE] [-l LOG] INITRD}
kernel=$KBUILD/arch/x86/boot/bzImage
[ -f "$kernel" ] || die "no kernel at $kernel; run 'make kernel' first"
[ -f "$initrd" ] || die "no initramfs at $initrd"

cmdline="console=ttyS0 loglevel=5 panic=-1 rdinit=/init"
results=${log%.log}.ktap
if [ -z "$interactive" ]; then
	# The second serial port: see scripts/guest/init.
	cmdline+=" results_port=ttyS1"
	: >"$results"
fi

# Single-threaded TCG by default: see the README ("Test VM") for why.
accel=${QEMU_ACCEL:-tcg,thread=single}
qemu=(qemu-system-x86_64 -accel "$accel" -cpu max -smp "${VM_CPUS:-2}" -m "${VM_MEM:-4G}"
	-nodefaults -no-reboot -display none
	-device isa-debug-exit,iobase=0xf4,iosize=0x04
	-kernel "$kernel" -initrd "$initrd"
	-append "$cmdline $append")

if [ -n "$interactive" ]; then
	exec "${qemu[@]}" -serial mon:stdio
fi

# mawk (Debian's awk) reads a pipe in blocks: make it pass lines on as
# they come, so that long jobs show their progress.
awk=(awk)
if awk -W version 2>&1 | grep -q mawk; then
	awk=(awk -W interactive)
fi
qemu+=(-serial stdio -serial "file:$results")
set +e
# --foreground: QEMU stays in this process group, so Ctrl-C stops it too.
timeout --foreground -k 10 "$tmo" "${qemu[@]}" </dev/null |
	tee "$log" |
	"${awk[@]}" '/^==== vm: dmesg ====/ { quiet = 1 }
	     /^==== vm: [0-9]/ { show = 1 }
	     show && !quiet && !/^==== vm:/ { print; fflush() }'
rc=${PIPESTATUS[0]}
set -e
case $rc in
124|137)
	die "VM watchdog: the VM did not finish within ${tmo}s and was killed (log: $log)" ;;
0)
	tail -n 20 "$log" >&2
	die "the VM stopped without reporting a status (kernel panic or reset?); log: $log" ;;
*)
	# isa-debug-exit makes QEMU exit with (status << 1) | 1, so job status
	# 0 and QEMU's own failure both read 1: believe only a status that the
	# job also printed.
	if [ $((rc & 1)) -eq 1 ] && [ "$rc" -lt 256 ] &&
		tr -d '\r' <"$log" | grep -x "==== vm: job exit status $(((rc - 1) / 2)) ====" >/dev/null; then
		exit $(((rc - 1) / 2))
	fi
	tail -n 5 "$log" >&2
	die "qemu failed with exit status $rc before the job reported one; log: $log" ;;
esac
