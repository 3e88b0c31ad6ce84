#!/usr/bin/env bash
# initramfs.sh OUT.cpio JOB [SRC[:DEST] ...]
# Make an initramfs: static busybox, our /init, the job script as /job, and
# each SRC copied to DEST (default /bin/NAME) — directories recursively —
# with the shared libraries of every dynamic ELF among them.
. "$(dirname "$0")/lib.sh"

need cpio file ldd
[ $# -ge 2 ] || die "usage: initramfs.sh OUT.cpio JOB [SRC[:DEST] ...]"
out=$1 job=$2
shift 2
if [ "$KARCH" = x86 ]; then
	need busybox
	bb=$(command -v busybox)
else
	# Debian's busybox-static for the architecture (scripts/busybox.sh).
	bb=$("$TOP/scripts/busybox.sh")
fi
file -L "$bb" 2>/dev/null | grep -q 'statically linked' ||
	ldd "$bb" 2>&1 | grep -q 'not a dynamic' ||
	die "$bb is not static; install busybox-static"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,root,etc,lib,lib64}
cp "$bb" "$root/bin/busybox"
install -m 0755 "$TOP/scripts/guest/init" "$root/init"
install -m 0755 "$TOP/scripts/guest/ktap-run" "$root/bin/ktap-run"
install -m 0644 "$job" "$root/job"

for spec in "$@"; do
	src=${spec%%:*}
	dest=${spec#*:}
	[ "$dest" != "$spec" ] || dest=/bin/$(basename "$src")
	[ -e "$src" ] || die "cannot put $src into the VM: no such file"
	mkdir -p "$root$(dirname "$dest")"
	cp -a "$src" "$root$dest"
done

# Programs for another architecture must be static: ldd cannot read them.
if [ "$KARCH" != x86 ]; then
	while IFS= read -r -d '' f; do
		if file "$f" | grep -q 'ELF.*dynamically linked'; then
			die "${f#"$root"} is a dynamically linked program; build it with -static for $KARCH"
		fi
	done < <(find "$root" -type f -perm -u+x -print0)
fi
# Shared libraries (and the dynamic loader) of every dynamic program.
libs=$(find "$root" -type f -perm -u+x ! -path "$root/bin/busybox" -exec ldd {} \; 2>/dev/null |
	grep -o '/[^ ]*\.so[^ ]*' | sort -u || true)
# glibc dlopen()s libgcc_s for pthread_cancel and unwinding; ldd cannot see that.
case $libs in
*/libc.so.6*) libs="$libs $(gcc -print-file-name=libgcc_s.so.1 | xargs readlink -f)" ;;
esac
for lib in $libs; do
	[ -e "$root$lib" ] || { mkdir -p "$root$(dirname "$lib")" && cp -L "$lib" "$root$lib"; }
done

(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio -o -0 -H newc -R 0:0 --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
