#!/usr/bin/env bash
# Exit non-zero when patches/ and the work tree disagree (un-exported commits,
# uncommitted changes, or patches/ edited by hand). No work tree: nothing to lose.
. "$(dirname "$0")/lib.sh"

[ -d "$TREE/.git" ] || { say "no work tree at ${TREE#"$TOP"/}: nothing to check"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! QUIET=1 "$TOP/scripts/export.sh" "$tmp/patches" 2>"$tmp/err"; then
	cat "$tmp/err" >&2
	die "the work tree cannot be exported, so patches/ may not hold all of it"
fi
if ! diff -ru "$TOP/patches" "$tmp/patches" >"$tmp/diff"; then
	head -n 40 "$tmp/diff"
	die "patches/ and the work tree ${TREE#"$TOP"/} disagree (diff above: - patches/, + work tree).
  Run 'make export' to write the work tree to patches/, or 'FORCE=1 make tree' to discard it."
fi
# Debian's .gitignore hides new files: look for ignored ones too.
untracked=$(git -C "$TREE" status --porcelain --untracked-files=all --ignored=matching |
	grep -E '^(\?\?|!!) ' | head -n 10 || true)
if [ -n "$untracked" ]; then
	printf '%s\n' "$untracked"
	die "the work tree has files git does not track (above); 'git add -f' and commit them, or remove them"
fi
say "patches/ matches the work tree"
