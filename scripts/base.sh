#!/usr/bin/env bash
# Fetch and verify the base source: Debian's linux-source-6.12 at the pinned
# version (kernel/base.pin), or at BASE=<version> if set.
# Prints the path of the verified tarball on stdout as its last line.
. "$(dirname "$0")/lib.sh"

need apt-get apt-cache dpkg-deb sha256sum
mkdir -p "$DL"
deb=$DL/${BASE_PACKAGE}_${BASE//:/%3a}_all.deb
tarball=$DL/${BASE_PACKAGE}-$BASE.tar.xz

available() {
	apt-cache madison "$BASE_PACKAGE" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}'
}

if [ ! -f "$tarball" ]; then
	if [ ! -f "$deb" ]; then
		if ! available | grep -qxF "$BASE"; then
			vers=$(available | tr '\n' ' ')
			die "$BASE_PACKAGE version $BASE is not offered by apt.
  apt offers: ${vers:-nothing (run 'apt-get update' first, or check /etc/apt/sources.list)}
  The pin lives in kernel/base.pin; try another with 'make apply-check BASE=<version>'."
		fi
		info "downloading $BASE_PACKAGE=$BASE" >&2
		(cd "$DL" && apt-get download -q "$BASE_PACKAGE=$BASE" >&2) ||
			die "apt-get download $BASE_PACKAGE=$BASE failed"
	fi
	if [ "$BASE" = "$PIN_VERSION" ]; then
		got=$(sha256sum "$deb" | cut -d' ' -f1)
		[ "$got" = "$BASE_DEB_SHA256" ] || {
			mv "$deb" "$deb.bad"
			die "$deb has sha256 $got, but kernel/base.pin expects $BASE_DEB_SHA256 (moved aside to .bad)"
		}
	fi
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "./$BASE_TARBALL" >"$tarball.tmp" ||
		die "could not extract $BASE_TARBALL from $deb"
	mv "$tarball.tmp" "$tarball"
fi

got=$(sha256sum "$tarball" | cut -d' ' -f1)
if [ "$BASE" = "$PIN_VERSION" ]; then
	[ "$got" = "$BASE_TARBALL_SHA256" ] || {
		rm -f "$tarball"
		die "base tarball sha256 is $got, but kernel/base.pin expects $BASE_TARBALL_SHA256"
	}
	info "base $BASE_PACKAGE $BASE verified (sha256 ${got:0:16}...)" >&2
else
	warn "BASE=$BASE is not the pinned $PIN_VERSION; apt verified the package, its tarball sha256 is $got"
fi
printf '%s\n' "$tarball"
