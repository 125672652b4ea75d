#!/bin/sh
# filebroker serve against peers that try to deny service to the others
# (issue 17): each attack runs while an honest peer must still be served.
#
#   slots      users hold every peer slot with idle connections, and keep
#              connecting: an honest user is still served, the log stays
#              short
#   idle       idle peers are closed while room is short; a client whose
#              peer was closed connects again
#   violations a peer that breaks the protocol as fast as it can: a few lines
#   fds        peers (and a run worker) that never read their replies: the
#              descriptors in flight, charged to root, stay within a budget,
#              and others get theirs
#   linger     lingering TCP sockets sent to the daemon, whose close waits as
#              long as their sender wants: never with the lock held, and never
#              waiting at all (SO_LINGER off first)
#   listener   one seccomp listener sent by two peers (refused), and one its
#              peer also reads, taking notifications from under the daemon
#
# Users are numbers (setpriv): the machine need not name them.
. tests/integration/lib.sh

[ "$(id -u)" = 0 ] || skip_all "serve_dos.sh needs root (peers of several users)"
command -v setpriv >/dev/null || skip_all "serve_dos.sh needs setpriv (util-linux)"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
[ -n "$PY" ] && "$PY" -c 'import socket; socket.recv_fds' 2>/dev/null ||
	skip_all "serve_dos.sh needs python3 3.9 or later"

