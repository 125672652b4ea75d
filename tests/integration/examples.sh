#!/bin/sh
# Every example of the man pages (docs/*.1 *.3 *.5) and the README, taken
# out of the pages by tests/examples/extract.py: C programs and fragments
# built (warnings are errors) against libfilebroker built here from client/
# and run as their recipes in tests/examples/recipes.sh say, under filebroker
# run, run --explicit and serve (the dynamic build in each; the static build
# is made too, as the page's recipe for it); policies given to filebroker
# check; shell sessions run, their output compared with what the page shows
# (tests/examples/session.py); JSON parsed.  Sessions that need an
# installed filebroker are run by installed.sh.
. tests/integration/lib.sh
. tests/examples/recipes.sh

command -v python3 >/dev/null || skip_all "examples.sh needs python3"
CC=${CC:-cc}

X=$T/examples
if examples_extract "$X" 2>"$T/extract.err"; then
	pass "every example block of the pages has a marker, and was taken out"
else
	fail "the pages' examples could not all be taken out:"
	sed 's/^/      /' "$T/extract.err"
fi
chmod -R go+rX "$T"

# libfilebroker from client/ (which uses common/'s headers, as design.md's
# layers say), without sanitizers whatever the build (the examples run as
# sandboxed workers, where a sanitizer runtime cannot start).
mkdir -p "$T/lib"
for c in client/*.c; do
	o=$T/lib/$(basename "$c" .c).o
	$CC -D_GNU_SOURCE -Iclient -Icommon -O2 -c -o "$o" "$c" || { fail "building libfilebroker from $c"; finish; }
done
ar rcs "$T/lib/libfilebroker.a" "$T"/lib/*.o
LIBS="-lseccomp -lcap -lpthread"

for page in "$X"/*/; do
	page=${page%/}
	p=$(basename "$page")
	[ -f "$page/list" ] || continue
	page_fixture "$p" "$page"
	chmod -R go+rwX "$page"
	policy_safe "$page"
	while read -r e_kind e_name e_line e_flags; do
		case "$e_kind" in
		skip) echo "SKIP $p:$e_line: $e_flags" ;;
		program | fragment)
			w="-Wall -Wextra -Werror"
			[ "$e_kind" = fragment ] && w="$w -Wno-unused-variable -Wno-unused-but-set-variable"
			bin=${e_name%.c}
			mkdir -p "$page/static"
			# shellcheck disable=SC2086
			if $CC $w -Iclient -o "$page/$bin" "$page/$e_name" "$T/lib/libfilebroker.a" $LIBS \
				>"$T/cc.out" 2>&1 &&
				$CC $w -Iclient -static -o "$page/static/$bin" "$page/$e_name" \
					"$T/lib/libfilebroker.a" $LIBS >>"$T/cc.out" 2>&1; then
				pass "$p:$e_line $e_name builds"
			else
				fail "$p:$e_line $e_name does not build:"
				sed 's/^/      /' "$T/cc.out"
				continue
			fi
			modes=$(example_modes "$p/$e_name")
			[ "$modes" = none ] && example_run "$p" "$e_name" "$page/$bin" none
			for m in $modes; do
				example_run "$p" "$e_name" "$page/$bin" "$m"
			done
			;;
		policy) check_policy "$page" "$e_name" ;;
		session)
			case " $e_flags " in
			*" installed "*) echo "SKIP $p $e_name: run against an installed filebroker, by installed.sh" ;;
			*) run_session "$page" "$e_name" "$e_flags" >"$T/session.out" 2>&1
				st=$?
				cat "$T/session.out"
				npass=$((npass + $(grep -c '^PASS' "$T/session.out")))
				nfail=$((nfail + $(grep -c '^FAIL' "$T/session.out")))
				[ $st -eq 0 ] || [ "$(grep -c '^FAIL' "$T/session.out")" -gt 0 ] ||
					fail "$p $e_name: the session failed (exit $st)"
				;;
			esac
			;;
		json)
			if python3 -m json.tool "$page/$e_name" >/dev/null 2>"$T/json.err"; then
				pass "$p:$e_line $e_name is JSON"
			else
				fail "$p:$e_line $e_name is not JSON: $(cat "$T/json.err")"
			fi
			;;
		*) fail "$p:$e_line: unknown kind $e_kind" ;;
		esac
	done <"$page/list"
done

finish
