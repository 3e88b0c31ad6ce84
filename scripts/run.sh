#!/usr/bin/env bash
# run.sh [demo|caps]: build what is needed, boot the patched kernel and run
# the demo VMM (make run; DEMO_ARGS are its options) or the capability
# report (make caps) in it.
. "$(dirname "$0")/lib.sh"
x86_only run

what=${1:-demo}
"$TOP/scripts/deps.sh"
"$TOP/scripts/tree.sh" --ensure
"$TOP/scripts/kernel.sh"
case $what in
demo)
	grep -q KVM_SET_MEMORY_ATTRIBUTES2 "$KBUILD/hdr/include/linux/kvm.h" ||
		die "the kernel in $TREE has no in-place conversion (KVM_SET_MEMORY_ATTRIBUTES2): is the series applied?"
	"$TOP/scripts/tools.sh" gmem-demo
	info "booting the patched kernel and running the demo VMM (tools/demo/gmem-demo.c) in it"
	prog="$OUT/gmem-demo${DEMO_ARGS:+ $DEMO_ARGS}" ;;
caps)
	"$TOP/scripts/tools.sh" gmem-caps
	info "booting the patched kernel and asking KVM what it supports"
	prog=$OUT/gmem-caps ;;
*)
	die "usage: run.sh [demo|caps]" ;;
esac
say ""
exec "$TOP/scripts/vmrun.sh" "$prog"
