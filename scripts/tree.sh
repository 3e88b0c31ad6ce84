#!/usr/bin/env bash
# Make the work tree: the base source committed and tagged 'base', then the
# series applied as commits on branch 'series' (build/tree, ignored by git).
#
#   tree.sh           (re)create it; refuses if it holds un-exported work
#   tree.sh --ensure  create it only if it does not exist yet
#   FORCE=1 tree.sh   recreate even so, keeping the old work under a tag
. "$(dirname "$0")/lib.sh"

need git tar xz
mode=${1:-}

# While the series is being applied this marker exists: a tree that still
# has it holds part of the series (a patch failed) and must not be tested.
partial=$TREE/.git/series-incomplete

if [ -d "$TREE/.git" ]; then
	if [ "$mode" = --ensure ]; then
		[ ! -e "$partial" ] || die "the work tree holds part of the series only: $(cat "$partial").
  Fix patches/, then run 'make tree' to apply the whole series again."
		exit 0
	fi
	# TREE_DISPOSABLE: a scratch tree of the harness's own tests. A partial
	# series holds no work of its own (it is a prefix of patches/).
	if [ -z "${TREE_DISPOSABLE:-}" ] && [ ! -e "$partial" ] &&
		! "$TOP/scripts/export-check.sh" >/dev/null 2>&1; then
		if [ -z "${FORCE:-}" ]; then
			die "$TREE holds work that is not in patches/ (see 'make export-check').
  Export it first with 'make export', or rerun with FORCE=1 to recreate the tree
  (the old state is then kept under a tag 'backup/<date>' in the tree)."
		fi
		stamp=backup/$(date +%Y%m%d-%H%M%S)
		if [ -n "$(git -C "$TREE" status --porcelain --untracked-files=no)" ]; then
			tgit stash push -q -m "uncommitted work before $stamp"
			warn "uncommitted changes were stashed: git -C $TREE stash list"
		fi
		tgit tag "$stamp" HEAD
		warn "old work tree state kept as tag $stamp"
	fi
	info "resetting $TREE to tag $BASE_TAG"
	tgit am --abort >/dev/null 2>&1 || true
	tgit checkout -q -f -B series "$BASE_TAG"
	tgit clean -q -fdx
else
	[ ! -e "$TREE" ] || die "$TREE exists but is not a git work tree; move it away first"
	tarball=$("$TOP/scripts/base.sh" | tail -n 1)
	mkdir -p "$TREE.tmp"
	run_step "unpacking base $BASE" "$LOGS/tree-unpack.log" \
		tar -xJf "$tarball" -C "$TREE.tmp" --strip-components=1
	git -C "$TREE.tmp" init -q -b series
	git -C "$TREE.tmp" config gc.auto 0
	git -C "$TREE.tmp" config core.untrackedCache true
	TREE=$TREE.tmp
	run_step "committing base as git tag '$BASE_TAG'" "$LOGS/tree-commit.log" \
		bash -c 'git -C "$1" add -A -f && GIT_AUTHOR_DATE="$2" GIT_COMMITTER_DATE="$2" \
			GIT_AUTHOR_NAME="$3" GIT_AUTHOR_EMAIL="$4" GIT_COMMITTER_NAME="$3" \
			GIT_COMMITTER_EMAIL="$4" git -C "$1" commit -q -m "$5"' \
		_ "$TREE" "$FIXED_DATE" "$IDENT_NAME" "$IDENT_EMAIL" \
		"Debian $BASE_PACKAGE $BASE"
	tgit tag "$BASE_TAG"
	TREE=${TREE%.tmp}
	mv "$TREE.tmp" "$TREE"
fi

# The cover letter's title and text become the branch description, from
# which 'make export' writes the cover letter back.
cover=$TOP/patches/0000-cover-letter.patch
if [ -f "$cover" ]; then
	desc=$(awk -v id="$IDENT_NAME" '
		state == 0 && /^Subject: / { sub(/^Subject: \[PATCH[^]]*\] /, ""); print; print ""; next }
		state == 0 && /^$/ { state = 1; next }
		state == 1 && (index($0, id " (") == 1 || /^base-commit: /) { exit }
		state == 1 { print }' "$cover")
	tgit config branch.series.description "$desc"
fi

echo "'make tree' has not finished applying patches/" >"$partial"
n=0
while read -r p; do
	n=$((n + 1))
	[ -f "$TOP/patches/$p" ] || die "patches/series names $p, which does not exist"
	if ! out=$(tgit am -q --keep-cr "$TOP/patches/$p" 2>&1); then
		files=$(printf '%s\n' "$out" | sed -n 's/^error: \(patch failed\|[^:]*\): \([^:]*\).*/\2/p' | sort -u | tr '\n' ' ')
		tgit am --abort >/dev/null 2>&1 || true
		printf '%s\n' "$out" >&2
		echo "patch $n, patches/$p, did not apply" >"$partial"
		die "patch $n, patches/$p, does not apply to $BASE_PACKAGE $BASE${files:+ (files: $files)}"
	fi
done < <(series_patches)
rm -f "$partial"
info "work tree ready: $TREE ($n patches on tag $BASE_TAG, branch series)"
