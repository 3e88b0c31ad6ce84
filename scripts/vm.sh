#!/usr/bin/env bash
# vm.sh [-i] [-t SECONDS] [-a KCMDLINE] [-l LOG] INITRD
# Boot the test kernel with INITRD under QEMU/TCG and exit with the status of
# the VM's job (carried out through isa-debug-exit on x86; printed on the
# console before a PSCI power-off on arm64).
#   -i  interactive: the serial console is this terminal; no watchdog
#   -t  watchdog: kill the VM after SECONDS (default 900)
#   -a  extra kernel command line, e.g. kvm.gmem_in_place_conversion=0
#   -l  where to keep the whole console log (default build/logs/vm.log);
#       the job's output alone, from a second serial port, goes beside it
#       (LOG with .ktap for .log), free of kernel messages
# Non-interactive runs print what the job prints, plus kernel warnings; the
# boot messages and the final dmesg dump stay in the log only.
. "$(dirname "$0")/lib.sh"

case $KARCH in
x86) need qemu-system-x86_64 timeout ;;
arm64) need qemu-system-aarch64 timeout ;;
esac
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
kernel=$KBUILD/$KIMAGE
[ -f "$kernel" ] || die "no kernel at $kernel; run 'make kernel' first"
[ -f "$initrd" ] || die "no initramfs at $initrd"

console=ttyS0 results_port=ttyS1
# The virt board has one PL011; the results port is a virtio console.
[ "$KARCH" = x86 ] || console=ttyAMA0 results_port=hvc0
cmdline="console=$console loglevel=5 panic=-1 rdinit=/init"
results=${log%.log}.ktap
if [ -z "$interactive" ]; then
	# The second serial port: see scripts/guest/init.
	cmdline+=" results_port=$results_port"
	: >"$results"
fi

smp=$VM_CPUS numa=()
# NUMA: VM_NODES nodes, each with an equal share of the memory, described
# to the guest in ACPI's SRAT. The vCPUs are split into one socket per node
# (cores of a socket share a cache, which must not span nodes) if they
# divide evenly; otherwise they all go to node 0.
if [ "$VM_NODES" -gt 1 ] && [ "$KARCH" = x86 ]; then
	case $VM_MEM in
	*G) mib=$((${VM_MEM%G} * 1024)) ;;
	*M) mib=${VM_MEM%M} ;;
	*[0-9]) mib=$VM_MEM ;;
	*) die "VM_MEM=$VM_MEM: give it in M or G for VM_NODES=$VM_NODES" ;;
	esac
	per_node=$VM_CPUS sockets=1
	if [ $((VM_CPUS % VM_NODES)) = 0 ]; then
		per_node=$((VM_CPUS / VM_NODES)) sockets=$VM_NODES
	fi
	smp="$VM_CPUS,sockets=$sockets,cores=$((VM_CPUS / sockets)),threads=1"
	for ((n = 0; n < VM_NODES; n++)); do
		size=$((mib / VM_NODES))
		[ "$n" -lt $((VM_NODES - 1)) ] || size=$((mib - size * (VM_NODES - 1)))
		node="node,nodeid=$n,memdev=mem$n"
		if [ "$n" -lt "$sockets" ]; then
			node+=",cpus=$((n * per_node))-$(((n + 1) * per_node - 1))"
		fi
		numa+=(-object "memory-backend-ram,id=mem$n,size=${size}M" -numa "$node")
	done
fi

# Single-threaded TCG by default: see the README ("Test VM") for why.
accel=${QEMU_ACCEL:-tcg,thread=single}
case $KARCH in
x86)
	qemu=(qemu-system-x86_64 -accel "$accel" -cpu max -smp "$smp" -m "$VM_MEM" "${numa[@]}"
		-nodefaults -no-reboot -display none
		-device isa-debug-exit,iobase=0xf4,iosize=0x04) ;;
arm64)
	# virtualization=on: the kernel enters at EL2, so KVM runs (in VHE
	# mode, as -cpu max has FEAT_VHE). mte=on: the CPU has MTE, which
	# KVM offers its guests and which guest_memfd refuses. pauth-impdef:
	# QEMU's own pointer authentication algorithm, much cheaper to
	# emulate than QARMA.
	qemu=(qemu-system-aarch64 -accel "$accel" -machine virt,virtualization=on,gic-version=3,mte=on
		-cpu max,pauth-impdef=on -smp "$smp" -m "$VM_MEM"
		-nodefaults -no-reboot -display none) ;;
esac
qemu+=(-kernel "$kernel" -initrd "$initrd" -append "$cmdline $append")

if [ -n "$interactive" ]; then
	exec "${qemu[@]}" -serial mon:stdio
fi

# mawk (Debian's awk) reads a pipe in blocks: make it pass lines on as
# they come, so that long jobs show their progress.
awk=(awk)
if awk -W version 2>&1 | grep -q mawk; then
	awk=(awk -W interactive)
fi
if [ "$KARCH" = x86 ]; then
	qemu+=(-serial stdio -serial "file:$results")
else
	qemu+=(-serial stdio -device virtio-serial-device
		-chardev "file,id=results,path=$results" -device virtconsole,chardev=results)
fi
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
	# arm64 powers off (QEMU exits 0) after printing the job's status and,
	# last of all, the end mark: without the mark, the status is not
	# to be believed (the kernel panicked or the VM reset).
	if [ "$KARCH" = arm64 ] && tr -d '\r' <"$log" | grep -qx "==== vm: end ====" &&
		st=$(tr -d '\r' <"$log" | sed -n 's/^==== vm: job exit status \([0-9]*\) ====$/\1/p' | tail -n 1) &&
		[ -n "$st" ]; then
		exit "$st"
	fi
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
