#!/bin/sh
# The broker's request handling against a hostile worker, in every mode it
# has: `filebroker run` transparent (plain system calls) and explicit
# (libfilebroker), and `filebroker serve` with a peer of each kind
# (tests/helpers/fbcalls.c).  Each part is an attack that works without
# the broker's rule and must fail with it.
. tests/integration/lib.sh

if ! "$T/bin/escape" --probe >/dev/null 2>&1; then
	skip_all "requests: the kernel lacks seccomp user notification or Landlock"
fi
[ "$(id -u)" = 0 ] || skip_all "requests: needs root (a daemon for workers of another uid)"
command -v setpriv >/dev/null || skip_all "requests: needs setpriv (util-linux)"

W=$T/w
O=$W/out
mkdir -p "$O" "$T/run"
P=$T/p.policy
S=$T/run/fb.sock
LOG=$T/serve.log
# The worker's uid in the daemon: a number, no account needed.
PEER=4242

# policy RULES...: the policy for run and the daemon (common rules, one
# profile for everyone).
policy() {
	{
		echo "include @runtime"
		echo "allow stat $T"
		echo "allow read,exec $T/bin/**"
		for r in "$@"; do echo "$r"; done
		echo "profile any"
	} >"$P"
}

DPID=
start_daemon() {
	: >"$LOG"
	"$FB" serve -v --policy "$P" --socket "$S" --socket-mode 0666 "$@" 2>>"$LOG" &
	DPID=$!
	i=0
	while ! grep -q "serving .* on $S" "$LOG" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 600 ] && { fail "daemon did not start"; cat "$LOG"; finish; }
		sleep 0.05
	done
}
stop_daemon() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	DPID=
}
SF=
trap 'stop_daemon; [ -n "$SF" ] && kill "$SF" 2>/dev/null
	for d in "$T/cim" "$T/vfat" "$T/cf"; do grep -q " $d " /proc/mounts && umount -l "$d"; done
	rm -rf "$T"' EXIT

# The four ways a worker asks: run transparent (system calls), run
# explicit (libfilebroker), daemon transparent, daemon explicit (as uid
# PEER).
# Commands, not functions, so that timeout(1) can run them: $T/rt ...
# (made again by modes when P, S or RUNARGS change).
C=$T/bin/fbcalls
RUNARGS=
modes() {
	printf '#!/bin/sh\nexec "%s" run --policy "%s" %s -- "%s" "$@"\n' "$FB" "$P" "$RUNARGS" "$C" \
		>"$T/rt"
	printf '#!/bin/sh\nexec "%s" run --policy "%s" %s -- "%s" -l "$@"\n' "$FB" "$P" "$RUNARGS" \
		"$C" >"$T/rx"
	printf '#!/bin/sh\nFILEBROKER_SOCKET="%s" exec "%s" -d "$@"\n' "$S" "$C" >"$T/dt"
	printf '#!/bin/sh\nFILEBROKER_SOCKET="%s" exec setpriv --reuid=%s --regid=%s --clear-groups -- "%s" -d -l "$@"\n' \
		"$S" $PEER $PEER "$C" >"$T/dx"
	chmod 755 "$T/rt" "$T/rx" "$T/dt" "$T/dx"
}
modes
rt() { "$T/rt" "$@"; }
rx() { "$T/rx" "$@"; }
dt() { "$T/dt" "$@"; }
dx() { "$T/dx" "$@"; }
MODES="rt rx dt dx"

# ---- rename carries nothing out from under a rule ("@rename") ----------------
policy "allow read,write,create,delete,list $O/**" "deny read $O/**/*.key" \
	"deny read,list $O/private/**"
