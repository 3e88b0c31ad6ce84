#!/usr/bin/env bash
# busybox.sh: print the path of a static busybox for $KARCH's VM, fetching
# Debian's busybox-static for that architecture the first time (arm64:
# build/dl/arm64/busybox). apt downloads it with a private configuration of
# its own (the system's Debian sources, the architecture's package lists
# under build/dl/apt-ARCH), so the system's dpkg, which has only its own
# architecture, is not touched; apt checks the package against the
# archive's signed index as for any install.
. "$(dirname "$0")/lib.sh"

case $KARCH in
x86) need busybox && command -v busybox && exit 0 ;;
arm64) debarch=arm64 ;;
esac
dest=$DL/$debarch/busybox
if [ -x "$dest" ]; then
	printf '%s\n' "$dest"
	exit 0
fi
need apt-get dpkg-deb
apt=$DL/apt-$debarch
mkdir -p "$apt"/{sources,state/lists/partial,cache/archives/partial,debs}
# The system's own sources (deb822 or one-line format), as they are.
found=''
for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list /etc/apt/sources.list; do
	[ -s "$f" ] || continue
	cp "$f" "$apt/sources/"
	found=1
done
[ -n "$found" ] || die "no Debian apt sources in /etc/apt; busybox-static:$debarch cannot be fetched"
: >"$apt/state/status"
aptopts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt/sources"
	-o "Dir::State=$apt/state" -o "Dir::State::status=$apt/state/status"
	-o "Dir::Cache=$apt/cache" -o "APT::Architecture=$debarch"
	-o "APT::Architectures::=$debarch" -o "APT::Sandbox::User=root" -o "Debug::NoLocking=1")
fetch() {
	apt-get "${aptopts[@]}" update &&
		(cd "$apt/debs" && rm -f ./*.deb && apt-get "${aptopts[@]}" download "busybox-static:$debarch")
}
run_step "fetching busybox-static for $debarch" "$LOGS/busybox-$debarch.log" fetch >&2
deb=$(ls "$apt"/debs/busybox-static_*_"$debarch".deb)
x=$(mktemp -d)
trap 'rm -rf "$x"' EXIT
dpkg-deb -x "$deb" "$x"
file "$x/bin/busybox" | grep -q 'statically linked' || die "$deb has no static busybox"
mkdir -p "$(dirname "$dest")"
cp "$x/bin/busybox" "$dest.tmp"
mv "$dest.tmp" "$dest"
info "busybox for $debarch: $(basename "$deb")" >&2
printf '%s\n' "$dest"