D=$T/data
mkdir -p "$D"
echo "honest" >"$D/a.txt"
chmod -R go+rX "$T"
S=$T/fb.sock
P=$T/dos.policy
LOG=$T/serve.log
cat >"$P" <<EOF
profile any
allow read $D/**
EOF

# as UID CMD...: CMD as that user and group, no other groups, connected to
# the daemon by FILEBROKER_SOCKET.
as() {
	u=$1
	shift
	env -u FILEBROKER_FD FILEBROKER_SOCKET="$S" \
		setpriv --reuid="$u" --regid="$u" --clear-groups -- "$@"
}

wait_log() {
	i=0
	while ! grep -Eq -- "$1" "$LOG" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 200 ] && return 1
		sleep 0.05
	done
}

# wait_for FILE PATTERN: until FILE has a line matching PATTERN (30 s at most).
wait_for() {
	i=0
	while ! grep -Eq -- "$2" "$1" 2>/dev/null && [ $i -lt 600 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

start() {
	: >"$LOG"
	"$FB" serve -v --policy "$P" --socket "$S" --socket-mode 0666 "$@" 2>>"$LOG" &
	DPID=$!
	wait_log "serving .* on $S" || { fail "daemon did not start"; cat "$LOG"; finish; }
	STARTED=$(date +%s)
}
# bound: the most lines of one kind the daemon may have written since it
# started: a burst of 30, then 10 a second (and a second for the rounding).
bound() { echo $((30 + 10 * ($(date +%s) - STARTED + 2))); }
# bwait SECONDS PID...: wait for them, at most SECONDS, then kill them.
bwait() {
	n=$(($1 * 20))
	shift
	for p in "$@"; do
		while kill -0 "$p" 2>/dev/null && [ $n -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
}
stop() {
	kill -TERM $DPID
	bwait 15 $DPID
}
BG=
# as_bg UID CMD...: as, in the background; $! is CMD itself (killed at exit).
as_bg() {
	u=$1
	shift
	(exec env -u FILEBROKER_FD FILEBROKER_SOCKET="$S" setpriv --reuid="$u" --regid="$u" \
		--clear-groups -- "$@") &
	BG="$BG $!"
}
trap 'kill -9 $DPID $BG 2>/dev/null; rm -rf "$T"' EXIT

# honest NAME: an honest peer (uid 5100) must be served within 5 s.
honest() {
	expect "$1" "read $D/a.txt: ok honest" timeout 30 env -u FILEBROKER_FD FILEBROKER_SOCKET="$S" \
		setpriv --reuid=5100 --regid=5100 --clear-groups -- "$T/bin/fbtool" read "$D/a.txt"
}
# wait_peers N: until the daemon has N peers (30 s at most).
wait_peers() {
	i=0
	while [ "$(peers)" -lt "$1" ] && [ $i -lt 600 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}
# peers: how many peers the daemon has now.
peers() { "$FB" status --json --socket "$S" | "$PY" -c 'import json, sys; print(len(json.load(sys.stdin)["peers"]))'; }

cat >"$T/bin/flood.py" <<'EOF'
# flood.py N SECONDS: hold N connections to FILEBROKER_SOCKET (each one a
# peer), then for SECONDS keep connecting and closing one more; print
# "held N tried M" and hold the N until killed.
import os, socket, sys, time
path = os.environ["FILEBROKER_SOCKET"]
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    return s
held = [conn() for i in range(int(sys.argv[1]))]
tried = 0
end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    try:
        conn().close()
    except OSError:
        pass
    tried += 1
print("held %d tried %d" % (len(held), tried), flush=True)
time.sleep(3600)
EOF

# flood N SECONDS UID...: each UID holds N peers and keeps connecting for
# SECONDS (flood.py), in the background; the pids are added to FLOOD.
flood() {
	n=$1 secs=$2
	shift 2
	for u in "$@"; do
		as_bg $u "$PY" "$T/bin/flood.py" $n $secs >"$T/flood.$u" 2>&1
		FLOOD="$FLOOD $!"
	done
}

# ---- slots: every peer slot held by idle peers --------------------------------
# --max-peers 64 keeps its last 8 for users holding fewer than 2: 7 users
# take 8 each (56, their --max-peers-per-user) and keep connecting; then
# users take the 8 kept, one or two each.  Then an honest user comes.
start --max-peers 64 --max-peers-per-user 8 --idle-timeout 0
FLOOD=
flood 8 2 5001 5002 5003 5004 5005 5006 5007
wait_peers 56
expect "slots: 7 users take 56 peer slots" "^56$" peers
# uid_peers UID: how many peers the daemon has of UID.
uid_peers() { "$FB" status --json --socket "$S" | "$PY" -c 'import json, sys
print(sum(1 for p in json.load(sys.stdin)["peers"] if p["uid"] == int(sys.argv[1])))' "$1"; }
as_bg 5011 "$PY" "$T/bin/flood.py" 3 0 >"$T/one.5011" 2>&1
FLOOD="$FLOOD $!"
wait_for "$T/one.5011" "^held"
sleep 0.2
expect "slots: the last 8 are kept for users with fewer than 2 (a third is refused)" "^2$" \
	uid_peers 5011
flood 1 0 5012 5013 5014 5015 5016 5017
wait_peers 64
expect "slots: and all 64 are taken" "^64$" peers
honest "slots: an honest user is served while they are"
# 7 + 7 users and this one: a share of 64 / 15 = 4.
expect "slots: its slot was the longest idle peer of a user holding more than its share" \
	"closed to make room for uid 5100: uid 500[1-7] holds 8 of 64 peers, more than its share of 4" \
	cat "$LOG"
# The 7 keep connecting for 2 s: thousands of refusals, a few lines.
for u in 5001 5002 5003 5004 5005 5006 5007; do
	wait_for "$T/flood.$u" "^held"
done
tried=$(cat "$T"/flood.* | awk '{ n += $4 } END { print n }')
sleep 1.1 # the count of the last second is said
lines=$(grep -c "refused peer uid=" "$LOG")
echo "     ($tried connections refused, $lines lines about them)"
[ "$tried" -gt 500 ] && pass "slots: the flood made $tried refused connections" ||
	fail "slots: the flood made only $tried connections"
max=$(bound)
[ "$lines" -le "$max" ] && pass "slots: at most 10 lines a second about them ($lines, bound $max)" ||
	fail "slots: $lines lines for $tried refusals"
expect "slots: the rest counted" "more refused peers not logged \(at most 10 lines a second" \
	cat "$LOG"
bwait 0 $FLOOD
stop

# ---- idle: while room is short, peers idle for --idle-timeout are closed ----
# 8 users hold 8 idle peers each (--max-peers 64: the reserve reached).  A
# client that slept through its idle peer's close connects again when it
# next asks.
start --max-peers 64 --max-peers-per-user 8 --idle-timeout 2
# The sleeper first: its peer is idle the longest.
as_bg 5101 "$T/bin/fbtool" read "$D/a.txt" :: sleep 4000 :: read "$D/a.txt" >"$T/sleeper" 2>&1
SLEEPER=$!
wait_log "peer 1: uid=5101 "
FLOOD=
flood 8 0 5001 5002 5003 5004 5005 5006 5007
wait_log "idle for 2 s \(--idle-timeout\): closed" || fail "idle: no idle peer closed"
expect "idle: idle peers closed while room is short" \
	"peer [0-9]+ \(uid=50[0-9][0-9] pid=[0-9]+\): idle for 2 s \(--idle-timeout\): closed" \
	cat "$LOG"
bwait 20 $SLEEPER
expect "idle: a client whose idle peer was closed connects again" \
	"^read $D/a.txt: ok honest.*read $D/a.txt: ok honest" sh -c "tr '\n' ' ' <'$T/sleeper'"
expect "idle: its first peer was closed, so it connected twice" "^2$" \
	sh -c "grep -c 'peer [0-9]*: uid=5101 ' '$LOG'"
bwait 0 $FLOOD
stop

# ---- violations: as fast as a peer can break the protocol ------------------
cat >"$T/bin/garbage.py" <<'EOF'
# garbage.py SECONDS: connect, send a message that is not a request, close;
# again and again; print how many.
import os, socket, sys, time
n = 0
end = time.monotonic() + float(sys.argv[1])
while time.monotonic() < end:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(os.environ["FILEBROKER_SOCKET"])
    s.send(b"\x07\x00\x01")
    s.recv(16)  # the daemon closes it
    s.close()
    n += 1
print("sent %d" % n, flush=True)
EOF
start --max-peers 64
as 5001 "$PY" "$T/bin/garbage.py" 2 >"$T/garbage" 2>&1
sleep 1.1
sent=$(sed -n 's/^sent //p' "$T/garbage")
lines=$(grep -c "protocol violation:" "$LOG")
echo "     (${sent:-no} violations, $lines lines about them)"
max=$(bound)
[ "${sent:-0}" -gt 200 ] && [ "$lines" -le "$max" ] &&
	pass "violations: at most 10 lines a second ($lines for $sent)" ||
	fail "violations: $lines lines for ${sent:-no} violations"
expect "violations: the rest counted" "more protocol violations not logged" cat "$LOG"
expect "violations: an honest peer is served meanwhile and after" "read $D/a.txt: ok honest" \
	as 5100 "$T/bin/fbtool" read "$D/a.txt"
stop

# ---- fds: peers that never read their replies' descriptors ------------------
# Each hoarder pipelines OPENV requests of 64 entries on 60 channels and
# never reads: without a bound the replies' descriptors, in flight and
# charged to root (up to its RLIMIT_NOFILE, shared by every broker), made
# every SCM_RIGHTS send fail with ETOOMANYREFS, for everyone.
start
HOARD=
for u in 5001 5002 5003 5004; do
	as_bg $u "$T/bin/fbraw" hoardv 60 300 64 "$D/a.txt" 4000 >"$T/hoard.$u" 2>&1
	HOARD="$HOARD $!"
done
for u in 5001 5002 5003 5004; do
	wait_for "$T/hoard.$u" "^hoardv:"
done
cat "$T"/hoard.* | grep "^hoardv:" | sed 's/^/     /'
expect "fds: an honest peer gets its 64 descriptors meanwhile" "openvn $D/a.txt: 64 of 64 opened" \
	as 5100 "$T/bin/fbtool" openvn 64 "$D/a.txt"
expect "fds: and a plain open" "read $D/a.txt: ok honest" as 5100 "$T/bin/fbtool" read "$D/a.txt"
expect "fds: a hoarder is stopped at its budget, logged" \
	"worker [0-9]+: [0-9]+ descriptors it has not taken \(its budget is [0-9]+\): none of its requests is read" \
	cat "$LOG"
bwait 30 $HOARD
expect "fds: served after the hoarders left" "openvn $D/a.txt: 64 of 64 opened" \
	as 5100 "$T/bin/fbtool" openvn 64 "$D/a.txt"
stop

# A peer that breaks the protocol on each connection holding its unread
# descriptors, to have it closed and its descriptors forgotten: the broker
# keeps such a connection, counted, until they are taken.
cat >"$T/bin/doom.py" <<'EOF'
# doom.py N PATH: N times: a channel, an OPENV of 60 entries not read, then
# a malformed message on that channel; print how many channels it got.
import os, select, socket, struct, sys, time
HDR = struct.Struct("=HHI")
path = sys.argv[2].encode()
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(os.environ["FILEBROKER_SOCKET"])
got = 0
for r in range(int(sys.argv[1])):
    s.send(HDR.pack(1, 10, 100 + r))
    if not select.select([s], [], [], 2)[0]:
        break
    m, fds, _, _ = socket.recv_fds(s, 4096, 4)
    c = socket.socket(fileno=fds[0])
    body = struct.pack("=I", 60) + (struct.pack("=H", len(path)) + path + struct.pack("=II", 0, 0)) * 60
    c.send(HDR.pack(1, 11, r) + body)
    time.sleep(0.05)
    c.send(b"\x07\x00\x01")
    time.sleep(0.05)
    got += 1
    globals()["keep%d" % r] = c
print("channels %d" % got, flush=True)
EOF
start
expect "fds: a connection closed for a violation still counts its descriptors" "^channels [12]$" \
	as 5001 "$PY" "$T/bin/doom.py" 20 "$D/a.txt"
stop

# The same for filebroker run: a worker that hoards does not stop another
# run (every broker of root shares root's budget).
cat >"$T/run.policy" <<EOF
include @runtime
allow read $D/**
allow read,exec $T/bin/**
EOF
"$FB" run --policy "$T/run.policy" -- "$T/bin/fbraw" hoardv 60 300 64 "$D/a.txt" 4000 \
	>"$T/rhoard" 2>&1 &
RHOARD=$!
wait_for "$T/rhoard" "^hoardv:"
sed 's/^/     /' "$T/rhoard" | grep hoardv
expect "fds: another run gets its 64 descriptors meanwhile" "openvn $D/a.txt: 64 of 64 opened" \
	"$FB" run --policy "$T/run.policy" -- "$T/bin/fbtool" openvn 64 "$D/a.txt"
bwait 30 $RHOARD

# ---- linger: descriptors whose close waits as long as their sender wants ----
# A TCP socket with SO_LINGER, data it cannot send (its server never
# reads), and no other copy: close(2) waits for the linger time.  Sent with
# a request that may not carry one (a violation), as a "listener" (refused),
# or queued behind a violation on a connection the daemon then closes.
cat >"$T/bin/linger.py" <<'EOF'
# linger.py MODE SECONDS: send the daemon a lingering TCP socket (MODE:
# request, listener or queued), then hold its server for SECONDS.
import os, select, socket, struct, sys, time
HDR = struct.Struct("=HHI")
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)  # never accepted, never read
c = socket.socket()
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 3600))
c.connect(srv.getsockname())
c.setblocking(False)
try:
    while True:
        c.send(b"x" * 65536)
except BlockingIOError:
    pass
boot = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
boot.connect(os.environ["FILEBROKER_SOCKET"])
boot.send(HDR.pack(1, 10, 1))
m, fds, _, _ = socket.recv_fds(boot, 4096, 4)
ch = socket.socket(fileno=fds[0])
path = b"/"
stat = HDR.pack(1, 2, 2) + struct.pack("=H", len(path)) + path
mode = sys.argv[1]
if mode == "request":
    socket.send_fds(ch, [stat], [c.fileno()])
elif mode == "listener":
    socket.send_fds(ch, [HDR.pack(1, 12, 3)], [c.fileno()])
elif mode == "queued":
    ch.send(b"\x07\x00\x01")
    socket.send_fds(ch, [stat], [c.fileno()])
c.close()  # the daemon holds the last copy
print("sent", flush=True)
time.sleep(float(sys.argv[2]))
EOF
for threads in 4 1; do
	start --threads $threads
	LING=
	for mode in request listener queued request; do
		as_bg 5001 "$PY" "$T/bin/linger.py" $mode 20 >"$T/linger.$mode" 2>&1
		LING="$LING $!"
	done
	sleep 1
	honest "linger ($threads threads): an honest peer is served while lingering sockets are closed"
	expect "linger ($threads threads): status answers" "^peers: " timeout 20 "$FB" status --socket "$S"
	bwait 0 $LING
	stop
done

# ---- listener: a peer's seccomp listener in other hands ----------------------
# (tests/helpers/fblistener.c)  The same listener sent by two peers: the
# second is refused.  A listener its peer also reads: the notifications it
# takes leave the daemon's RECV waiting, for as long as that peer likes,
# unless the wait is bounded.  Neither may stop the daemon.
# F_DUPFD_QUERY (Linux 6.10) tells two descriptors of one listener apart;
# before it the daemon cannot, and serves it twice (each RECV bounded).
if "$PY" -c 'import fcntl, os; d = os.open("/", os.O_RDONLY); fcntl.fcntl(d, 1027, d)' 2>/dev/null; then
	SECOND="EBUSY"
else
	SECOND="EBUSY|accepted"
	echo "     (no F_DUPFD_QUERY: a listener sent twice cannot be told apart)"
fi
for threads in 4 1; do
	start --threads $threads
	as_bg 5001 "$T/bin/fblistener" twice "$D/a.txt" 2000 4000 >"$T/twice" 2>&1
	TWICE=$!
	wait_for "$T/twice" "^stats:"
	expect "listener ($threads threads): the worker's listener is served" "^listener: ok$" \
		cat "$T/twice"
	expect "listener ($threads threads): the same listener from a second peer is refused" \
		"^second: ($SECOND)$" cat "$T/twice"
	expect "listener ($threads threads): the first serves" "^open $D/a.txt: ok$" cat "$T/twice"
	honest "listener ($threads threads): an honest peer is served after the worker's calls"
	bwait 20 $TWICE
	stop
done
for threads in 4 1; do
	start --threads $threads
	as_bg 5001 "$T/bin/fblistener" steal 2000 4000 >"$T/steal" 2>&1
	STEAL=$!
	wait_for "$T/steal" "^stats:"
	sleep 0.5
	honest "listener ($threads threads): stolen notifications leave the daemon serving"
	expect "listener ($threads threads): status answers" "^peers: " \
		timeout 20 "$FB" status --socket "$S"
	bwait 20 $STEAL
	expect "listener ($threads threads): the worker's calls were all answered" \
		"^stats: 2000$" cat "$T/steal"
	sed -n 's/^stolen: /     (notifications the helper took: /p' "$T/steal" | sed 's/$/)/'
	stop
done

finish
