#!/usr/bin/env bash
# make caps: boot the patched kernel and print, live, what KVM offers for
# guest_memfd (tools/caps/gmem-caps.c).
. "$(dirname "$0")/lib.sh"

"$TOP/scripts/deps.sh"
"$TOP/scripts/tree.sh" --ensure
"$TOP/scripts/kernel.sh"
mkdir -p "$OUT"
gcc -O2 -Wall -Wextra -Werror -isystem "$KBUILD/hdr/include" \
	-o "$OUT/gmem-caps" "$TOP/tools/caps/gmem-caps.c" ||
	die "could not build tools/caps/gmem-caps.c"
info "booting the patched kernel and asking KVM what it supports"
say ""
exec "$TOP/scripts/vmrun.sh" "$OUT/gmem-caps"