chmod -R go+rwX "$W"
start_daemon
for m in $MODES; do
	rm -rf "$O"/*
	mkdir -p "$O/private/sub"
	echo "TOPSECRET-$m" >"$O/secret.key"
	echo "TOPSECRET-$m" >"$O/private/sub/s.txt"
	echo "plain" >"$O/a.txt"
	chmod -R go+rwX "$O"
	expect "$m: a file renamed from under deny read: refused" "rename $O/secret.key: EACCES" \
		$m rename "$O/secret.key" "$O/stolen.txt"
	refute "$m: ... and its content stays unread" "TOPSECRET" $m read "$O/stolen.txt"
	expect "$m: a folder renamed from under deny read,list: refused" \
		"rename $O/private: EACCES" $m rename "$O/private" "$O/public"
	refute "$m: ... and what is below it stays unread" "TOPSECRET" \
		$m read "$O/public/sub/s.txt"
	expect "$m: a folder below a denied folder moved out: refused" "rename $O/private/sub: EACCES" \
		$m rename "$O/private/sub" "$O/sub2"
	expect "$m: a rename inside one rule's tree: allowed" "rename $O/a.txt: ok" \
		$m rename "$O/a.txt" "$O/b.txt"
	expect "$m: into a denied name: allowed (nothing more is granted)" \
		"rename $O/b.txt: ok" $m rename "$O/b.txt" "$O/b.key"
	case $m in rt | dt)
		echo "plain" >"$O/x.txt"
		chmod go+rw "$O/x.txt"
		expect "$m: RENAME_EXCHANGE of a denied file with another: refused" \
			"exchange $O/x.txt: EACCES" $m exchange "$O/x.txt" "$O/secret.key"
		expect "$m: RENAME_EXCHANGE the other way: refused" "exchange $O/secret.key: EACCES" \
			$m exchange "$O/secret.key" "$O/x.txt"
		refute "$m: ... and the secret stays unread" "TOPSECRET" $m read "$O/x.txt"
		;;
	esac
done
"$FB" run --policy "$P" --audit "$T/rename.jsonl" -- "$C" rename "$O/secret.key" "$O/s.txt" \
	>/dev/null 2>&1
expect "the refusal is recorded with its rule" \
	"\"op\":\"rename\".*\"decision\":\"deny\",\"rule\":\"@rename\"" cat "$T/rename.jsonl"
"$FB" run --policy "$P" --complain --audit "$T/rename-c.jsonl" -- "$C" rename "$O/secret.key" \
	"$O/s.txt" >"$T/c.out" 2>&1
expect "complain mode does not lift @rename" "rename $O/secret.key: EACCES" cat "$T/c.out"
stop_daemon

# ---- a hidden path's errno says nothing about it -------------------------------
# Every call of fbcalls' table on a hidden link, folder, file, missing name
# and dangling link, and on the same reached through links in the worker's
# own tree: the worker gets one errno per call whatever is there.
H=$T/hidden
rm -rf "$O"/* "$H"
mkdir -p "$H/dir" "$O/via"
echo "x" >"$H/file"
ln -s file "$H/link"
ln -s /nonexistent "$H/dangling"
for x in link dir file missing dangling; do ln -s "$H/$x" "$O/via/$x"; done
chmod -R go+rwX "$O"
policy "allow read,write,create,delete,list $O/**"
start_daemon
for m in $MODES; do
	expect "$m: hidden link, folder, file, missing, dangling: one errno per call" \
		"^same: [0-9]+ calls, 0 differ" $m same "$O" "$H/link" "$H/dir" "$H/file" "$H/missing" \
		"$H/dangling"
	expect "$m: the same through links out of the worker's tree" "^same: [0-9]+ calls, 0 differ" \
		$m same "$O" "$O/via/link/x" "$O/via/dir/x" "$O/via/file/x" "$O/via/missing/x" \
		"$O/via/dangling/x"
done
stop_daemon

# ---- case-insensitive file systems -----------------------------------------------
# On a file system that folds case, "SECRET.TXT" names "secret.txt": the
# broker decides on the name the file system holds, with deny rules in any
# case.  tests/helpers/slowfs.c -i is a FUSE file system whose lookups fold
# case (and U+017F, U+212A as Unicode folding does); vfat on a loop device
# and tmpfs -o casefold are used where the machine has them.
# fold_attacks ROOT: the attacks on a tree holding ROOT/ci/secret.txt,
# ROOT/ci/public.txt and ROOT/ci/sub/deep.key, under a policy allowing
# ROOT/** but secret.txt and *.key, and public.txt by a rule that spells it
# in upper case.
fold_attacks() {
	R=$1 what=$2
	for m in $MODES; do
		out=$("$T/$m" read "$R/ci/SECRET.TXT" :: read "$R/ci/Secret.txt" :: \
			read "$R/CI/secret.txt" :: read "$R/ci/SUB/deep.KEY" :: \
			read "$R/ci/sub/DEEP.key" :: read "$R/ci/public.txt" :: read "$R/ci/Public.Txt" 2>&1)
		n=$(printf '%s\n' "$out" | grep -c ": EACCES$")
		if [ "$n" -eq 7 ] && ! printf '%s\n' "$out" | grep -q TOPSECRET; then
			pass "$m: $what: other spellings of denied names: EACCES (7 of 7)"
		else
			fail "$m: $what: a denied name read through another spelling:"
			printf '%s\n' "$out" | grep -v "^filebroker" | sed 's/^/      /' | head
		fi
	done
}
fold_policy() {
	policy "allow read,list $1/**" "deny read $1/ci/secret.txt" "deny read $1/**/*.key" \
		"deny read $1/CI/PUBLIC.TXT"
}
SF=
if [ -c /dev/fuse ]; then
	mkdir -p "$T/cim"
	"$T/bin/slowfs" -i "$T/cim" "$T/cim.gate" >"$T/slowfs.out" 2>&1 &
	SF=$!
	i=0
	while ! grep -q mounted "$T/slowfs.out" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
