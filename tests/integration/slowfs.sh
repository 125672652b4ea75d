#!/bin/sh
# A slow or hung file system must not stall `filebroker serve`.  slowfs
# (tests/helpers/slowfs.c) is a FUSE file system whose lookups of "slow"
# and "dir/slow2" wait until a gate file appears.  With serving threads (the
# default, 4), a peer whose request waits on it holds up one thread: other
# peers, transparent-mode peers and `filebroker status` are served
# meanwhile, and the waiting peers get their files once the file system
# answers.  --threads 1 shows what the threads are for (everything waits).
# SIGTERM while a request is stuck: the daemon waits 10 s for it, then says
# so, removes its sockets and exits 1.
#
# Each slowfs mount's gate opens once for good, so each part has its own.
. tests/integration/lib.sh

[ "$(id -u)" = 0 ] || skip_all "slowfs.sh needs root (FUSE mounts, workers as other users)"
[ -c /dev/fuse ] || skip_all "slowfs.sh needs /dev/fuse (FUSE)"
command -v setpriv >/dev/null || skip_all "slowfs.sh needs setpriv (util-linux)"
# Its peers: a uid that no account holds (free_ids).
U=$(free_ids 1)
[ -n "$U" ] || skip_all "slowfs.sh: no free id from 59000 up for its peers"

