#!/bin/sh
# The tree is formatted as .clang-format says (make check-format): every C
# file of the tree, tests included, unchanged by clang-format 14, Debian
# 12's (scripts/deps.sh check installs it).  A file that differs fails the
# test with its name and how many lines; `make format` rewrites them.
. tests/integration/lib.sh

command -v clang-format >/dev/null 2>&1 ||
	skip_all "format.sh: clang-format is not installed (as root: sh scripts/deps.sh check)"
version=$(clang-format --version | sed -n 's/.*version \([0-9][0-9]*\).*/\1/p')
[ "$version" = 14 ] ||
	skip_all "format.sh: clang-format $version, where .clang-format is written for 14 (Debian 12)"

if out=$(make -s --no-print-directory check-format 2>&1); then
	pass "every C file is as .clang-format says"
else
	fail "files that differ from .clang-format ('make format' rewrites them):"
	printf '%s\n' "$out" | sed 's/^/      /' | head -n 20
fi
# The check can fail: a file with a line clang-format would change.
# Inside the tree, where .clang-format applies.
bad=$B/format-probe.c
printf 'int\nf(void)\n{\n\treturn  1;\n}\n' >"$bad"
expect "a badly formatted file is reported" "format-probe.c: 1 lines" sh scripts/format.sh check "$bad"
rm -f "$bad"
finish