fi
if [ -n "$SF" ] && grep -q mounted "$T/slowfs.out"; then
	M=$T/cim
	fold_policy "$M"
	echo "allow read $M/ci/sub/other" >>"$P"
	start_daemon
	expect "FUSE folds case outside the sandbox" "TOPSECRET-ci" cat "$M/ci/SECRET.TXT"
	fold_attacks "$M" "FUSE"
	longs=$(printf '\305\277')
	for m in $MODES; do
		expect "$m: FUSE: a Unicode spelling (long s) of a denied name: EACCES" \
			"read $M/ci/${longs}ecret.txt: EACCES" "$T/$m" read "$M/ci/${longs}ecret.txt"
		expect "$m: FUSE: an allowed file under any spelling" "read $M/FAST: ok fast" \
			"$T/$m" read "$M/FAST"
	done
	"$FB" run --policy "$P" --audit "$T/fold.jsonl" -- "$C" read "$M/CI/Secret.TXT" >/dev/null 2>&1
	expect "the record names the file as the file system holds it" \
		"\"canon\":\"$M/ci/secret.txt\".*\"decision\":\"deny\"" cat "$T/fold.jsonl"
	# A missing name: looked up without a descriptor of its folder
	# (WALK_EXISTING), still spelled as the folder holds its path.
	"$FB" run --policy "$P" --audit "$T/fold-missing.jsonl" -- "$C" read "$M/CI/nope.txt" \
		>/dev/null 2>&1
	expect "a missing name in a folder that folds: its path as the file system holds it" \
		"\"canon\":\"$M/ci/nope.txt\".*\"errno\":\"ENOENT\"" cat "$T/fold-missing.jsonl"
	stop_daemon
	kill "$SF"
	wait "$SF"
	SF=
else
	echo "SKIP case folding on FUSE: no /dev/fuse, or slowfs could not mount: $(cat "$T/slowfs.out" 2>/dev/null)"
	[ -n "$SF" ] && kill "$SF" 2>/dev/null
fi

