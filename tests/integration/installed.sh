#!/bin/sh
# The installed system, end to end, as root: make install to the live system
# in a scratch PREFIX under /opt (so that the loader does not know its lib
# folder and install must name it in /etc/ld.so.conf.d), then what a C
# programmer following libfilebroker(3) does: build the pages' examples
# against it with pkg-config, exactly as the page says, and run them under
# filebroker run (transparent mode), run --explicit and serve, the dynamic
# build in each (the static one is built too, as the page says it can be);
# the page's own build-and-run sessions; then make
# uninstall, after which nothing is left: the same /opt, /etc/ld.so.conf.d
# and loader cache as before (the group filebroker stays, as Debian's
# packages leave theirs; the test removes it when it made it).
#
# The units go to PREFIX/lib/systemd/system rather than systemd's folder,
# so that a filebroker.service of the machine is never touched.
. tests/integration/lib.sh
. tests/examples/recipes.sh

[ "$(id -u)" -eq 0 ] || skip_all "installed.sh installs to the live system: needs root"
[ "$B" = build-san ] && skip_all "the installed system is tested with the plain build"
for c in make pkg-config cc ldconfig python3 setpriv; do
	command -v $c >/dev/null || skip_all "installed.sh needs $c"
done
[ -e /etc/ld.so.conf.d/filebroker.conf ] &&
	skip_all "a filebroker is installed here (/etc/ld.so.conf.d/filebroker.conf): not touched"
ldconfig -p | grep -q libfilebroker &&
	skip_all "the loader's cache has a libfilebroker already: the test's could not be told apart"

P=$(mktemp -u /opt/fbtest.XXXXXX)
U=$P/lib/systemd/system
BB=$T/build
mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -j2 B="$BB" PREFIX="$P" \
		SYSTEMDUNITDIR="$U" "$@"
}
had_group=
getent group filebroker >/dev/null && had_group=1

# What must be the same after uninstall.
snapshot() {
	ls -la /opt | sed 's/  */ /g' | cut -d' ' -f1,9-
	ls -la /etc/ld.so.conf.d | sed 's/  */ /g' | cut -d' ' -f1,9-
	ldconfig -p | sort
}
snapshot >"$T/before"

# Whatever happens, the machine is left as it was.
cleanup() {
	[ -n "${SPID:-}" ] && kill -9 "$SPID" 2>/dev/null
	if [ -d "$P" ]; then
		mk uninstall >/dev/null 2>&1
		case "$P" in /opt/fbtest.?*) rm -rf "$P" ;; esac
	fi
	if grep -qxF "$P/lib" /etc/ld.so.conf.d/filebroker.conf 2>/dev/null; then
		rm -f /etc/ld.so.conf.d/filebroker.conf
		ldconfig
	fi
	[ -z "$had_group" ] && getent group filebroker >/dev/null && groupdel filebroker
	rm -rf "$T"
}
trap cleanup EXIT

mk install >"$T/out" 2>&1
st=$?
[ $st -eq 0 ] && pass "make install PREFIX=$P: exit 0" || { fail "make install: exit $st"; sed 's/^/      /' "$T/out"; finish; }

# --- the live system's part
expect "the group filebroker exists" "^filebroker:" getent group filebroker
[ -z "$had_group" ] && expect "install said it made it" "created the system group filebroker" cat "$T/out"
expect "the loader is told about LIBDIR" "^$P/lib$" cat /etc/ld.so.conf.d/filebroker.conf
expect "ldconfig ran: the cache has the library" "libfilebroker\.so\.0 .*=> $P/lib/libfilebroker\.so\.0$" \
	ldconfig -p
FB=$P/bin/filebroker
expect "the installed binary runs" "^filebroker 0\.1\.0$" "$FB" --version
expect "its @runtime grants libfilebroker where it is" "^allow read $P/lib/libfilebroker\.so\*" \
	sh -c "echo 'include @runtime' >'$T/rt.policy' && '$FB' check --print '$T/rt.policy'"
