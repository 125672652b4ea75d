#!/bin/sh
# The tree's C style, as .clang-format at the top of the tree states it.
#
#   scripts/format.sh check FILE...   list the files clang-format would
#                                     change, and how many lines; exit 1 if any
#   scripts/format.sh fix FILE...     rewrite them in place
#
# .clang-format is written for Debian 12's clang-format 14: another version
# may format a few constructs differently, which this says.
set -u

mode=${1:-}
[ $# -gt 0 ] && shift
case "$mode" in
check | fix) ;;
*) echo "usage: $0 check|fix FILE..." >&2; exit 2 ;;
esac

if ! command -v clang-format >/dev/null 2>&1; then
	echo "format: clang-format is not installed; as root: sh scripts/deps.sh format" \
		"(apt-get install clang-format)" >&2
	exit 2
fi
version=$(clang-format --version | sed -n 's/.*version \([0-9][0-9]*\).*/\1/p')
if [ "$version" != 14 ]; then
	echo "format: note: clang-format $version, where .clang-format was written for 14;" \
		"a few lines may differ" >&2
fi

if [ "$mode" = fix ]; then
	exec clang-format --style=file -i "$@"
fi

files=0
lines=0
for f in "$@"; do
	n=$(clang-format --style=file "$f" | diff -U0 "$f" - | grep -c '^-[^-]')
	if [ "$n" -gt 0 ]; then
		echo "$f: $n lines"
		files=$((files + 1))
		lines=$((lines + n))
	fi
done
if [ "$files" -gt 0 ]; then
	echo "check-format: $files of $# files differ from .clang-format ($lines lines);" \
		"'clang-format --style=file FILE | diff FILE -' shows how, 'make format' rewrites them" >&2
	exit 1
fi
echo "check-format: all $# files match .clang-format"
