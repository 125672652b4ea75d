#!/bin/sh
# Explicit mode runs dynamically linked programs (broker/run/elf_probe.c): the
# loader's read-only opens reach the kernel, where Landlock lets them read
# only what the policy allows in the folders the loader searches
# (exec_grants_add_reads()); everything else stays EACCES.  A worker built
# against libfilebroker.so reads a policy-allowed file with fb_open(); it
# cannot open a file directly, not even one the policy allows; a deny rule
# inside a library folder still wins; a read-only open with any other flag,
# or a write, is refused; a static program gets no loader grants at all;
# the loader's reads leave no record.  A program that cannot start says
# why: "include @runtime", the rule, the rule to add.
. tests/integration/lib.sh

need_run "explicit_dynamic"
command -v cc >/dev/null 2>&1 || skip_all "explicit_dynamic: needs a C compiler"
command -v ldd >/dev/null 2>&1 || skip_all "explicit_dynamic: needs ldd"

D=$T/d
L=$T/lib
mkdir -p "$D" "$L"
echo "allowed text" >"$D/in.txt"
echo "not for the worker" >"$D/other.txt"

# libfilebroker.so as built here; a sanitizer build's cannot load in a
# worker (its runtime reads /proc/self/maps), so that one is built again
# from client/ without.
if readelf -d "$B/libfilebroker.so" 2>/dev/null | grep -q 'libasan\|libubsan'; then
	cc -D_GNU_SOURCE -Iclient -Icommon -O2 -fPIC -shared -Wl,-soname,libfilebroker.so.0 \
		-Wl,--version-script=client/libfilebroker.map -o "$L/libfilebroker.so.0" \
		client/*.c -lseccomp -lcap -lpthread || { fail "building libfilebroker.so"; finish; }
else
	cp "$(readlink -f "$B/libfilebroker.so")" "$L/libfilebroker.so.0"
fi
ln -s libfilebroker.so.0 "$L/libfilebroker.so"
cat >"$T/mycat.c" <<'EOF'
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "filebroker.h"

int
main(int argc, char **argv)
{
	char buf[4096];
	ssize_t n;
	int fd;

	if (argc != 2)
		return 2;
	if ((fd = fb_open(argv[1], O_RDONLY | O_CLOEXEC)) == -1) {
		perror(argv[1]);
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(1, buf, (size_t)n) != n)
			return 1;
	return 0;
}
EOF
# With a RUNPATH to $L, as a program built against an uninstalled copy; and
# without, for LD_LIBRARY_PATH.
cc -Iclient -o "$T/mycat" "$T/mycat.c" -L"$L" -lfilebroker -Wl,-rpath,"$L" &&
	cc -Iclient -o "$T/mycat-norpath" "$T/mycat.c" -L"$L" -lfilebroker ||
	{ fail "building the dynamic worker"; finish; }
chmod -R go+rX "$T"

# The system's libraries, where this machine has them.
LIBC=$(ldd "$T/bin/fbtool" | awk '$1 == "libc.so.6" { print $3 }')
LIBC=$(readlink -f "$LIBC")
LIBDIR=$(dirname "$LIBC")
LIBZ=$(readlink -f "$LIBDIR/libz.so.1" 2>/dev/null)

P=$T/p.policy
cat >"$P" <<EOF
include @runtime
allow read $L/libfilebroker.so*
allow read $D/in.txt
EOF

expect "a dynamic worker (libfilebroker.so, RUNPATH) runs in explicit mode and fb_open()s an allowed file" \
	"^allowed text$" "$FB" run --explicit --policy "$P" -- "$T/mycat" "$D/in.txt"
refute "... and its loader says nothing" "error while loading|Permission denied" \
	"$FB" run --explicit --policy "$P" -- "$T/mycat" "$D/in.txt"
status "... and a denied file is still denied through the broker" 1 \
	"$FB" run --explicit --policy "$P" -- "$T/mycat" "$D/other.txt"
expect "... saying EACCES" "Permission denied" cat "$T/.status-out"
expect "the same found through LD_LIBRARY_PATH" "^allowed text$" \
	env LD_LIBRARY_PATH="$L" "$FB" run --explicit --policy "$P" -- "$T/mycat-norpath" "$D/in.txt"

# fbtool is dynamic too (libc, libseccomp, libcap): its direct opens.
raw() {
	"$FB" run --explicit --policy "$1" -- "$T/bin/fbtool" "$2" "$3" ${4:+"$4"} 2>&1 |
		sed -n "s|^$2 $3: ||p"
}
expect "a direct open of a file the policy allows read of: EACCES (only fb_open reaches it)" \
	"^EACCES$" raw "$P" rawopen "$D/in.txt"
expect "a direct open of a file the policy does not allow: EACCES" "^EACCES$" \
	raw "$P" rawopen "$D/other.txt"
expect "a direct read-only open of a library the loader may read: ok" "^ok$" \
	raw "$P" rawopenflags "$LIBC" 0
for f in "1 O_WRONLY" "2 O_RDWR" "64 O_CREAT" "512 O_TRUNC" "1024 O_APPEND" \
	"2097152 O_PATH" "262144 O_NOATIME" "4259840 O_TMPFILE"; do
	expect "a direct open of that library with ${f#* }: EACCES" "^EACCES$" \
		raw "$P" rawopenflags "$LIBC" "${f% *}"
done
expect "openat2 of it, whose flags the filter cannot see: EACCES" "^EACCES$" \
	raw "$P" rawopenat2 "$LIBC"
expect "a library folder opened for reading (no READ_DIR): EACCES" "^EACCES$" \
	raw "$P" rawopenflags "$LIBDIR" 65536
expect "stat of a library stays EACCES" "^EACCES$" raw "$P" rawstat "$LIBC"
expect "a static worker gets no loader grants: the library is EACCES" "^EACCES$" \
	sh -c '"$1" run --explicit --policy "$2" -- "$3" rawopen "$4" 2>&1 | sed -n "s|^rawopen $4: ||p"' \
	sh "$FB" "$P" "$T/bin/fbtool-static" "$LIBC"

# A deny rule inside a library folder wins: the folder is granted file by
# file, the denied ones left out.
if [ -n "$LIBZ" ]; then
	PD=$T/deny.policy
	printf 'include @runtime\nallow read %s/in.txt\ndeny read %s/libz*\n' "$D" "$LIBDIR" >"$PD"
	expect "deny read $LIBDIR/libz* with @runtime: a direct open of libz is EACCES" "^EACCES$" \
		raw "$PD" rawopenflags "$LIBZ" 0
	expect "... while libc beside it opens" "^ok$" raw "$PD" rawopenflags "$LIBC" 0
else
	echo "SKIP explicit_dynamic: no libz.so.1 beside $LIBC for the deny rule"
fi
LIBCAP=$(readlink -f "$(ldd "$T/bin/fbtool" | awk '$1 == "libcap.so.2" { print $3 }')")
PC=$T/denycap.policy
printf 'include @runtime\ndeny read %s/libcap*\n' "$LIBDIR" >"$PC"
status "a library the program needs, denied: it cannot start (127)" 127 \
	"$FB" run --explicit --policy "$PC" -- "$T/bin/fbtool" sleep 0
expect "... and the broker names the rule once the loader failed" \
	"needs libcap.so.2, which its loader finds at $LIBCAP, and rule $PC:2 denies read of it" \
	cat "$T/.status-out"
if awk '/error while loading/ { e = NR } /denies read of it/ { d = NR }
	END { exit !(e && d && e < d) }' "$T/.status-out"; then
	pass "... and says nothing of it before the start, where the run may still work"
else
	fail "... the broker's line came before the loader's message:"
	sed 's/^/      /' "$T/.status-out"
fi

# Without @runtime: one line saying so, for the loader's exec (execdiag)
# and then, with only that allowed, for its reads.
PN=$T/none.policy
printf 'allow read %s/in.txt\n' "$D" >"$PN"
status "without @runtime the loader cannot run (126)" 126 \
	"$FB" run --explicit --policy "$PN" -- "$T/mycat" "$D/in.txt"
expect "... and the broker says: include @runtime" \
	"needs exec of .*ld-linux-x86-64.so.2 \\(the loader\\): add 'include @runtime'" \
	cat "$T/.status-out"
PE=$T/execonly.policy
printf 'allow read %s/in.txt\nallow read %s/libfilebroker.so*\nallow exec %s\n' "$D" "$L" \
	"$(readlink -f /lib64/ld-linux-x86-64.so.2)" >"$PE"
status "with the loader's exec alone, it cannot read libc (127)" 127 \
	"$FB" run --explicit --policy "$PE" -- "$T/mycat" "$D/in.txt"
expect "... and the broker says: include @runtime" \
	"is dynamically linked, and the policy does not let its loader read the system's libraries \\(/etc/ld.so.cache, libc.so.6.*\\): include @runtime in the policy" \
	cat "$T/.status-out"
PL=$T/nolib.policy
printf 'include @runtime\nallow read %s/in.txt\n' "$D" >"$PL"
status "without a rule for libfilebroker.so: 127" 127 \
	"$FB" run --explicit --policy "$PL" -- "$T/mycat" "$D/in.txt"
expect "... and the broker says which rule to add" \
	"needs libfilebroker.so.0, which its loader finds at $L/libfilebroker.so.0, and no rule allows read of it: add 'allow read $L/libfilebroker.so\\*'" \
	cat "$T/.status-out"

# A script: its interpreter is the program the loader starts.
SH=$(readlink -f /bin/sh)
printf '#!/bin/sh\necho from a script\n' >"$T/script.sh"
chmod 755 "$T/script.sh"
status "a script whose interpreter the policy does not let run: 126" 126 \
	"$FB" run --explicit --policy "$P" -- "$T/script.sh"
expect "... and the broker says which rule to add (execdiag)" \
	"exec of $SH \\(its #! interpreter\\)" cat "$T/.status-out"
PS=$T/script.policy
printf 'include @runtime\nallow exec %s\n' "$SH" >"$PS"
expect "with that rule the script runs, its interpreter loaded under the loader's grants" \
	"^from a script$" "$FB" run --explicit --policy "$PS" -- "$T/script.sh"

# The audit trail stays unreadable in a folder the loader may read: the
# default policy reads the current folder's tree, LD_LIBRARY_PATH names it.
# The broker runs as a user other than root, as the worker then does, so
# that the trail is the worker's own file (DAC would refuse nobody root's).
C=$T/cwd
mkdir -p "$C"
echo "beside the trail" >"$C/beside.txt"
chmod -R go+rX "$C"
as_user=
if [ "$(id -u)" -eq 0 ]; then
	chown -R 65534:65534 "$C"
	as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi
# shellcheck disable=SC2086 # $as_user is a command and its options
(cd "$C" && $as_user env LD_LIBRARY_PATH="$C" "$FB" run --explicit --audit "$C/audit.jsonl" -- \
	"$T/bin/fbtool" rawopen "$C/beside.txt" :: rawopen "$C/audit.jsonl") >"$T/trail.out" 2>&1
expect "a file in a library folder the policy allows (LD_LIBRARY_PATH): read directly" \
	"^rawopen $C/beside.txt: ok beside the trail" cat "$T/trail.out"
expect "... but the audit file beside it: EACCES" "^rawopen $C/audit.jsonl: EACCES" \
	cat "$T/trail.out"
PX=$T/exec.policy
printf 'include @runtime\nallow exec %s/**\n' "$C" >"$PX"
rm -f "$C/audit.jsonl"
# shellcheck disable=SC2086
status "an exec grant over the audit file: the loader's reads stay refused (127)" 127 \
	sh -c 'cd "$1" && shift && exec "$@"' sh "$C" $as_user "$FB" run --explicit \
	--policy "$PX" --audit "$C/audit.jsonl" -- "$T/bin/fbtool" sleep 0
expect "... saying why" "the exec grant of $C reaches an audit file" cat "$T/.status-out"

# Neither brokered nor recorded: the session's records name no library.
"$FB" run --explicit --policy "$P" --audit "$T/audit.jsonl" -- "$T/mycat" "$D/in.txt" >/dev/null 2>&1
if grep -q "\"$D/in.txt\"" "$T/audit.jsonl" && ! grep -q "$LIBC\|libfilebroker" "$T/audit.jsonl"; then
	pass "the fb_open is recorded, the loader's reads are not"
else
	fail "the audit records of a dynamic explicit worker:"
	sed 's/^/      /' "$T/audit.jsonl" | head -n 20
fi

expect "--print-sandbox lists the loader's grants" \
	"^landlock read: $L/libfilebroker.so.0: read_file \\(file\\)" \
	"$FB" run --explicit --print-sandbox --policy "$P" -- "$T/mycat" "$D/in.txt"
expect "... and what the filter lets through" "^seccomp load: open openat for reading" \
	"$FB" run --explicit --print-sandbox --policy "$P" -- "$T/mycat" "$D/in.txt"
refute "... and a static program has none" "^(loader|landlock read):" \
	"$FB" run --explicit --print-sandbox --policy "$P" -- "$T/bin/fbtool-static" sleep 0

finish
