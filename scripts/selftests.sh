#!/usr/bin/env bash
# selftests.sh LIST: build the KVM selftests named in LIST from the work tree,
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
run_step "building ${#progs[@]} KVM selftests" "$LOGS/selftests-build.log" \
	make -C "$TREE/tools/testing/selftests/kvm" -j"$jobs" OUTPUT="$dest" \
		CC="ccache gcc" KHDR_INCLUDES="-isystem $hdr" "${targets[@]}"
cp "$list" "$dest/tests.list"
