#!/usr/bin/env bash
# bench.sh: make bench. Build the test kernel and tools/bench/gmem-bench,
# boot the kernel twice — in-place conversion on (P1 in place, P2-P6) and
# off (P1's copy path, P3 and P5 for comparison) — and turn what the two
# boots measured into build/bench/{results.json,table.txt,conversion.png}.
# A benchmark, not a test: numbers never fail it, errors do.
. "$(dirname "$0")/lib.sh"
x86_only bench

BENCH=$BUILD/bench
started=$(date +%s)
"$TOP/scripts/deps.sh" gnuplot-nox
"$TOP/scripts/tree.sh" --ensure
"$TOP/scripts/kernel.sh"
need gnuplot python3
hdr=$KBUILD/hdr/include
grep -q KVM_SET_MEMORY_ATTRIBUTES2 "$hdr/linux/kvm.h" ||
	die "the kernel in $TREE has no in-place conversion (KVM_SET_MEMORY_ATTRIBUTES2): is the series applied?"
grep -q '^CONFIG_KVM_GUEST_MEMFD_MMAP=y' "$KBUILD/.config" ||
	die "the test kernel has CONFIG_KVM_GUEST_MEMFD_MMAP off; make bench measures it on"

# gmem-bench is built by the KVM selftests' own Makefile, as one more
# program of theirs, found in tools/bench through VPATH. Header
# dependencies are not tracked for such builds: start from scratch.
rm -rf "$BENCH/kvm"
mkdir -p "$BENCH/kvm"
run_step "building gmem-bench (tools/bench) with the KVM selftests library" \
	"$LOGS/bench-build.log" \
	make -C "$TREE/tools/testing/selftests/kvm" -j"$(($(nproc) + 1))" \
		OUTPUT="$BENCH/kvm" CC="ccache gcc" KHDR_INCLUDES="-isystem $hdr" \
		VPATH="$TOP/tools/bench" TEST_GEN_PROGS_EXTENDED_x86_64=gmem-bench \
		"$BENCH/kvm/gmem-bench"

# boot NAME WHAT KCMDLINE: run gmem-bench in one boot, its log in build/bench.
boot() {
	local name=$1 what=$2 cmdline=$3 log=$BENCH/$1.log rc
	printf 'cd /tmp\n/bench/gmem-bench %s\n' "${BENCH_ARGS:-}" >"$BENCH/job-$name.sh"
	"$TOP/scripts/initramfs.sh" "$BENCH/initramfs-$name.cpio" "$BENCH/job-$name.sh" \
		"$BENCH/kvm/gmem-bench:/bench/gmem-bench"
	info "boot $name: $what${cmdline:+ ($cmdline)}; console log: ${log#"$TOP"/}"
	set +e
	"$TOP/scripts/vm.sh" -t "${VM_TIMEOUT:-3600}" -a "$cmdline" -l "$log" \
		"$BENCH/initramfs-$name.cpio" | grep --line-buffered -v '^RESULT '
	rc=${PIPESTATUS[0]}
	set -e
	[ "$rc" -eq 0 ] || die "gmem-bench failed in boot $name (exit $rc); log: $log"
	if ! reports=$("$TOP/scripts/splat.sh" "$log"); then
		printf '%s\n' "$reports" >&2
		die "the kernel printed the report(s) above during boot $name; log: $log"
	fi
}

boot inplace "in-place conversion on: P1 in place, P2, P3, P4, P5, P6" "${KCMDLINE:-}"
boot copy "in-place conversion off: P1 the 6.12 copy path; P3, P4, P5 the 6.12 way" \
	"kvm.gmem_in_place_conversion=0 ${KCMDLINE:-}"

info "results"
machine="$(lscpu | sed -n 's/^Model name: *//p' | head -n1), $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB; test VM: qemu-system-x86_64 -accel tcg -cpu max, $VM_CPUS vCPUs, $VM_MEM in $VM_NODES NUMA nodes"
python3 "$TOP/tools/bench/report.py" --machine "$machine" \
	--kernel "$(sed -n 's/^# Linux\/x86 \(.*\) Kernel Configuration/\1/p' "$KBUILD/.config")" \
	"$BENCH/inplace.log" "$BENCH/copy.log" "$BENCH"
(cd "$BENCH" && gnuplot "$TOP/tools/bench/conversion.gp") ||
	die "gnuplot could not draw $BENCH/conversion.png"
info "wrote ${BENCH#"$TOP"/}/results.json, table.txt, conversion.png; make bench took $(($(date +%s) - started))s"