# The real thing: vfat on a loop device (mkfs.vfat from dosfstools), and
# tmpfs with -o casefold; both need the kernel to have them.
V=$T/vfat
mkdir -p "$V"
if ! command -v mkfs.vfat >/dev/null; then
	echo "SKIP case folding on vfat: no mkfs.vfat (dosfstools)"
elif ! truncate -s 8M "$T/vfat.img" || ! mkfs.vfat "$T/vfat.img" >/dev/null 2>&1 ||
	! mount -o loop,uid=0,gid=0,umask=022 "$T/vfat.img" "$V" 2>"$T/vfat.err"; then
	echo "SKIP case folding on vfat: cannot mount one here: $(grep -qw vfat /proc/filesystems ||
		echo 'the kernel has no vfat (CONFIG_VFAT_FS); ')$(tr '\n' ' ' <"$T/vfat.err" 2>/dev/null)"
else
	mkdir -p "$V/ci/sub"
	echo "TOPSECRET-vfat" >"$V/ci/secret.txt"
	echo "public" >"$V/ci/public.txt"
	echo "TOPSECRET-key" >"$V/ci/sub/deep.key"
	fold_policy "$V"
	echo "allow create,write $V/new/**" >>"$P"
	echo "deny create $V/new/autorun.inf" >>"$P"
	mkdir -p "$V/new"
	start_daemon
	fold_attacks "$V" "vfat"
	expect "rt: vfat: a new name denied in another case: EACCES" "create $V/new/AUTORUN.INF: EACCES" \
		"$T/rt" create "$V/new/AUTORUN.INF" x
	stop_daemon
	umount "$V"
fi
C2=$T/cf
mkdir -p "$C2"
if ! mount -t tmpfs -o casefold tmpfs "$C2" 2>"$T/cf.err"; then
	echo "SKIP case folding on tmpfs: the kernel does not casefold tmpfs (CONFIG_UNICODE, Linux 6.13): $(tr '\n' ' ' <"$T/cf.err")"
elif ! command -v chattr >/dev/null || ! mkdir "$C2/r" || ! chattr +F "$C2/r" 2>"$T/cf.err"; then
	echo "SKIP case folding on tmpfs: cannot set the casefold flag: $(tr '\n' ' ' <"$T/cf.err")"
	umount "$C2"
else
	mkdir -p "$C2/r/ci/sub"
	echo "TOPSECRET-cf" >"$C2/r/ci/secret.txt"
	echo "public" >"$C2/r/ci/public.txt"
	echo "TOPSECRET-key" >"$C2/r/ci/sub/deep.key"
	chmod -R go+rX "$C2"
	fold_policy "$C2/r"
	start_daemon
	fold_attacks "$C2/r" "tmpfs casefold"
	stop_daemon
	umount "$C2"
fi

