#!/usr/bin/env bash
# The harness's own tests: KTAP lines "ok N harness: ..." on stdout.
# Always exits 0; scripts/summary.py counts the results. The tests that boot
# a VM use the x86 kernel (and one the arm64 kernel), whatever ARCHS says.
unset KBUILD OUT LOGS
export KARCH=x86
. "$(dirname "$0")/../scripts/lib.sh"
set +e

n=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
result() { # result RC DESCRIPTION [DETAIL]
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		say "ok $n harness: $2"
	else
		say "not ok $n harness: $2${3:+ # $3}"
	fi
}

# 1-3. A scratch clone of the work tree: applying patches/ and exporting it
# again gives patches/ byte for byte; a new commit there is un-exported
# work that export-check reports and 'make tree' refuses to clobber.
scratch=$tmp/tree
if git clone -q --shared --no-checkout "$TREE" "$scratch" 2>"$tmp/err" &&
	git -C "$scratch" checkout -q -B series "$BASE_TAG" 2>>"$tmp/err" &&
	TREE=$scratch TREE_DISPOSABLE=1 "$TOP/scripts/tree.sh" >>"$tmp/err" 2>&1 &&
	TREE=$scratch QUIET=1 "$TOP/scripts/export.sh" "$tmp/patches" 2>>"$tmp/err"; then
	diff -r "$TOP/patches" "$tmp/patches" >"$tmp/diff" &&
		TREE=$scratch "$TOP/scripts/export-check.sh" >>"$tmp/diff" 2>&1
	result $? "export round trip: apply patches/, export: same patches/, export-check passes" \
		"$(head -c 300 "$tmp/diff" | tr '\n' ' ')"
	echo "/* scratch */" >>"$scratch/Makefile"
	TREE=$scratch "$TOP/scripts/export-check.sh" >/dev/null 2>&1
	[ $? -ne 0 ]
	result $? "export-check fails on uncommitted changes in the work tree"
	git -C "$scratch" -c user.name=t -c user.email=t@t commit -q -am scratch
	TREE=$scratch "$TOP/scripts/export-check.sh" >/dev/null 2>&1
	rc1=$?
	TREE=$scratch "$TOP/scripts/tree.sh" >"$tmp/out" 2>&1
	rc2=$?
	[ $rc1 -ne 0 ] && [ $rc2 -ne 0 ] && grep -q 'not in patches/' "$tmp/out" &&
		[ "$(git -C "$scratch" log -1 --format=%s)" = scratch ]
	result $? "un-exported commit: export-check fails and 'make tree' refuses to clobber it"
else
	result 1 "export round trip: apply patches/ then export gives patches/ unchanged" \
		"$(tail -n 3 "$tmp/err" | tr '\n' ' ')"
fi

# 3b. A patch that does not apply leaves a tree that no step will test or
# export: a copy of the harness with a series whose second patch is broken.
if [ -d "$scratch/.git" ]; then
	fake=$tmp/top
	mkdir -p "$fake/patches"
	cp -r "$TOP/scripts" "$TOP/kernel" "$fake/"
	first=$(series_patches | head -n 1)
	cp "$TOP/patches/$first" "$fake/patches/"
	sed 's/^+/+broken /' "$TOP/patches/$first" >"$fake/patches/0002-broken.patch"
	printf '%s\n0002-broken.patch\n' "$first" >"$fake/patches/series"
	TREE=$scratch TREE_DISPOSABLE=1 "$fake/scripts/tree.sh" >"$tmp/out" 2>&1
	rc1=$?
	TREE=$scratch "$fake/scripts/tree.sh" --ensure >>"$tmp/out" 2>&1
	rc2=$?
	TREE=$scratch "$fake/scripts/export.sh" "$tmp/partial-export" >>"$tmp/out" 2>&1
	rc3=$?
	[ $rc1 -ne 0 ] && [ $rc2 -ne 0 ] && [ $rc3 -ne 0 ] && [ ! -e "$tmp/partial-export" ] &&
		grep -q 'holds part of the series only: patch 2' "$tmp/out"
	result $? "a patch that does not apply leaves a tree that make check and export refuse" \
		"tree.sh $rc1, --ensure $rc2, export $rc3"
fi

# 4. An unknown make target is an error that says so.
make -s -C "$TOP" no-such-target >"$tmp/out" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q "unknown target 'no-such-target'" "$tmp/out"
result $? "an unknown make target fails with a clear message"

# 5. A base version apt does not offer fails and lists what it offers.
BASE=6.12.0-0-not-a-version "$TOP/scripts/base.sh" >"$tmp/out" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q 'apt offers:.*6\.12' "$tmp/out"
result $? "BASE=<unknown version> fails and lists the versions apt offers"

