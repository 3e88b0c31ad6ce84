#!/usr/bin/env bash
# make run: build what is needed, boot the patched kernel and run the demo
# VMM (tools/demo/gmem-demo.c) in it.  make caps: the capability report
# (tools/caps/gmem-caps.c) instead.
. "$(dirname "$0")/lib.sh"

"$TOP/scripts/deps.sh"
"$TOP/scripts/tree.sh" --ensure
"$TOP/scripts/kernel.sh"
mkdir -p "$OUT"
grep -q KVM_SET_MEMORY_ATTRIBUTES2 "$KBUILD/hdr/include/linux/kvm.h" ||
	die "the kernel in $TREE has no in-place conversion (KVM_SET_MEMORY_ATTRIBUTES2): is the series applied?"
gcc -O2 -Wall -Wextra -Werror -isystem "$KBUILD/hdr/include" \
	-o "$OUT/gmem-demo" "$TOP/tools/demo/gmem-demo.c" ||
	die "could not build tools/demo/gmem-demo.c"
info "booting the patched kernel and running the demo VMM (tools/demo/gmem-demo.c) in it"
say ""
exec "$TOP/scripts/vmrun.sh" "$OUT/gmem-demo${DEMO_ARGS:+ $DEMO_ARGS}"