expect "the shipped serve.policy checks, the group being there" "serve\.policy: ok \(.* 1 profile\)" \
	"$FB" check "$P/etc/filebroker/serve.policy"
expect "the service names it" "--policy $P/etc/filebroker/serve\.policy " grep '^ExecStart=' "$U/filebroker.service"
if command -v systemd-analyze >/dev/null; then
	expect "systemd-analyze verify finds nothing to say about the units" "^$" \
		systemd-analyze verify --man=no "$U/filebroker.socket" "$U/filebroker.service"
fi
expect "pkg-config finds it" "^0\.1\.0$" env PKG_CONFIG_PATH="$P/lib/pkgconfig" pkg-config --modversion filebroker
expect "the bash completion is installed and loads" "complete .*-F _filebroker filebroker" \
	bash -c '. "$1"; complete -p filebroker' bash "$P/share/bash-completion/completions/filebroker"
expect "the man pages are installed" "libfilebroker\.3$" env MANPATH="$P/share/man" man -w libfilebroker

# --- the pages' examples, built against the installed library
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
PATH=$P/bin:$PATH
X=$T/examples
examples_extract "$X" 2>"$T/extract.err" || { fail "extracting the examples:"; cat "$T/extract.err"; }
chmod -R go+rX "$T"
for page in "$X"/*/; do
	page=${page%/}
	p=$(basename "$page")
	[ -f "$page/list" ] || continue
	chmod -R go+rwX "$page"
	policy_safe "$page"
	while read -r e_kind e_name e_line e_flags; do
		case "$e_kind" in
		program | fragment)
			bin=${e_name%.c}
			mkdir -p "$page/static"
			# As libfilebroker(3) says, no more.
			# shellcheck disable=SC2046
			if (cd "$page" && cc -o "$bin" "$e_name" $(pkg-config --cflags --libs filebroker) &&
				cc -static -o "static/$bin" "$e_name" $(pkg-config --static --cflags --libs filebroker)) \
				>"$T/cc.out" 2>&1; then
				pass "$p:$e_line $e_name builds with pkg-config, dynamic and static"
			else
				fail "$p:$e_line $e_name does not build against the installed library:"
				sed 's/^/      /' "$T/cc.out"
				continue
			fi
			expect "$p $e_name: the loader finds the installed libfilebroker" \
				"libfilebroker\.so\.0 => $P/lib/libfilebroker\.so\.0" ldd "$page/$bin"
			for m in $(example_modes "$p/$e_name"); do
				example_run "$p" "$e_name" "$page/$bin" "$m"
			done
			;;
		session)
			case " $e_flags " in
			*" installed "*)
				run_session "$page" "$e_name" "$e_flags" >"$T/session.out" 2>&1
				st=$?
				cat "$T/session.out"
				npass=$((npass + $(grep -c '^PASS' "$T/session.out")))
				nfail=$((nfail + $(grep -c '^FAIL' "$T/session.out")))
				[ $st -eq 0 ] || [ "$(grep -c '^FAIL' "$T/session.out")" -gt 0 ] ||
					fail "$p $e_name: the session failed (exit $st)"
				;;
			esac
			;;
		esac
	done <"$page/list"
done

# --- uninstall: nothing left
mk uninstall >"$T/out" 2>&1
st=$?
[ $st -eq 0 ] && pass "make uninstall: exit 0" || { fail "make uninstall: exit $st"; sed 's/^/      /' "$T/out"; }
[ -e "$P" ] && { fail "$P is left:"; find "$P" | sed 's/^/      /'; } || pass "the prefix is gone"
expect "uninstall says it leaves the group" "left the system group filebroker" cat "$T/out"
snapshot >"$T/after"
if cmp -s "$T/before" "$T/after"; then
	pass "/opt, /etc/ld.so.conf.d and the loader's cache are as before"
else
	fail "the system is not as before:"
	diff "$T/before" "$T/after" | sed 's/^/      /'
fi

finish
