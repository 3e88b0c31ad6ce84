#!/usr/bin/env bash
# make apply-check BASE=<version>: does the series apply to another 6.12.y
# that apt offers? Extracts only the files the series touches and applies
# the patches in order with git apply, naming the first that fails.
. "$(dirname "$0")/lib.sh"

if [ "$BASE" = "$PIN_VERSION" ] && [ -z "${ALLOW_PIN:-}" ]; then
	say "usage: make apply-check BASE=<version>   (the pinned base is $PIN_VERSION)"
	say "versions apt offers:"
	apt-cache madison "$BASE_PACKAGE" | awk -F'|' '{print "  " $2}'
	exit 2
fi
tarball=$("$TOP/scripts/base.sh" | tail -n 1)
mapfile -t patches < <(series_patches)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mapfile -t files < <(cd "$TOP/patches" && cat "${patches[@]}" /dev/null |
	sed -n 's,^--- a/,linux-source-6.12/,p' | sort -u)
if [ ${#files[@]} -gt 0 ]; then
	tar -xJf "$tarball" -C "$tmp" "${files[@]}" 2>"$tmp/tar.err" ||
		{ cat "$tmp/tar.err"; die "files the series changes are missing from $BASE_PACKAGE $BASE"; }
fi
mkdir -p "$tmp/linux-source-6.12"
i=0
for p in "${patches[@]}"; do
	i=$((i + 1))
	if ! out=$(cd "$tmp/linux-source-6.12" && git apply --whitespace=nowarn "$TOP/patches/$p" 2>&1); then
		printf '%s\n' "$out" | head -n 10
		die "BASE=$BASE: patch $i, $p, does not apply"
	fi
done
info "BASE=$BASE: all ${#patches[@]} patches apply (try 'make check BASE=$BASE' to test it)"