# ---- mkdir gives away only the folder it made ------------------------------------
# Two peers of the daemon race: one makes and removes $O/x, the other moves
# root's empty folder over $O/x and back.  mkdir used to make the folder,
# then look it up again by name and give whatever was there to its peer:
# root's folder, and what is in it.
rm -rf "$O"/*
mkdir "$O/rootdir"
echo "root's" >"$O/rootdir/f"
chmod 755 "$O/rootdir"
ino=$(stat -c %i "$O/rootdir")
policy "allow read,write,create,delete,list $O/**"
start_daemon
N=${RACE_ITERATIONS:-4000}
timeout 120 "$T/dx" mkdirs "$N" "$O/x" >"$T/race1.out" 2>&1 &
R1=$!
timeout 120 "$T/dx" renames "$N" "$O/rootdir" "$O/x" >"$T/race2.out" 2>&1 &
R2=$!
timeout 120 "$T/dt" mkdirs "$N" "$O/x" >"$T/race3.out" 2>&1 &
R3=$!
wait $R1 $R2 $R3
owner=$(find "$O" -xdev -inum "$ino" -printf '%u' 2>/dev/null)
made=$(sed -n 's/^mkdirs: \([0-9]*\) made/\1/p' "$T/race1.out" "$T/race3.out" | paste -sd+ | bc)
moved=$(sed -n 's/^renames: \([0-9]*\) moved/\1/p' "$T/race2.out")
if [ "$owner" = root ] && [ "${made:-0}" -gt 0 ] && [ "${moved:-0}" -gt 0 ]; then
	pass "mkdir racing a rename over its name: root's folder stays root's ($made made, $moved moved)"
else
	fail "mkdir racing a rename: root's folder is now owned by '${owner:-?}' ($made made, $moved moved)"
	cat "$T/race1.out" "$T/race2.out" "$T/race3.out" | sed 's/^/      /' | head
fi
stop_daemon

# ---- the broker's own files ("@broker-file") ----------------------------------------
# The policy lets the worker do anything in $O, where the broker keeps its
# audit file, its policy and an include, and the daemon its sockets; and it
# names the broker's executable and preload library for writing.  None of
# them may be written, truncated, removed, renamed, replaced, linked,
# chmod'ed or touched, nor the folders above them moved; the audit file is
# not even readable (other sessions' records).
rm -rf "$O"/*
mkdir -p "$O/logs" "$O/etc" "$O/run" "$T/fb"
# Copies, which a broker that fails here may spoil: the build stays whole.
FB0=$FB
cp "$FB" "$B/filebroker-preload.so" "$T/fb/"
FB=$T/fb/filebroker PRELOAD=$T/fb/filebroker-preload.so
cat >"$O/etc/inc.policy" <<EOF
allow read,write,create,delete,list $O/**
allow write $FB
allow write $PRELOAD
EOF
P0=$P S0=$S
P=$O/etc/p.policy S=$O/run/fb.sock
{
	echo "include @runtime"
	echo "allow stat $T"
	echo "allow read,exec $T/bin/**"
	echo "include inc.policy"
	echo "profile any"
} >"$P"
chmod -R go+rwX "$O"
policy_safe "$W"
start_daemon --audit "$O/logs/d.jsonl"
for m in $MODES; do
	# The daemon's sockets are its own, not run's.
	case $m in
	r*) A=$O/logs/$m.jsonl RUNARGS="--audit $A" socks= ;;
	*) A=$O/logs/d.jsonl RUNARGS= socks="$S $S.control" ;;
	esac
	modes
	"$T/$m" read "$P" >/dev/null 2>&1 # a first record in run's file
	for f in "$A" "$P" "$O/etc/inc.policy" $socks; do
		out=$("$T/$m" write "$f" '{"forged":1}' :: unlink "$f" :: rename "$f" "$O/moved" :: \
			read "$f" 2>&1)
		# Read: the audit file never; the policy as the policy says; a
		# socket, never under a wildcard rule.
		case $f in "$A" | *.sock*) want=EACCES ;; *) want="ok" ;; esac
		if printf '%s\n' "$out" | grep -q "write $f: EACCES" &&
			printf '%s\n' "$out" | grep -q "unlink $f: EACCES" &&
			printf '%s\n' "$out" | grep -q "rename $f: EACCES" &&
			printf '%s\n' "$out" | grep -q "read $f: $want"; then
			pass "$m: ${f##*/}: no write, unlink or rename; read: $want"
		else
			fail "$m: ${f##*/} changed by the worker:"
			printf '%s\n' "$out" | sed 's/^/      /' | head
		fi
	done
	expect "$m: the folder above the audit file stays" "rename $O/logs: EACCES" \
		"$T/$m" rename "$O/logs" "$O/logs2"
	expect "$m: the folder above the policy stays" "rename $O/etc: EACCES" \
		"$T/$m" rename "$O/etc" "$O/e2"
	expect "$m: a new name beside the audit file is fine" "mkdir $O/logs/new-$m: ok" \
		"$T/$m" mkdir "$O/logs/new-$m"
	expect "$m: the executable and the preload library: not for writing" \
		"write $FB: EACCES.*write $PRELOAD: EACCES" \
		sh -c "'$T/$m' write '$FB' x :: write '$PRELOAD' x | tr '\n' ' '"
	case $m in rt | dt)
		for f in "$A" "$P"; do
			out=$("$T/$m" truncate "$f" :: chmod "$f" :: utimes "$f" :: link-from "$f" :: \
				symlink "$f" 2>&1)
			n=$(printf '%s\n' "$out" | grep -c ": E")
			[ "$n" -eq 5 ] && pass "$m: ${f##*/}: truncate, chmod, utimes, link, symlink over: refused" ||
				fail "$m: ${f##*/}: $out"
		done
		;;
	esac
