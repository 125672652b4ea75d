#!/bin/sh
# libfilebroker's ABI is deliberate: the functions the shared library
# exports, those client/libfilebroker.map lists, those client/filebroker.h
# declares and those libfilebroker(3) names (NAME and SYNOPSIS) are one and
# the same set, so that a function added without being declared,
# documented and exported, or an internal one that leaks, fails here.  The
# soname is libfilebroker.so.SOVERSION, every export carries a version
# (LIBFILEBROKER_*), the page's version macros are the header's, and a
# program built against the shared library alone runs and sees its version.
. tests/integration/lib.sh

CC=${CC:-cc}
SO=$B/libfilebroker.so
MAP=client/libfilebroker.map
HDR=client/filebroker.h
PAGE=docs/libfilebroker.3
[ -f "$SO" ] || skip_all "no $SO: make builds it"
command -v nm >/dev/null && command -v readelf >/dev/null || skip_all "no nm or readelf (binutils)"

# Each list: one name a line, sorted.
# The library's dynamic symbols that it defines, without their @VERSION,
# but the version nodes themselves (absolute symbols named LIBFILEBROKER_*).
nm -D --defined-only "$SO" | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' | sort >"$T/exported"
# The map's global names: the lines "	name;" between "global:" and "local:".
sed -n '/^global:/,/^local:/s/^[[:blank:]]*\([A-Za-z_][A-Za-z0-9_]*\);$/\1/p' "$MAP" | sort >"$T/map"
# The functions the header declares: every "fb_name(" once comments are gone.
$CC -D_GNU_SOURCE -E -P "$HDR" | tr '\n' ' ' | grep -oE '\bfb_[a-z_]+ *\(' | sed 's/ *($//' |
	sort -u >"$T/header"
# The page's NAME line (every name before "\-", but libfilebroker itself).
sed -n '/^\.SH NAME/,/^\.SH/p' "$PAGE" | sed '1d;$d' | sed 's/\\-.*//' | tr ', ' '\n\n' |
	grep -E '^fb_' | sort -u >"$T/name"
# The page's SYNOPSIS: each function shown with its arguments.
sed -n '/^\.SH SYNOPSIS/,/^\.SH/p' "$PAGE" | grep -oE '\bfb_[a-z_]+\(' | sed 's/($//' |
	sort -u >"$T/synopsis"

# same NAME FILE_A WHAT_A FILE_B WHAT_B: the two lists agree, else say which
# names one has and the other lacks.
same() {
	if cmp -s "$T/$2" "$T/$4"; then
		pass "$1: $3 and $5 list the same $(wc -l <"$T/$2") functions"
	else
		fail "$1: $3 and $5 differ:"
		comm -23 "$T/$2" "$T/$4" | sed "s|^|      in $3 only: |"
		comm -13 "$T/$2" "$T/$4" | sed "s|^|      in $5 only: |"
	fi
}
[ -s "$T/exported" ] && [ -s "$T/header" ] || fail "no function found in $SO or $HDR"
same "exports" exported "the library's exports" map "$MAP"
same "declarations" header "$HDR" map "$MAP"
same "documented" name "libfilebroker(3) NAME" map "$MAP"
same "synopsis" synopsis "libfilebroker(3) SYNOPSIS" map "$MAP"

# Every export is versioned, none left at the base version.
if nm -D --defined-only "$SO" | awk '$2 != "A"' | grep -v '@@LIBFILEBROKER_[0-9.]*$' >"$T/unversioned"; then
	fail "exports without a LIBFILEBROKER_ version:"
	sed 's/^/      /' "$T/unversioned"
else
	pass "every export has a LIBFILEBROKER_ version"
fi

# The soname names SOVERSION, and the file VERSION (both from the Makefile).
vars=$(make -s --no-print-directory -f Makefile -f - print-abi-vars <<'EOF'
print-abi-vars:
	@echo $(VERSION) $(SOVERSION)
EOF
)
# shellcheck disable=SC2086
set -- $vars
expect "the soname is libfilebroker.so.SOVERSION ($2)" "\[libfilebroker\.so\.$2\]" readelf -d "$SO"
[ -f "$SO.$1" ] && pass "the library file is libfilebroker.so.VERSION ($1)" ||
	fail "no $SO.$1 for VERSION $1"

# The page shows the header's version macros.
for m in FB_VERSION_MAJOR FB_VERSION_MINOR FB_VERSION_PATCH FB_VERSION; do
	h=$(sed -n "s/^#define $m \(.*\)\$/\1/p" "$HDR")
	p=$(sed -n "s/^\.B #define $m \(.*\)\$/\1/p" "$PAGE" | sed 's/\\(dq/"/g')
	if [ -n "$h" ] && [ "$h" = "$p" ]; then
		pass "libfilebroker(3) shows $m $h, as $HDR"
	else
		fail "$m: $HDR says '$h', libfilebroker(3) '$p'"
	fi
done

# A program linked against the shared library alone (no static archive)
# loads, binds every symbol at once, and sees the header's version.
cat >"$T/v.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include <filebroker.h>

int
main(void)
{
	printf("%s\n", fb_version());
	return strcmp(FB_VERSION, fb_version()) != 0;
}
EOF
# The sanitizer build's library needs the program to bring the runtime.
san=
[ "$B" = build-san ] && san=-fsanitize=address,undefined
if $CC $san -Iclient -o "$T/v" "$T/v.c" -L"$B" -lfilebroker -Wl,-z,now >"$T/cc.out" 2>&1; then
	expect "a program built against $SO runs with it and sees its version, $1" \
		"^$1$" env LD_LIBRARY_PATH="$B" LD_BIND_NOW=1 "$T/v"
else
	fail "a program does not link against $SO:"
	sed 's/^/      /' "$T/cc.out"
fi
# ... and one that reaches for an internal function does not link.
printf 'int proto_encode_request(void);\nint main(void) { return proto_encode_request(); }\n' >"$T/leak.c"
refute "the wire codec is not exported (a program calling proto_encode_request does not link)" \
	"^linked$" sh -c "$CC $san -o '$T/leak' '$T/leak.c' -L'$B' -lfilebroker >/dev/null 2>&1 && echo linked"

finish
