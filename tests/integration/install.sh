#!/bin/sh
# make install, into a temporary DESTDIR with PREFIX=/usr: the binary, the
# library and its links, the header, the pkg-config file, the man pages,
# the systemd units (ExecStart naming the installed binary) and the
# logrotate example, each where it belongs; then the unit folder and the
# logrotate folder overridden as a packager would.
. tests/integration/lib.sh

command -v make >/dev/null || skip_all "install.sh needs make"
# The build under test: the sanitizer build installs build-san's files.
san=
[ "$B" = build-san ] && san=SANITIZE=1
# Called from make check: not the outer make's jobserver or command line.
# Installing for another PREFIX rebuilds what embeds it, so the installs
# build in a folder of their own ($T/ib): the build the rest of the suite
# runs ($B) is never relinked for /usr or /opt/fb half-way through.
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -j2 $san B="$T/ib" "$@"; }

R=$T/root
mk install DESTDIR="$R" PREFIX=/usr >"$T/out" 2>&1
st=$?
[ $st -eq 0 ] && pass "make install: exit 0" || { fail "make install: exit $st"; cat "$T/out"; finish; }

# exists NAME PATH TEST: TEST (-f, -x, -L) holds for $R/PATH.
exists() {
	if [ "$3" "$R$2" ]; then
		pass "$1: $2"
	else
		fail "$1: $2 missing"
		(cd "$R" && find . | sort | sed 's/^/      /')
	fi
}
exists "binary" /usr/bin/filebroker -x
exists "static library" /usr/lib/libfilebroker.a -f
exists "shared library" /usr/lib/libfilebroker.so.0.1.0 -f
exists "soname link" /usr/lib/libfilebroker.so.0 -L
exists "dev link" /usr/lib/libfilebroker.so -L
exists "header" /usr/include/filebroker.h -f
exists "pkg-config file" /usr/lib/pkgconfig/filebroker.pc -f
exists "man page" /usr/share/man/man1/filebroker.1 -f
exists "man page" /usr/share/man/man3/libfilebroker.3 -f
exists "man page" /usr/share/man/man5/filebroker.policy.5 -f
exists "logrotate example" /usr/share/doc/filebroker/examples/logrotate.d/filebroker -f

# The units go where systemd says (pkg-config), else under PREFIX.
U=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null)
[ -n "$U" ] || U=/usr/lib/systemd/system
exists "socket unit" "$U/filebroker.socket" -f
exists "service unit" "$U/filebroker.service" -f
expect "the unit's ExecStart names the installed binary" \
	"^ExecStart=/usr/bin/filebroker serve " grep '^ExecStart=' "$R$U/filebroker.service"
refute "no other path to the binary is left" "/usr/local/bin" cat "$R$U/filebroker.service"
expect "units are 0644" "^644 644$" \
	sh -c "echo \$(stat -c %a '$R$U/filebroker.service' '$R$U/filebroker.socket')"
expect "the installed binary runs" "^filebroker 0\.1\.0$" "$R/usr/bin/filebroker" --version
exists "preload library" /usr/lib/filebroker/filebroker-preload.so -f
if have_run_worker; then
	expect "the installed binary finds its preload library" \
		"^preload: *$R/usr/lib/filebroker/filebroker-preload.so$" \
		"$R/usr/bin/filebroker" run --print-sandbox -- true
else
	echo "SKIP the installed binary's preload library: no user nobody for filebroker run"
fi
# LD_PRELOAD cannot carry a path with a space: the library beside such a
# copy of the binary is not used.  The binary's last resort is the LIBDIR
# it was built for (/usr/local/lib/filebroker by default, where a copy may
# be installed): this one is built for a LIBDIR that cannot exist.
R3="$T/with space"
mkdir -p "$R3"
if ! have_run_worker; then
	echo "SKIP preload path with a space: no user nobody for filebroker run"
elif mk B="$T/b" PREFIX="$T/no-such-prefix" "$T/b/filebroker" >"$T/out" 2>&1; then
	cp "$T/b/filebroker" "$B/filebroker-preload.so" "$R3/"
	expect "a preload library whose path has a space is not used" "^preload: *none" \
		"$R3/filebroker" run --print-sandbox -- true
else
	fail "building a filebroker for PREFIX=$T/no-such-prefix"
	sed 's/^/      /' "$T/out" | tail -n 20
fi
rm -rf "$R3" "$T/b"
expect "pkg-config file names PREFIX" "^prefix=/usr$" grep '^prefix=' "$R/usr/lib/pkgconfig/filebroker.pc"

# Overridden as a packager would, with another PREFIX.
R2=$T/root2
mk install DESTDIR="$R2" PREFIX=/opt/fb SYSTEMDUNITDIR=/etc/systemd/system \
	LOGROTATEDIR=/etc/logrotate.d >"$T/out" 2>&1 || { fail "make install (overrides)"; cat "$T/out"; }
expect "SYSTEMDUNITDIR honoured, ExecStart in BINDIR" "^ExecStart=/opt/fb/bin/filebroker serve " \
	grep '^ExecStart=' "$R2/etc/systemd/system/filebroker.service"
[ -f "$R2/etc/logrotate.d/filebroker" ] && pass "LOGROTATEDIR honoured" ||
	fail "LOGROTATEDIR: no $R2/etc/logrotate.d/filebroker"
[ -x "$R2/opt/fb/bin/filebroker" ] && pass "PREFIX honoured" || fail "PREFIX: no /opt/fb/bin/filebroker"

finish