done
stop_daemon
expect "the audit files hold only the broker's records" "^0\$" \
	sh -c "cat '$O'/logs/*.jsonl | grep -c '^{\"forged\"'"
expect "... which name the rule" "\"rule\":\"@broker-file\"" cat "$O/logs/d.jsonl"
P=$P0 S=$S0 FB=$FB0 RUNARGS=
modes

# ---- a lease stalls nobody -------------------------------------------------------
# A process holding a write lease (F_SETLEASE) on a file makes every other
# open of it wait up to /proc/sys/fs/lease-break-time (45 s) unless it is
# O_NONBLOCK.  The broker's open must not wait: EAGAIN at once, and the
# next request served.
if command -v python3 >/dev/null; then
	rm -rf "$O"/*
	echo "leased" >"$O/leased"
	echo "other" >"$O/other"
	chmod go+rw "$O/leased" "$O/other"
	policy "allow read,write,create,delete,list $O/**"
	start_daemon
	python3 - "$O/leased" >"$T/lessor.out" 2>&1 <<'EOF2' &
import fcntl, os, signal, sys, time
# Ignore the kernel's SIGIO asking to let go: hold the lease.
signal.signal(signal.SIGIO, signal.SIG_IGN)
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.fcntl(fd, 1024, fcntl.F_WRLCK)  # F_SETLEASE
print("leased", flush=True)
time.sleep(60)
EOF2
	LP=$!
	i=0
	while ! grep -q leased "$T/lessor.out" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	for m in $MODES; do
		t0=$(date +%s%N)
		out=$(timeout 20 "$T/$m" read "$O/leased" :: read "$O/other" :: write "$O/leased" x 2>&1)
		ms=$((($(date +%s%N) - t0) / 1000000))
		if printf '%s\n' "$out" | grep -q "read $O/leased: EAGAIN" &&
			printf '%s\n' "$out" | grep -q "read $O/other: ok other" &&
			printf '%s\n' "$out" | grep -q "write $O/leased: EAGAIN" && [ $ms -lt 5000 ]; then
			pass "$m: a leased file is EAGAIN at once, the next request served ($ms ms)"
		else
			fail "$m: a leased file stalls the broker ($ms ms):"
			printf '%s\n' "$out" | sed 's/^/      /' | head
		fi
	done
	t0=$(date +%s%N)
	out=$(timeout 20 "$T/rt" truncate "$O/leased" 2>&1)
	ms=$((($(date +%s%N) - t0) / 1000000))
	case $out in *"truncate $O/leased: EAGAIN"*) [ $ms -lt 5000 ] ;; *) false ;; esac &&
		pass "rt: truncate(2) of a leased file is EAGAIN at once ($ms ms)" ||
		fail "rt: truncate(2) of a leased file: $out ($ms ms)"
	kill "$LP" 2>/dev/null
	wait "$LP" 2>/dev/null
	expect "the lease gone, the file opens" "read $O/leased: ok leased" rt read "$O/leased"
	stop_daemon
else
	echo "SKIP leases: needs python3 (the lease holder)"
fi

finish
