#!/usr/bin/env bash
# tools.sh NAME...: build the project's programs that run in the VM
# (tools/demo/gmem-demo.c, tools/caps/gmem-caps.c) against the test
# kernel's uAPI headers, into $OUT/NAME.
. "$(dirname "$0")/lib.sh"

hdr=$KBUILD/hdr/include
[ -d "$hdr/linux" ] || die "no installed uAPI headers at $hdr; run 'make kernel' first"
mkdir -p "$OUT"
for name in "$@"; do
	case $name in
	gmem-demo) src=$TOP/tools/demo/gmem-demo.c ;;
	gmem-caps) src=$TOP/tools/caps/gmem-caps.c ;;
	*) die "tools.sh: unknown program '$name'" ;;
	esac
	gcc -O2 -Wall -Wextra -Werror -isystem "$hdr" -o "$OUT/$name" "$src" ||
		die "could not build ${src#"$TOP"/}"
done
