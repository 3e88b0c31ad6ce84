#!/usr/bin/env bash
# selftests.sh LIST: build the KVM selftests named in LIST for $KARCH from the work tree,
# against the uAPI headers of the test kernel (run scripts/kernel.sh first),
# into $OUT/kvm, and copy LIST there as tests.list.
. "$(dirname "$0")/lib.sh"

list=${1:?usage: selftests.sh LIST}
hdr=$KBUILD/hdr/include
[ -d "$hdr/linux" ] || die "no installed uAPI headers at $hdr; run 'make kernel' first"
dest=$OUT/kvm
# The KVM selftests' header dependencies are not tracked reliably when
# single programs are built: start from scratch (ccache keeps it cheap).
rm -rf "$dest"
mkdir -p "$dest"

mapfile -t progs < <(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$list" | awk '{print $2}' | sort -u)
[ ${#progs[@]} -gt 0 ] || die "$list names no tests"
targets=()
for p in "${progs[@]}"; do
	targets+=("$dest/$p")
done
jobs=$(($(nproc) + 1))
kmake=(make -C "$TREE/tools/testing/selftests/kvm" -j"$jobs" OUTPUT="$dest"
	CC="ccache ${CROSS_COMPILE}gcc" KHDR_INCLUDES="-isystem $hdr")
if [ "$KARCH" != x86 ]; then
	# Static programs (the VM has no libraries of this architecture);
	# EXTRA_CFLAGS reaches the link too. abs_objdir: arm64's generated
	# system-register headers go beside the programs, not into the tree.
	kmake+=(ARCH="$KARCH" CROSS_COMPILE="$CROSS_COMPILE" EXTRA_CFLAGS=-static
		abs_objdir="$OUT/kvm-gen")
	mkdir -p "$OUT/kvm-gen/tools"
fi
run_step "building ${#progs[@]} KVM selftests for $KARCH" "$LOGS/selftests-build.log" \
	"${kmake[@]}" "${targets[@]}"
if [ "$KARCH" != x86 ]; then
	for t in "${targets[@]}"; do
		file "$t" | grep -q 'statically linked' || die "${t#"$TOP"/} is not a static program"
	done
fi
cp "$list" "$dest/tests.list"