# 6. The splat detector flags kernel reports and ignores test output.
printf '[    1.000000] WARNING: CPU: 0 PID: 1 at virt/kvm/x.c:1 f+0x1/0x2\n[    1.000001] Call Trace:\n' >"$tmp/log"
"$TOP/scripts/splat.sh" "$tmp/log" >/dev/null
rc1=$?
printf 'WARNING: a test said this\n[    1.000000] kvm: loaded\n' >"$tmp/log"
"$TOP/scripts/splat.sh" "$tmp/log" >/dev/null
rc2=$?
printf '==== vm: kmemleak ====\nunreferenced object 0xffff888 (size 64):\n==== vm: dmesg ====\n' >"$tmp/log"
"$TOP/scripts/splat.sh" "$tmp/log" >/dev/null
rc3=$?
[ $rc1 -ne 0 ] && [ $rc2 -eq 0 ] && [ $rc3 -ne 0 ]
result $? "the console check flags a kernel WARNING and a kmemleak report, not userspace text"

# 7. The summary counts every subtest with the kernel's KTAP parser, and
# fails on a failed subtest, on a program that failed after its subtests
# passed, on a plan its results disagree with, and on an empty document.
summary() { # summary NAME KTAP -> "RC|LAST LINE"
	printf "$2" >"$tmp/$1.ktap"
	"$TOP/scripts/summary.py" "$TREE/tools/testing/kunit" "$tmp/$1.ktap" >"$tmp/$1.out" 2>&1
	printf '%s|%s' $? "$(tail -n 1 "$tmp/$1.out")"
}
nest='    TAP version 13\n    # Subtest: prog\n    1..3\n    ok 1 a\n    ok 2  # SKIP unnamed\n'
good=$(summary good "KTAP version 1\n1..2\n$nest    ok 3 c\nok 1 prog\nok 2 other # SKIP why\n")
bad=$(summary bad "KTAP version 1\n1..1\n$nest    not ok 3 c\nnot ok 1 prog\n")
late=$(summary late "KTAP version 1\n1..1\n$nest    ok 3 c\nnot ok 1 prog # exit=139\n")
plan=$(summary plan "KTAP version 1\n1..1\n${nest}not ok 1 prog # exit=124\n")
empty=$(summary empty "")
[ "$good" = "0|2 passed, 0 failed, 2 skipped" ] &&
	[ "$bad" = "1|1 passed, 1 failed, 1 skipped" ] &&
	[ "${late%%|*}" = 1 ] && [ "${plan%%|*}" = 1 ] && [ "${empty%%|*}" = 1 ]
result $? "the summary counts nested subtests; a failure, a crash after passing, a short plan, no output fail" \
	"$good; $bad; $late; $plan; $empty"

# 8. QEMU failing to start is a failure, not the job's exit status 0 (both
# make QEMU exit 1); and DEBUG=0 means no debug kernel.
: >"$tmp/empty.cpio"
rc1=0
if [ -f "$KBUILD/arch/x86/boot/bzImage" ]; then
	VM_NODES=1 VM_MEM=not-a-size "$TOP/scripts/vm.sh" -t 60 -l "$tmp/vm.log" "$tmp/empty.cpio" \
		>"$tmp/out" 2>&1
	rc1=$?
	grep -q 'qemu failed' "$tmp/out" || rc1=0
fi
kb0=$(DEBUG=0 bash -c '. "$1/scripts/lib.sh"; echo "$KBUILD"' _ "$TOP")
kb1=$(DEBUG=1 bash -c '. "$1/scripts/lib.sh"; echo "$KBUILD"' _ "$TOP")
[ $rc1 -ne 0 ] && [ "${kb0##*/}" = kbuild ] && [ "${kb1##*/}" = kbuild-debug ]
result $? "vm.sh fails when QEMU cannot start; DEBUG=0 builds no debug kernel" \
	"vm.sh exit $rc1, DEBUG=0 -> ${kb0##*/}, DEBUG=1 -> ${kb1##*/}"

# 9. Stopping the harness stops a long step (e.g. the kernel build) with it;
# SIGTERM stands for Ctrl-C, which a background job here would ignore.
bash -c '. "$1/scripts/lib.sh"; run_step "a long step" "$2/step.log" sleep 299.7' \
	_ "$TOP" "$tmp" >"$tmp/out" 2>&1 &
spid=$!
for i in $(seq 100); do pgrep -f '^sleep 299.7$' >/dev/null && break; sleep 0.1; done
started=$(pgrep -fc '^sleep 299.7$')
kill -TERM $spid
wait $spid
rc=$?
for i in $(seq 30); do pgrep -f '^sleep 299.7$' >/dev/null || break; sleep 0.1; done
left=$(pgrep -fc '^sleep 299.7$')
[ "$started" -eq 1 ] && [ "$left" -eq 0 ] && [ $rc -ne 0 ] && grep -q 'interrupted' "$tmp/out"
result $? "stopping the harness stops the step it runs" \
	"started $started, left $left, exit $rc"