D=$T/data
mkdir -p "$D" "$T/run" "$T/m1" "$T/m2" "$T/m3" "$T/m4"
echo "fast-data" >"$D/a.txt"
S=$T/run/fb.sock
P=$T/serve.policy
LOG=$T/serve.log
A=$T/audit.jsonl
cat >"$P" <<EOF
profile any
allow stat $T
allow read,list $T/m1/**
allow read,list $T/m2/**
allow read,list $T/m3/**
allow read,list $T/m4/**
allow read $D/**
EOF
chmod -R go+rX "$T"

DPID= SF1= SF2= SF3= SF4=
cleanup() {
	[ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null
	for p in $SF1 $SF2 $SF3 $SF4; do kill -TERM "$p" 2>/dev/null; done
	for p in $SF1 $SF2 $SF3 $SF4; do wait "$p" 2>/dev/null; done
	for m in "$T/m1" "$T/m2" "$T/m3" "$T/m4"; do
		grep -q " $m fuse" /proc/mounts && umount -l "$m"
	done
	rm -rf "$T"
}
trap cleanup EXIT

# as UID -- CMD...: run CMD as UID (gid the same), no groups, connected to
# the daemon.
# within SECS UID -- CMD...: the same, killed after SECS (exit 124).
as() { within 0 "$@"; }
within() {
	secs=$1 u=$2
	shift 3
	timeout "$secs" env -u FILEBROKER_FD FILEBROKER_SOCKET="$S" \
		setpriv --reuid="$u" --regid="$u" --clear-groups -- "$@"
}

# wait_for CMD...: until CMD succeeds (30 s at most).
wait_for() {
	i=0
	while ! "$@" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 600 ] && return 1
		sleep 0.05
	done
}

# waiting N GATE: slowfs holds N lookups behind GATE.
waiting() { [ "$(cat "$2.waiting" 2>/dev/null)" = "$1" ]; }

# mount_slow MOUNTPOINT GATE: start slowfs there; its pid in $SF.
mount_slow() {
	"$T/bin/slowfs" "$1" "$2" >"$1.out" 2>&1 &
	SF=$!
	if ! wait_for grep -q "mounted on" "$1.out" || ! wait_for cat "$1/fast" >/dev/null; then
		cat "$1.out"
		skip_all "slowfs did not mount on $1"
	fi
}

start() {
	: >"$LOG"
	"$FB" serve -v --policy "$P" --socket "$S" --socket-mode 0666 "$@" 2>>"$LOG" &
	DPID=$!
	wait_for grep -Eq "serving .* on $S" "$LOG" || { fail "daemon did not start"; cat "$LOG"; finish; }
}

mount_slow "$T/m1" "$T/gate1"
SF1=$SF
mount_slow "$T/m2" "$T/gate2"
SF2=$SF
mount_slow "$T/m3" "$T/gate3"
SF3=$SF
mount_slow "$T/m4" "$T/gate4"
SF4=$SF

# ---- threads (the default): one stuck peer holds up nobody else ----------
start --audit "$A"
expect "threads: logged" "4 serving threads" cat "$LOG"
expect "a file on the FUSE file system is served" "read $T/m1/fast: ok fast" \
	as "$U" -- "$T/bin/fbtool" read "$T/m1/fast"
as "$U" -- "$T/bin/fbtool" read "$T/m1/slow" >"$T/slow1" 2>&1 &
W1=$!
wait_for waiting 1 "$T/gate1" || fail "the first slow lookup never reached slowfs"
expect "another peer is served while one waits on the file system" \
	"read $D/a.txt: ok fast-data" within 5 "$U" -- "$T/bin/fbtool" read "$D/a.txt"
expect "status answers meanwhile, the waiting peer connected" "^peers: +1 connected" \
	timeout 5 "$FB" status --socket "$S"
# A transparent-mode peer stuck too (its notification waits in a thread), on
# another mount: the kernel holds a lookup in the same FUSE folder behind
# the first (the folder's lock), before it reaches the file system.
W2=
if have_sandbox; then
	as "$U" -- "$T/bin/fbsandboxed" open "$T/m2/dir/slow2" >"$T/slow2" 2>&1 &
	W2=$!
	wait_for waiting 1 "$T/gate2" || fail "the transparent slow lookup never reached slowfs"
	expect "with two peers stuck, a third is served" "read $D/a.txt: ok fast-data" \
		within 5 "$U" -- "$T/bin/fbtool" read "$D/a.txt"
	expect "... and a transparent-mode peer too" "^open $D/a.txt: ok fast-data$" \
		within 5 "$U" -- "$T/bin/fbsandboxed" open "$D/a.txt"
else
	echo "SKIP transparent-mode peers: the kernel lacks what the worker sandbox needs: $sandbox_why"
fi
expect "... and many at once" "threads $D/a.txt: ok" \
	within 20 "$U" -- "$T/bin/fbtool" threads 4 50 "$D/a.txt"
[ -z "$(cat "$T/slow1")" ] && pass "the stuck peer is still waiting" ||
	fail "the stuck peer was answered early: $(cat "$T/slow1")"
touch "$T/gate1" "$T/gate2"
wait $W1
expect "once the file system answers, the waiting peer gets its file" \
	"read $T/m1/slow: ok slow" cat "$T/slow1"
nrec=1
if [ -n "$W2" ]; then
	wait $W2
	expect "... and so does the transparent one" "^open $T/m2/dir/slow2: ok slow2$" cat "$T/slow2"
	nrec=2
fi
expect "their records are in the audit trail" "^$nrec$" sh -c \
	"grep -c '\"canon\":\"$T/m[12]/\(slow\|dir/slow2\)\".*\"decision\":\"allow\"' '$A'"
kill -TERM $DPID
wait $DPID
st=$?
[ $st -eq 0 ] && pass "threads: SIGTERM exits 0" || fail "threads: exit $st"

# ---- --audit-sync with threads: each reply after its record is synced ---
start --audit "$T/sync.jsonl" --audit-sync
expect "--audit-sync with threads: every request served" "threads $D/a.txt: ok" \
	within 20 "$U" -- "$T/bin/fbtool" threads 4 50 "$D/a.txt"
expect "--audit-sync with threads: every record written" "^200$" sh -c \
	"grep -c '\"canon\":\"$D/a.txt\".*\"decision\":\"allow\"' '$T/sync.jsonl'"
kill -TERM $DPID
wait $DPID

# ---- --threads 1: the contrast --------------------------------------------
start --threads 1
expect "threads 1: logged" "1 serving thread$" cat "$LOG"
as "$U" -- "$T/bin/fbtool" read "$T/m3/slow" >"$T/slow3" 2>&1 &
W3=$!
wait_for waiting 1 "$T/gate3" || fail "threads 1: the slow lookup never reached slowfs"
status "threads 1: every other peer waits too" 124 \
	within 2 "$U" -- "$T/bin/fbtool" read "$D/a.txt"
touch "$T/gate3"
wait $W3
expect "threads 1: served once the file system answers" "read $T/m3/slow: ok slow" \
	cat "$T/slow3"
kill -TERM $DPID
wait $DPID
st=$?
[ $st -eq 0 ] && pass "threads 1: SIGTERM exits 0" || fail "threads 1: exit $st"

# ---- SIGTERM while a request is stuck --------------------------------------
start
as "$U" -- "$T/bin/fbtool" read "$T/m4/slow" >"$T/slow4" 2>&1 &
W4=$!
wait_for waiting 1 "$T/gate4" || fail "stop: the slow lookup never reached slowfs"
kill -TERM $DPID
t0=$(date +%s)
wait $DPID
st=$?
t1=$(date +%s)
DPID=
[ $st -eq 1 ] && pass "stop: exits 1 with a request stuck" || fail "stop: exit $st, wanted 1"
[ $((t1 - t0)) -ge 9 ] && [ $((t1 - t0)) -le 20 ] &&
	pass "stop: after waiting about 10 s ($((t1 - t0)) s)" ||
	fail "stop: exited after $((t1 - t0)) s"
expect "stop: says why" \
	"stopping: 1 serving thread still waits for a file system after 10 s; exiting without their replies" \
	cat "$LOG"
[ ! -e "$S" ] && [ ! -e "$S.control" ] && pass "stop: its sockets are removed" ||
	fail "stop: sockets left behind"
touch "$T/gate4"
wait $W4
refute "stop: the stuck peer got no file" "ok slow" cat "$T/slow4"

finish
