#!/bin/sh
# Golden tests for the policy tools, in the manner of OpenBSD's
# regress/usr.sbin/bgpd/config: policy in, expected output out.
#
#	sh tests/golden/run.sh BUILD_DIR	(from anywhere; paths are repo-relative)
#	UPDATE=1 sh tests/golden/run.sh build	rewrite the expected files
#
# For each tests/golden/NAME.policy:
#   NAME.check.out	`filebroker check NAME.policy` (stdout, stderr, exit status)
#   NAME.explain.out	`filebroker explain --lexical --policy NAME.policy ARGS` for
#			each line ARGS of NAME.paths (sh quoting), with each exit
#			status: decisions of the language, whatever this machine
#			holds (a line may say --resolve, for paths every Debian 12
#			has)
# and, when the policy loads, a round trip: `check --print` writes it out,
# and explain must give the same decisions on the printed policy as on the
# original for every line of NAME.paths (rule names differ, so they are
# left out of that comparison).  policy/examples/*.policy must check clean.
#
# Prints one PASS/FAIL line per case; exits 1 if any failed.
set -u

B=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd -P)
cd "$root" || exit 2
case "$B" in /*) ;; *) B="$root/$B" ;; esac
FB=$B/filebroker
if [ ! -x "$FB" ]; then
	echo "FAIL golden: $FB not built" >&2
	exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
failed=0

# Files are named by their absolute path (rule names, diagnostics): the
# expected outputs name them from the top of the repository, wherever it is.
in_repo() {
	sed "s|$root/||g"
}

# explain POLICY < PATHS: every line's output and exit status.
explain_all() {
	pol=$1
	while IFS= read -r line || [ -n "$line" ]; do
		echo "\$ explain $line"
		eval "set -- $line"
		"$FB" explain --lexical --policy "$pol" "$@" 2>&1
		echo "exit $?"
	done
}

# The same, decisions only: no stderr, no rule names.
decisions() {
	pol=$1
	while IFS= read -r line || [ -n "$line" ]; do
		eval "set -- $line"
		"$FB" explain --lexical --policy "$pol" "$@" 2>/dev/null
		echo "exit $?"
	done | sed -e 's/  ([^()]*)\(  create mode.*\)\{0,1\}$/\1/' -e 's/"rule":"[^"]*",\{0,1\}//'
}

result() {
	if [ "$2" -eq 0 ]; then
		echo "PASS golden $1"
	else
		echo "FAIL golden $1"
		failed=1
	fi
}

for pol in tests/golden/*.policy; do
	name=$(basename "$pol" .policy)
	bad=0
	{
		"$FB" check "$pol" 2>&1
		echo "exit $?"
	} | in_repo >"$tmp/$name.check.out"
	: >"$tmp/$name.explain.out"
	if [ -f "tests/golden/$name.paths" ]; then
		explain_all "$pol" <"tests/golden/$name.paths" | in_repo >"$tmp/$name.explain.out"
	fi
	for kind in check explain; do
		want=tests/golden/$name.$kind.out
		if [ "${UPDATE:-0}" = 1 ]; then
			cp "$tmp/$name.$kind.out" "$want"
		elif ! diff -u "$want" "$tmp/$name.$kind.out" >"$tmp/diff" 2>&1; then
			cat "$tmp/diff"
			bad=1
		fi
	done
	# Round trip: print, load again, same decisions.
	if "$FB" check --print "$pol" >"$tmp/$name.printed.raw" 2>/dev/null ||
	    ! grep -q "^$pol: .*error" "$tmp/$name.printed.raw"; then
		grep -v "^$pol: " "$tmp/$name.printed.raw" >"$tmp/$name.printed.policy"
		if [ -f "tests/golden/$name.paths" ]; then
			decisions "$pol" <"tests/golden/$name.paths" >"$tmp/a"
			decisions "$tmp/$name.printed.policy" <"tests/golden/$name.paths" >"$tmp/b"
			if ! diff -u "$tmp/a" "$tmp/b"; then
				echo "round trip changed decisions for $name"
				bad=1
			fi
		fi
	fi
	result "$name" "$bad"
done

# The shipped examples must be clean.
if "$FB" check policy/examples/*.policy >"$tmp/ex" 2>&1; then
	result examples 0
else
	cat "$tmp/ex"
	result examples 1
fi

exit "$failed"