# 10. A program run in the VM gets its output and exit status out: on x86
# through isa-debug-exit, on arm64 printed on the console before a power-off.
# vmrun_case NAME IMAGE EXPECTED-OUTPUT-RE [VAR=VALUE ...]
vmrun_case() {
	local name=$1 image=$2 re=$3 rc
	shift 3
	if [ ! -f "$image" ]; then
		say "ok $((n += 1)) harness: $name # SKIP no kernel built"
		return
	fi
	printf '#!/bin/sh\necho "hello from $(uname -r) $(uname -m)"\nexit 3\n' >"$tmp/prog.sh"
	chmod +x "$tmp/prog.sh"
	env "$@" "$TOP/scripts/vmrun.sh" "$tmp/prog.sh" >"$tmp/out" 2>&1
	rc=$?
	[ $rc -eq 3 ] && grep -qE "$re" "$tmp/out"
	result $? "$name" "exit $rc"
}
vmrun_case "vm-run prints the program's output and exits with its status" \
	"$KBUILD/arch/x86/boot/bzImage" '^hello from 6\.12.* x86_64'
kb64=$(KARCH=arm64 KBUILD='' bash -c '. "$1/scripts/lib.sh"; echo "$KBUILD"' _ "$TOP")
vmrun_case "arm64: vm-run prints the program's output and exits with its status" \
	"$kb64/arch/arm64/boot/Image" '^hello from 6\.12.* aarch64' \
	KARCH=arm64 KBUILD="$kb64" OUT="$tmp/out-arm64" LOGS="$tmp"
# 10b. make clean drops the outputs of every flavour (debug, KCONFIG_EXTRA,
# lint, mutants), not only the default ones.
read -r -a words <<<"$(make -s -n -C "$TOP" clean 2>/dev/null)"
missing=''
for d in build/kbuild-debug build/kbuild-no-gmem-mmap build/out-debug build/logs-debug \
	build/kbuild-arm64 build/out-arm64 build/logs-arm64 \
	build/lint/kbuild build/lint/kbuild-modular-kvm build/mutants; do
	hit=''
	for w in "${words[@]}"; do
		# shellcheck disable=SC2053
		[[ $d == $w ]] && hit=1
	done
	[ -n "$hit" ] || missing+=" $d"
done
[ -z "$missing" ]
result $? "make clean removes every flavour's kernel, outputs and logs" "not removed:$missing"

# 11. make check-regress's table fails a column whose VM died halfway or
# whose kernel printed a report, even when every test in it passed.
mkdir -p "$tmp/rt"
for col in stock off; do
	printf 'KTAP version 1\n1..1\n# 1/1 t\nok 1 t # time=0s\n' >"$tmp/rt/$col.ktap"
	: >"$tmp/rt/$col.splat"
done
printf '==== vm: job exit status 0 ====\n' >"$tmp/rt/stock.log"
cp "$tmp/rt/stock.log" "$tmp/rt/off.log"
python3 "$TOP/scripts/regress-table.py" "$tmp/rt" stock off >/dev/null 2>&1
rc1=$?
printf 'boot\n' >"$tmp/rt/off.log"
python3 "$TOP/scripts/regress-table.py" "$tmp/rt" stock off >"$tmp/out" 2>&1
rc2=$?
cp "$tmp/rt/stock.log" "$tmp/rt/off.log"
echo '[    1.000000] WARNING: CPU: 0 PID: 1 at x.c:1 f+0x1/0x2' >"$tmp/rt/off.splat"
python3 "$TOP/scripts/regress-table.py" "$tmp/rt" stock off >>"$tmp/out" 2>&1
rc3=$?
[ $rc1 -eq 0 ] && [ $rc2 -ne 0 ] && [ $rc3 -ne 0 ] &&
	grep -q 'column off: the VM did not finish' "$tmp/out" &&
	grep -q 'column off: the kernel printed' "$tmp/out"
result $? "check-regress fails a column whose VM died or whose kernel printed a report" \
	"healthy $rc1, died $rc2, report $rc3"

# 12. The demo skips (exit 4), rather than fails, on a kernel whose
# configuration lacks what it shows (here: conversion off at boot).
if [ -f "$KBUILD/arch/x86/boot/bzImage" ] &&
	grep -q '^CONFIG_KVM_GUEST_MEMFD_MMAP=y' "$KBUILD/.config" &&
	OUT=$tmp/demo "$TOP/scripts/tools.sh" gmem-demo >"$tmp/out" 2>&1; then
	KCMDLINE=kvm.gmem_in_place_conversion=0 LOGS=$tmp \
		"$TOP/scripts/vmrun.sh" "$tmp/demo/gmem-demo --quiet" >"$tmp/out" 2>&1
	rc=$?
	[ $rc -eq 4 ]
	result $? "the demo skips (exit 4) where the kernel cannot convert in place" "exit $rc"
else
	say "ok $((n += 1)) harness: the demo skips where the kernel cannot convert in place # SKIP no kernel with CONFIG_KVM_GUEST_MEMFD_MMAP built"
fi
exit 0
