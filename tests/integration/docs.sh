#!/bin/sh
# The docs agree with the program: the man pages format without a warning
# (man --warnings, groff -ww); filebroker(1)'s SYNOPSIS, the README's usage
# lines and the bash completion list the commands and options that
# `filebroker --help` and `filebroker COMMAND --help` do
# (tests/docs/options.py), and the completion completes them; the programs
# filebroker.policy(5) says start on @runtime alone do; make demo colours
# only a terminal.
. tests/integration/lib.sh

# --- the man pages format cleanly
for page in docs/*.1 docs/*.3 docs/*.5; do
	if command -v man >/dev/null; then
		LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" >/dev/null 2>"$T/man.err"
		if [ -s "$T/man.err" ]; then
			fail "man --warnings -l $page:"
			sed 's/^/      /' "$T/man.err"
		else
			pass "man --warnings -l $page: no warning"
		fi
	else
		echo "SKIP man --warnings $page: no man (man-db)"
	fi
	if command -v groff >/dev/null; then
		groff -ww -man -z "$page" 2>"$T/groff.err"
		if [ -s "$T/groff.err" ]; then
			fail "groff -ww -man -z $page:"
			sed 's/^/      /' "$T/groff.err"
		else
			pass "groff -ww -man -z $page: no warning"
		fi
	else
		echo "SKIP groff -ww $page: no groff (groff-base)"
	fi
done

# --- the lists of commands and options
COMP=docs/bash-completion/filebroker
python3 tests/docs/options.py "$FB" docs/filebroker.1 README.md "$COMP" >"$T/opt.out" 2>&1
st=$?
cat "$T/opt.out"
npass=$((npass + $(grep -c '^PASS' "$T/opt.out")))
nfail=$((nfail + $(grep -c '^FAIL' "$T/opt.out")))
[ $st -eq 0 ] || [ "$(grep -c '^FAIL' "$T/opt.out")" -gt 0 ] || fail "options.py: exit $st"

# complete WORD...: what the completion offers with the cursor on the last
# WORD, one a line, sorted; in $T/c, where a few files are.
mkdir -p "$T/c/sub" && : >"$T/c/scan.policy" && : >"$T/c/notes.txt"
complete_words() {
	(cd "$T/c" && bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _filebroker
		printf "%s\n" "${COMPREPLY[@]}"' bash "$OLDPWD/$COMP" "$@" | sort)
}
if command -v bash >/dev/null; then
	expect "completion: the commands" "^serve$" complete_words filebroker s
	expect "completion: a command's options" "^--placement$" complete_words filebroker run --pl
	expect "completion: an option's fixed choices" "^spread$" complete_words filebroker run --placement sp
	expect "completion: a file for --policy" "^scan\.policy$" complete_words filebroker run --policy sc
	expect "completion: an access list, item by item" "^read,list$" complete_words filebroker explain --access read,l
	expect "completion: --by's keys" "^rule$" complete_words filebroker audit --by r
	refute "completion: no options after run's COMMAND" "^--" complete_words filebroker run --net ls --
	expect "completion: files after run's COMMAND" "^notes\.txt$" complete_words filebroker run ls no
	expect "completion: files after learn's --" "^notes\.txt$" complete_words filebroker learn -- cat no
	refute "completion: nothing offered for a number" "." complete_words filebroker serve --threads ""
	expect "completion: loads as bash-completion loads it" "complete .*-F _filebroker filebroker" \
		bash -c '. "$1"; complete -p filebroker' bash "$COMP"
else
	echo "SKIP completion: no bash"
fi

# --- what filebroker.policy(5) says of @runtime
printf 'include @runtime\n' >"$T/rt.policy"
for c in "cat /dev/null" "ls -d /" "date" "sort /dev/null" "nproc --all"; do
	# shellcheck disable=SC2086
	(cd / && "$FB" run --policy "$T/rt.policy" -- $c) >"$T/rt.out" 2>&1
	st=$?
	if [ $st -eq 0 ] && ! grep -q "denied" "$T/rt.out"; then
		pass "@runtime alone runs $c, without a denial"
	else
		fail "@runtime alone: $c: exit $st:"
		sed 's/^/      /' "$T/rt.out" | head -n 10
	fi
done
if [ -x /usr/bin/python3 ]; then
	printf 'include @runtime\nallow read,list /usr/lib/python3*/**\n' >"$T/py.policy"
	expect "python3 -c 'import json' runs with @runtime and its own tree" "^\[1\]$" \
		sh -c "cd / && '$FB' run --policy '$T/py.policy' -- /usr/bin/python3 -c 'import json; print(json.dumps([1]))'"
else
	echo "SKIP @runtime and python3: no /usr/bin/python3"
fi

# --- make demo: bold headings on a terminal only
refute "the demo into a pipe has no escape codes" "$(printf '\033')" sh scripts/demo.sh "$B"
if command -v script >/dev/null; then
	expect "on a terminal it has" "$(printf '\033')\[1m" env TERM=xterm script -qec "sh scripts/demo.sh $B" /dev/null
	refute "but not under NO_COLOR" "$(printf '\033')\[1m" \
		env TERM=xterm NO_COLOR=1 script -qec "sh scripts/demo.sh $B" /dev/null
else
	echo "SKIP the demo on a terminal: no script(1)"
fi

finish
