#!/bin/sh
# filebroker serve (daemon mode), end to end: a real daemon on a temporary
# socket, workers of different users (setpriv) connecting through
# FILEBROKER_SOCKET, profiles by user and by group, refusals, reload with a
# broken and then a fixed policy, SIGTERM, kill -9 and restart; `filebroker
# status` on the control socket (root only); audit files reopened on SIGHUP
# as logrotate wants; transparent mode, a worker's seccomp listener sent over
# its connection (tests/helpers/fbsandboxed.c).
#
# The workers are two users and a group that no account holds (numbers from
# free_ids: U1 and U2, each with its own uid as gid; group G), so that no
# machine's accounts matter.  A refused peer sees its connection closed:
# ECONNRESET.
. tests/integration/lib.sh

[ "$(id -u)" = 0 ] || skip_all "serve.sh needs root (workers run as other users)"
command -v setpriv >/dev/null || skip_all "serve.sh needs setpriv (util-linux)"
# shellcheck disable=SC2046 # three numbers
set -- $(free_ids 3)
[ $# -eq 3 ] || skip_all "serve.sh: no three free ids from 59000 up for its workers"
U1=$1 U2=$2 G=$3

D=$T/data
mkdir -p "$D/daemon" "$D/staff" "$D/shared"
echo "for-daemon" >"$D/daemon/a.txt"
echo "for-staff" >"$D/staff/b.txt"
echo "shared" >"$D/shared/c.txt"
echo "v2" >"$D/daemon/v2.txt"
chmod -R go+rX "$T"
S=$T/run/fb.sock
mkdir -p "$T/run"
P=$T/serve.policy
LOG=$T/serve.log

write_policy() {
	cat >"$P.new" <<EOF
# common rules: every peer
allow stat $T
allow read $D/shared/**

profile user=$U1
allow read $D/daemon/a.txt

profile group=$G
allow read,list $D/staff/**
EOF
	mv "$P.new" "$P"
}
write_policy

# as UID [GID,...] -- CMD...: run CMD as UID (its gid the same number) with
# only the groups GID,... (or none), connected to the daemon through
# FILEBROKER_SOCKET.
as() {
	u=$1
	shift
	g=--clear-groups
	if [ "$1" != "--" ]; then
		g=--groups=$1
		shift
	fi
	shift
	env -u FILEBROKER_FD FILEBROKER_SOCKET="$S" \
		setpriv --reuid="$u" --regid="$u" "$g" -- "$@"
}
tool() { u=$1; shift; as "$u" "$@"; }
# other CMD...: run CMD as U2, no groups (filebroker status as non-root).
other() { setpriv --reuid="$U2" --regid="$U2" --clear-groups -- "$@"; }
cp "$FB" "$T/bin/filebroker" # where U2 may run it

# wait_lines FILE N: until FILE has N lines (30 s at most).
wait_lines() {
	i=0
	while [ "$(cat "$1" 2>/dev/null | wc -l)" -lt "$2" ]; do
		i=$((i + 1))
		[ $i -gt 600 ] && return 1
		sleep 0.05
	done
}

# wait_log PATTERN: until the daemon's log matches (30 s at most).
wait_log() {
	i=0
	while ! grep -Eq -- "$1" "$LOG" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 600 ] && return 1
		sleep 0.05
	done
}

start() {
	: >"$LOG"
	"$FB" serve -v --policy "$P" --socket "$S" --socket-mode 0666 \
		--max-peers-per-user 4 "$@" 2>>"$LOG" &
	DPID=$!
	wait_log "serving .* on $S" || { fail "daemon did not start"; cat "$LOG"; finish; }
}
trap 'kill -9 $DPID 2>/dev/null; rm -rf "$T"' EXIT

# Refuses to clobber what is not a socket.
echo "precious" >"$T/run/file"
status "a non-socket path is refused" 1 "$FB" serve --policy "$P" --socket "$T/run/file"
expect "and left alone" "^precious$" cat "$T/run/file"
printf 'allow read /x\n' >"$T/noprofile.policy"
expect "a policy without profiles is refused" "no profile lines" \
	"$FB" serve --policy "$T/noprofile.policy" --socket "$T/run/np.sock"
printf 'deny-status 3\nallow read /x\n' >"$T/ds.policy"
expect "a policy's deny-status: the daemon says it has no exit status to set" \
	"ds.policy:1: warning: deny-status 3 sets the exit status of filebroker run; the daemon has none" \
	"$FB" serve --policy "$T/ds.policy" --socket "$T/run/ds.sock"

# The descriptor limit: the daemon wants 65,536.  Given a hard limit of 1024
# and no CAP_SYS_RESOURCE to raise it (root in a container may lack it), it
# takes 1024 and says so, with what that means for --max-peers.
if command -v prlimit >/dev/null; then
	: >"$LOG"
	prlimit --nofile=512:1024 setpriv --inh-caps=-sys_resource --bounding-set=-sys_resource -- \
		"$FB" serve -v --policy "$P" --socket "$T/run/nofile.sock" --control none \
		--max-peers 100 2>>"$LOG" &
	DPID=$!
	if wait_log "serving .* on $T/run/nofile.sock"; then
		expect "RLIMIT_NOFILE: the soft limit raised to the hard one" "^1024 1024$" \
			sh -c "sed -n 's/^Max open files  *\([0-9]*\)  *\([0-9]*\) .*/\1 \2/p' /proc/$DPID/limits"
		expect "RLIMIT_NOFILE: a lower limit than wanted is said, with its consequence" \
			"serve: descriptor limit \(RLIMIT_NOFILE\) 1024, not the 65536 wanted: the hard limit is 1024 and raising it needs CAP_SYS_RESOURCE; room for 16 peers with all 64 connections each, --max-peers is 100 \(past that, new connections are refused: EMFILE\)" \
			cat "$LOG"
	else
		fail "RLIMIT_NOFILE: the daemon did not start"
		sed 's/^/      /' "$LOG" | head -n 20
	fi
	kill -TERM "$DPID"
	wait "$DPID"
	# Enough already (the hard limit at 65,536 or more): nothing to say.
	if [ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge 65536 ]; then
		: >"$LOG"
		prlimit --nofile=512:65536 "$FB" serve -v --policy "$P" --socket "$T/run/nofile.sock" \
			--control none 2>>"$LOG" &
		DPID=$!
		wait_log "serving .* on $T/run/nofile.sock" || fail "RLIMIT_NOFILE: no start at 65536"
		expect "RLIMIT_NOFILE: raised to 65536" "^65536$" \
			sh -c "sed -n 's/^Max open files  *\([0-9]*\) .*/\1/p' /proc/$DPID/limits"
		refute "RLIMIT_NOFILE: nothing said when the limit is enough" "descriptor limit" cat "$LOG"
		kill -TERM "$DPID"
		wait "$DPID"
	else
		echo "SKIP RLIMIT_NOFILE raised to 65536: the hard limit here is $(ulimit -Hn)"
	fi
else
	echo "SKIP RLIMIT_NOFILE: no prlimit (util-linux)"
fi

start
expect "socket mode" "^srw-rw-rw-" ls -l "$S"
expect "control socket: root's alone" "^srw------- 1 root root" ls -l "$S.control"

# Profiles by user and by group; the common rules for everyone who connects.
expect "U1: its profile" "read $D/daemon/a.txt: ok for-daemon" \
	tool "$U1" -- "$T/bin/fbtool" read "$D/daemon/a.txt"
expect "U1: not group G's files" "read $D/staff/b.txt: EACCES" \
	tool "$U1" -- "$T/bin/fbtool" read "$D/staff/b.txt"
expect "U1: common rules" "read $D/shared/c.txt: ok shared" \
	tool "$U1" -- "$T/bin/fbtool" read "$D/shared/c.txt"
expect "U2 in group G: by group" "read $D/staff/b.txt: ok for-staff" \
	tool "$U2" "$G" -- "$T/bin/fbtool" read "$D/staff/b.txt"
expect "U2 in group G: not U1's files" "read $D/daemon/a.txt: EACCES" \
	tool "$U2" "$G" -- "$T/bin/fbtool" read "$D/daemon/a.txt"
expect "the log names the profile" "uid=$U2 gid=$U2 pid=[0-9]+: profile $P:8" cat "$LOG"
# A peer's repeated denial: one line in the daemon's log, then a count
# when the peer goes.
tool "$U1" -- "$T/bin/fbtool" read "$D/staff/b.txt" :: read "$D/staff/b.txt" :: \
	read "$D/staff/b.txt" >/dev/null 2>&1
wait_log "peer [0-9]+ \(uid=$U1 pid=[0-9]+\): 3 requests denied, 1 distinct path; each line" ||
	fail "the peer's repeated denials were not counted: $(tail -n 3 "$LOG")"
# denial_lines: how many denial lines that peer (its pid from the count) got.
denial_lines() {
	pid=$(grep -o "uid=$U1 pid=[0-9]*): 3 requests denied" "$LOG" | tail -n 1 |
		sed 's/.*pid=\([0-9]*\).*/\1/')
	grep -c "denied open of \"$D/staff/b.txt\" (read) for pid $pid:" "$LOG"
}
expect "a peer's repeated denial: one line, then the count" "^1$" denial_lines

# A peer no profile matches is refused at connect, with a logged reason.
expect "U2 without groups: refused" "read $D/shared/c.txt: ECONNRESET" \
	tool "$U2" -- "$T/bin/fbtool" read "$D/shared/c.txt"
expect "refusal logged" "refused peer uid=$U2 gid=$U2 pid=[0-9]+: no profile matches" \
	cat "$LOG"

# Many workers of different users at once; each is waited for (no
# deadline: a slow or loaded machine only takes longer).
cpids=
for i in 1 2 3; do
	tool "$U1" -- "$T/bin/fbtool" threads 4 50 "$D/daemon/a.txt" >"$T/c-d$i" 2>&1 &
	cpids="$cpids $!"
	tool "$U2" "$G" -- "$T/bin/fbtool" threads 4 50 "$D/staff/b.txt" >"$T/c-s$i" 2>&1 &
	cpids="$cpids $!"
done
# shellcheck disable=SC2086 # the pids, one word each
wait $cpids
expect "six concurrent workers, two users" "^6$" sh -c "cat '$T'/c-* | grep -c '^threads .*: ok'"
rm -f "$T"/c-*

# Per-user limit: 4 peers of one user at once, the fifth is refused.
HOLD=
for i in 1 2 3 4; do
	tool "$U1" -- "$T/bin/fbtool" read "$D/daemon/a.txt" :: sleep 2500 >"$T/h$i" 2>&1 &
	HOLD="$HOLD $!"
done
# Each holder prints its read before it sleeps: then it is connected.
for i in 1 2 3 4; do
	wait_lines "$T/h$i" 1 || fail "per-user limit: holder $i did not connect"
done
expect "fifth peer of one user refused" "ECONNRESET" \
	tool "$U1" -- "$T/bin/fbtool" read "$D/daemon/a.txt"
expect "limit logged" "refused peer uid=$U1 .*too many peers of uid $U1 \(the limit is 4\)" cat "$LOG"
expect "another user is not limited by it" "ok for-staff" \
	tool "$U2" "$G" -- "$T/bin/fbtool" read "$D/staff/b.txt"
wait $HOLD

# filebroker status: one peer of U1's connected, after 2 reads, 1 denied.
tool "$U1" -- "$T/bin/fbtool" read "$D/daemon/a.txt" :: read "$D/staff/b.txt" :: \
	sleep 3000 >"$T/st-held" 2>&1 &
STHELD=$!
wait_lines "$T/st-held" 2 || fail "status: the held peer did not run"
"$FB" status --socket "$S" >"$T/st.txt" 2>&1
expect "status: the peer count" "^peers: +1 connected \(at most 256, 4 per user\), [12] connections" \
	cat "$T/st.txt"
expect "status: the peer's line" \
	"^[0-9]+ +$U1 +$U1 +[0-9]+ +[12] +[0-9]+ +1 +0 +0  [0-9T:-]+Z  $P:5$" cat "$T/st.txt"
expect "status: the limits and threads" \
	"^limits: +per peer 64 connections, no request rate, 16 replies in flight; 4 serving threads$" \
	cat "$T/st.txt"
expect "status: the policy and when it was loaded" \
	"^policy: +$P, loaded [0-9T:-]+Z \([0-9]+ rules, 2 profiles\)" cat "$T/st.txt"
"$FB" status --control "$S.control" --json >"$T/st.json" 2>&1
expect "status --json parses, with the peer's counts" "^1 $U1 1 ok$" python3 -c '
import json, sys
st = json.load(open(sys.argv[1]))
p = st["peers"]
print(len(p), p[0]["uid"], p[0]["denied"],
      "ok" if st["totals"]["peers"] == 1 and p[0]["requests"] >= 2 and
      st["policy"]["file"] == sys.argv[2] else "bad")' "$T/st.json" "$P"
# The request count is the daemon's own: what it logs when the peer goes.
set -- $(python3 -c 'import json, sys
p = json.load(open(sys.argv[1]))["peers"][0]
print(p["pid"], p["requests"])' "$T/st.json")
wait $STHELD
wait_log "pid=$1\) gone:" || fail "status: the held peer did not go"
expect "status: the right request count" "\(uid=$U1 pid=$1\) gone: $2 requests, 1 denied" cat "$LOG"
expect "status: totals count the requests of peers that left" \
	"^totals: .* [0-9]+ requests, [1-9][0-9]* denied" "$FB" status --socket "$S"

# Only root: others cannot reach the socket (0600), and when its mode is
# loosened the daemon still refuses them (SO_PEERCRED) and logs it.
status "status as another user fails" 1 other "$T/bin/filebroker" status --socket "$S"
expect "status as another user: permission denied" "permission denied: only root" \
	other "$T/bin/filebroker" status --socket "$S"
chmod 0666 "$S.control"
expect "status as another user, socket loosened: refused by the daemon" \
	"the daemon refused: only root may ask" other "$T/bin/filebroker" status --socket "$S"
expect "status refusal logged" "status: refused uid=$U2 gid=$U2 pid=[0-9]+: only root may ask" \
	cat "$LOG"
expect "status counts the refusal" "1 status requests refused" "$FB" status --socket "$S"
chmod 0600 "$S.control"

# Clients that connect and never read do not stall the daemon.
python3 -c '
import socket, sys, time
held = []
for i in range(20):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(sys.argv[1])
    held.append(s)
print("holding", flush=True)
time.sleep(4)' "$S.control" >"$T/st-lazy" 2>&1 &
LAZY=$!
wait_lines "$T/st-lazy" 1
expect "status clients that never read: workers served" "ok for-daemon" \
	timeout 5 sh -c "env -u FILEBROKER_FD FILEBROKER_SOCKET='$S' setpriv --reuid=$U1 --regid=$U1 \
	--clear-groups -- '$T/bin/fbtool' read '$D/daemon/a.txt'"
expect "status clients that never read: status still answers" "^peers: " \
	timeout 5 "$FB" status --socket "$S"
kill $LAZY 2>/dev/null
wait $LAZY 2>/dev/null

# A flooding client does not stop another one from being served.
tool "$U1" -- "$T/bin/fbtool" threads 8 4000 "$D/daemon/a.txt" >"$T/flood" 2>&1 &
FLOOD=$!
sleep 0.2
expect "served during a flood" "ok for-staff" \
	timeout 10 sh -c "env -u FILEBROKER_FD FILEBROKER_SOCKET='$S' setpriv --reuid=$U2 \
	--regid=$U2 --groups=$G -- '$T/bin/fbtool' read '$D/staff/b.txt'"
wait $FLOOD
expect "the flood itself was served" "^threads .*: ok" cat "$T/flood"

# Reload: a broken policy leaves the old one in force, with FILE:LINE:COL.
tool "$U1" -- "$T/bin/fbtool" read "$D/daemon/a.txt" :: sleep 1500 :: \
	read "$D/daemon/a.txt" >"$T/held" 2>&1 &
HELD=$!
wait_lines "$T/held" 1 || fail "reload: the held peer did not start"
printf 'allow read /x\nprofile user=%s\nallow reed /y\n' "$U1" >"$P.new" && mv "$P.new" "$P"
kill -HUP $DPID
wait_log "reload: .* not loaded" || fail "no reload log"
expect "broken policy: error with its location" "$P:3:7: error: unknown access 'reed'" cat "$LOG"
expect "broken policy: the old one stays" "ok for-daemon" \
	tool "$U1" -- "$T/bin/fbtool" read "$D/daemon/a.txt"
# Then a fixed one: U1 now reads v2.txt and no longer a.txt.
cat >"$P.new" <<EOF
allow stat $T
profile user=$U1
allow read $D/daemon/v2.txt
EOF
mv "$P.new" "$P"
kill -HUP $DPID
wait_log "reload: .* loaded \(" || fail "no reload log"
expect "fixed policy: new decisions for new connections" "read $D/daemon/v2.txt: ok v2" \
	tool "$U1" -- "$T/bin/fbtool" read "$D/daemon/v2.txt"
expect "fixed policy: a.txt now denied" "read $D/daemon/a.txt: EACCES" \
	tool "$U1" -- "$T/bin/fbtool" read "$D/daemon/a.txt"
expect "fixed policy: group G has no profile now" "ECONNRESET" \
	tool "$U2" "$G" -- "$T/bin/fbtool" read "$D/staff/b.txt"
wait $HELD
expect "a connected peer keeps the policy it started with" \
	"^read $D/daemon/a.txt: ok for-daemon.*read $D/daemon/a.txt: ok for-daemon" \
	sh -c "tr '\n' ' ' <'$T/held'"

# SIGTERM: stops, exits 0, removes its socket.
kill -TERM $DPID
wait $DPID
st=$?
[ $st -eq 0 ] && pass "SIGTERM: exit 0" || fail "SIGTERM: exit $st"
[ ! -e "$S" ] && pass "SIGTERM: socket removed" || fail "SIGTERM: socket left behind"
expect "SIGTERM: summary logged" "stopped: [0-9]+ peers served" cat "$LOG"
[ ! -e "$S.control" ] && pass "SIGTERM: control socket removed" ||
	fail "SIGTERM: control socket left behind"
status "status: no daemon, exit 1" 1 "$FB" status --socket "$S"
expect "status: no daemon, said so" "no control socket at $S.control: is .filebroker serve. running" \
	"$FB" status --socket "$S"

# kill -9 leaves a stale socket; a new daemon replaces it and serves.
write_policy
start
kill -9 $DPID
wait $DPID 2>/dev/null
[ -S "$S" ] && pass "kill -9 leaves the socket" || fail "no stale socket after kill -9"
expect "status: a killed daemon, said so" "nothing listens there: the daemon is not running" \
	"$FB" status --socket "$S"
start
expect "restart: stale socket replaced" "removed the stale socket" cat "$LOG"
expect "restart: stale control socket replaced" "removed the stale control socket" cat "$LOG"
expect "restart: a new worker connects" "ok for-daemon" \
	tool "$U1" -- "$T/bin/fbtool" read "$D/daemon/a.txt"
# A second daemon on a live socket is refused and does not disturb it.
status "a live socket is not taken over" 1 "$FB" serve --policy "$P" --socket "$S"
expect "the first daemon still serves" "ok for-daemon" \
	tool "$U1" -- "$T/bin/fbtool" read "$D/daemon/a.txt"
kill -TERM $DPID
wait $DPID

# Audit files are reopened on SIGHUP, as logrotate does it: mv, then SIGHUP.
A=$T/audit.jsonl
start --audit "$A"
tool "$U1" -- "$T/bin/fbtool" read "$D/daemon/a.txt" >/dev/null 2>&1
tool "$U1" -- "$T/bin/fbtool" read "$D/staff/b.txt" >/dev/null 2>&1
mv "$A" "$A.1"
kill -HUP $DPID
wait_log "audit: $A reopened" || fail "audit: no reopen logged"
expect "audit: new record after the rotation" "ok for-daemon" \
	tool "$U1" -- "$T/bin/fbtool" read "$D/daemon/a.txt"
expect "audit: the new file is created 0600" "^-rw------- " ls -l "$A"
# jsonl FILE...: every line of every file a JSON record; prints each file's count.
jsonl() {
	python3 -c '
import json, sys
for f in sys.argv[1:]:
    n = 0
    for line in open(f):
        r = json.loads(line)
        assert r["v"] == 2, line
        n += "event" not in r
    print(n, end=" ")
print()' "$@"
}
expect "audit: 2 earlier records in the renamed file, 1 in the new one" "^2 1 $" jsonl "$A.1" "$A"
expect "audit: the new file has the new record" '"path":"[^"]*daemon/a.txt"' cat "$A"
# A reopen that fails keeps the old file, says so loudly, and loses nothing.
mv "$A" "$A.2"
mkdir "$A"
kill -HUP $DPID
wait_log "audit: $A not reopened; .*: Is a directory" || fail "audit: failed reopen not logged"
expect "audit: failed reopen, still served" "ok for-daemon" \
	tool "$U1" -- "$T/bin/fbtool" read "$D/daemon/a.txt"
expect "audit: failed reopen, the record went to the old file" "^2 2 $" jsonl "$A.1" "$A.2"
rmdir "$A"
# Rotations while a worker floods: every record whole, none lost.
tool "$U1" -- "$T/bin/fbtool" threads 4 1500 "$D/daemon/a.txt" >"$T/rflood" 2>&1 &
RFLOOD=$!
for i in 3 4 5 6 7; do
	sleep 0.1
	[ -e "$A" ] && mv "$A" "$A.$i"
	kill -HUP $DPID
done
wait $RFLOOD
expect "audit: the flood was served" "^threads .*: ok" cat "$T/rflood"
# 2 + 1 + 1 records before, and the flood's 6000.
expect "audit: every file JSON lines, no record lost across the swaps" "^6004$" sh -c \
	"cat '$A'* | python3 -c 'import json, sys; print(sum(1 for l in sys.stdin if \"event\" not in json.loads(l)))'"
# One chain through the rotated files.  Named as logrotate names them (the
# highest number the oldest), in any order on the command line.
mkdir "$T/lr"
cp "$A" "$T/lr/a"
n=1
for i in 7 6 5 4 3 2 1; do
	[ -f "$A.$i" ] || continue
	cp "$A.$i" "$T/lr/a.$n"
	n=$((n + 1))
done
status "audit: the rotated files verify whole, one chain through them" 0 \
	sh -c "'$FB' audit --verify '$T/lr/a' '$T/lr/a.'*"
kill -TERM $DPID
wait $DPID

# Transparent mode over a daemon connection: a worker connects, confines
# itself (fb_sandbox_enter, transparent, the listener sent to the daemon),
# then uses plain open(2) and stat(2), which the daemon decides with the
# worker's profile.
if ! have_sandbox; then
	echo "SKIP transparent mode over a daemon connection: the kernel lacks what the worker sandbox needs: $sandbox_why"
else
TA=$T/transparent.jsonl
start --audit "$TA"
fds0=$(ls /proc/$DPID/fd | wc -l)
sbx() { u=$1; shift; as "$u" "$@"; }
sbx "$U1" -- "$T/bin/fbsandboxed" open "$D/daemon/a.txt" open "$D/staff/b.txt" \
	stat "$D/daemon/a.txt" >"$T/sb1" 2>&1
expect "transparent: the sandbox is entered, the listener taken" "^sandbox: ok" cat "$T/sb1"
expect "transparent: an allowed open(2) works" "^open $D/daemon/a.txt: ok for-daemon$" \
	cat "$T/sb1"
expect "transparent: a denied open(2) is EACCES" "^open $D/staff/b.txt: EACCES$" cat "$T/sb1"
expect "transparent: stat(2) is answered" "^stat $D/daemon/a.txt: ok size 11$" cat "$T/sb1"
expect "transparent: the daemon logs the listener" \
	"worker [0-9]+: transparent mode: serving its seccomp listener" cat "$LOG"
wait_log "uid=$U1 pid=$(sed -n 's/^pid //p' "$T/sb1")\) gone:" ||
	fail "transparent: the worker's session was not released"
expect "transparent: audit records say transparent, with the worker's pid" "^allow deny stat$" \
	python3 -c '
import json, sys
pid = int(sys.argv[2])
want = {sys.argv[3]: None, sys.argv[4]: None}
seen = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    if "event" in r:
        continue
    if r["mode"] == "transparent" and r["pid"] == pid and r["tid"] == pid and r["uid"] == int(sys.argv[5]):
        seen.append(r["decision"] if r["op"] == "open" else r["op"])
print(" ".join(seen))' "$TA" "$(sed -n 's/^pid //p' "$T/sb1")" "$D/daemon/a.txt" "$D/staff/b.txt" "$U1"
# CHANNEL, LISTENER, then the three notifications.
expect "transparent: the notifications count as the peer's requests" \
	"\(uid=$U1 pid=$(sed -n 's/^pid //p' "$T/sb1")\) gone: 5 requests, 1 denied" cat "$LOG"

# One listener per session: the second is refused, the first still serves.
sbx "$U1" -- "$T/bin/fbsandboxed" -t open "$D/daemon/a.txt" >"$T/sb2" 2>&1
expect "transparent: the worker's own fb_send_listener() works" "^listener: ok$" cat "$T/sb2"
expect "transparent: a second listener on the session is EBUSY" "^second listener: EBUSY$" \
	cat "$T/sb2"
expect "transparent: the first listener still serves" "^open $D/daemon/a.txt: ok for-daemon$" \
	cat "$T/sb2"

# Another peer's listener is decided by that peer's profile.
sbx "$U2" "$G" -- "$T/bin/fbsandboxed" open "$D/staff/b.txt" open "$D/daemon/a.txt" \
	>"$T/sb3" 2>&1
expect "transparent: a staff peer reads staff's files" "^open $D/staff/b.txt: ok for-staff$" \
	cat "$T/sb3"
expect "transparent: but not daemon's" "^open $D/daemon/a.txt: EACCES$" cat "$T/sb3"
# The calls the daemon answers with more than open and stat (a copy of the
# worker's inotify descriptor, fstatfs, a chmod or truncate refused by the
# profile): answered, and the daemon still serves after them.
sbx "$U2" "$G" -- "$T/bin/fbsandboxed" watch "$D/staff/b.txt" statfs "$D/staff/b.txt" \
	chmod "$D/staff/b.txt" truncate "$D/staff/b.txt" open "$D/staff/b.txt" >"$T/sb4" 2>&1
expect "transparent: the daemon answers watch, statfs, chmod and truncate" \
	"^watch $D/staff/b.txt: ok statfs $D/staff/b.txt: ok chmod $D/staff/b.txt: EACCES truncate $D/staff/b.txt: EACCES open $D/staff/b.txt: ok for-staff\$" \
	sh -c "grep -v '^pid\|^sandbox' '$T/sb4' | tr '\n' ' ' | sed 's/ \$//'"
expect "transparent: the file was left whole" "^for-staff\$" cat "$D/staff/b.txt"

# A descriptor that is not a listener is refused, and the connection (and
# the daemon) go on serving.
sbx "$U1" -- "$T/bin/fbsandboxed" -x open "$D/daemon/a.txt" >"$T/sb4" 2>&1
expect "transparent: a pipe is not a listener: EBADF" "^not-a-listener: EBADF$" cat "$T/sb4"
expect "transparent: refusal logged" "listener refused: Bad file descriptor" cat "$LOG"
expect "transparent: the same connection then sends its listener" \
	"^open $D/daemon/a.txt: ok for-daemon$" cat "$T/sb4"
refute "transparent: no protocol violation" "protocol violation" cat "$LOG"
expect "transparent: explicit calls still served" "ok for-daemon" \
	tool "$U1" -- "$T/bin/fbtool" read "$D/daemon/a.txt"

# The listener holds the session: with every connection closed, the
# worker's calls are still served, and the peer still counts.
sbx "$U1" -- "$T/bin/fbsandboxed" disconnect sleep 1500 open "$D/daemon/a.txt" \
	>"$T/sb5" 2>&1 &
SB5=$!
wait_lines "$T/sb5" 3 || fail "transparent: the held worker did not start"
# The daemon sees the connections close when it next looks.
i=0
while ! "$FB" status --socket "$S" 2>&1 | grep -Eq '^peers: .*, 0 connections' && [ $i -lt 600 ]; do
	sleep 0.05
	i=$((i + 1))
done
expect "transparent: status: the peer stays, without connections" \
	"^peers: +1 connected \(.*\), 0 connections" "$FB" status --socket "$S"
wait $SB5
expect "transparent: served after the worker closed its connections" \
	"^open $D/daemon/a.txt: ok for-daemon$" cat "$T/sb5"

# The workers are gone: every session, notifier and thread pidfd with them.
i=0
while [ "$(ls /proc/$DPID/fd | wc -l)" -ne "$fds0" ] && [ $i -lt 600 ]; do
	sleep 0.05
	i=$((i + 1))
done
expect "transparent: the daemon's descriptors are back to where they were" "^$fds0$" \
	sh -c "ls /proc/$DPID/fd | wc -l"
expect "transparent: no peer left" "^peers: +0 connected" "$FB" status --socket "$S"

# SIGTERM with a listener still served: exits 0.
sbx "$U1" -- "$T/bin/fbsandboxed" sleep 3000 open "$D/daemon/a.txt" >"$T/sb6" 2>&1 &
SB6=$!
wait_lines "$T/sb6" 2 || fail "transparent: the last worker did not start"
kill -TERM $DPID
wait $DPID
st=$?
[ $st -eq 0 ] && pass "transparent: SIGTERM with a listener: exit 0" ||
	fail "transparent: SIGTERM with a listener: exit $st"
wait $SB6
fi
# ---- end of transparent mode over a daemon connection -----------------------

# systemd socket activation (LISTEN_FDS), where systemd-socket-activate is.
if command -v systemd-socket-activate >/dev/null; then
	: >"$LOG"
	systemd-socket-activate --seqpacket -l "$T/run/act.sock" \
		"$FB" serve -v --policy "$P" 2>>"$LOG" &
	APID=$!
	i=0
	while [ ! -S "$T/run/act.sock" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
	chmod 0666 "$T/run/act.sock" # what SocketMode= does in a unit
	S=$T/run/act.sock
	expect "socket activation: served" "ok for-daemon" \
		timeout 10 sh -c "env -u FILEBROKER_FD FILEBROKER_SOCKET='$S' setpriv --reuid=$U1 \
		--regid=$U1 --clear-groups -- '$T/bin/fbtool' read '$D/daemon/a.txt'"
	expect "socket activation: logged" "on the socket systemd passed" cat "$LOG"
	expect "socket activation: status beside the socket" "^peers: " \
		"$FB" status --socket "$S"
	kill -TERM $APID
	wait $APID
	st=$?
	[ $st -eq 0 ] && pass "socket activation: SIGTERM exits 0" ||
		fail "socket activation: exit $st"
else
	echo "SKIP socket activation: no systemd-socket-activate"
fi

# ---- per-peer limits: --max-rate and --max-inflight (issue 7) ---------------
# A raw peer in Python, speaking client/proto.h by hand:
#   fbpeer.py rate SECONDS PATH [PAUSE N]   stat PATH one after the other for
#       SECONDS; print "ok=K eagain=E other=O"; then, with PAUSE, sleep PAUSE
#       seconds and stat N more times on the same connection: "after=...".
#   fbpeer.py inflight PATH GOFILE   three channels; pipeline stats on two
#       without reading until the daemon stops reading them; a stat on the
#       third must get no answer; print "held"; once GOFILE exists, read every
#       reply; the third's must come then.
S=$T/run/fb.sock
write_policy
# The workers run as other users: a python3 of the system's, not root's own.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
cat >"$T/bin/fbpeer.py" <<'EOF'
import os, select, socket, struct, sys, time

HDR = struct.Struct("=HHI")
STAT, CHANNEL = 2, 10
EAGAIN = 11

def request(typ, rid, path=b""):
    body = struct.pack("=H", len(path)) + path if path else b""
    return HDR.pack(1, typ, rid) + body

def reply(sock, timeout):
    """(id, errno) of the next reply, or None after timeout seconds."""
    if not select.select([sock], [], [], timeout)[0]:
        return None
    msg, fds, _, _ = socket.recv_fds(sock, 65536, 4)
    if not msg:
        raise SystemExit("connection closed")
    _, _, rid = HDR.unpack_from(msg)
    err, _ = struct.unpack_from("=II", msg, HDR.size)
    reply.fds = fds
    return rid, err

def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(os.environ["FILEBROKER_SOCKET"])
    return s

def channel(boot):
    boot.send(request(CHANNEL, 1))
    rid, err = reply(boot, 5)
    assert err == 0 and len(reply.fds) == 1, err
    return socket.socket(fileno=reply.fds[0])

def stats(s, path, until=None, n=None):
    ok = eagain = other = i = 0
    while (until is not None and time.monotonic() < until) or (n is not None and i < n):
        s.send(request(STAT, i, path))
        rid, err = reply(s, 5)
        assert rid == i
        i += 1
        if err == 0:
            ok += 1
        elif err == EAGAIN:
            eagain += 1
        else:
            other += 1
    return "ok=%d eagain=%d other=%d" % (ok, eagain, other)

def pipeline(s, path):
    """Stats on s without reading until the daemon stops taking them."""
    s.setblocking(False)
    sent = 0
    while True:
        try:
            s.send(request(STAT, sent, path))
            sent += 1
        except BlockingIOError:
            if not select.select([], [s], [], 0.3)[1]:
                s.setblocking(True)
                return sent

mode, path = sys.argv[1], sys.argv[3].encode() if sys.argv[1] == "rate" else sys.argv[2].encode()
if mode == "rate":
    s = connect()
    print(stats(s, path, until=time.monotonic() + float(sys.argv[2])), flush=True)
    if len(sys.argv) > 5:
        time.sleep(float(sys.argv[4]))
        print("after=" + stats(s, path, n=int(sys.argv[5])), flush=True)
elif mode == "inflight":
    boot = connect()
    ch = [channel(boot) for i in range(3)]
    sent = [pipeline(ch[0], path), pipeline(ch[1], path)]
    ch[2].send(request(STAT, 77, path))
    print("third: %s" % ("no answer" if reply(ch[2], 1.0) is None else "answered"), flush=True)
    print("held", flush=True)
    for i in range(400):
        if os.path.exists(sys.argv[3]):
            break
        time.sleep(0.05)
    got = 0
    for c, n in zip(ch, sent):
        for i in range(n):
            r = reply(c, 5)
            if r is None or r != (i, 0):
                break
            got += 1
    print("replies: %d of %d" % (got, sum(sent)), flush=True)
    r = reply(ch[2], 5)
    print("third: %s" % ("answered" if r == (77, 0) else "not answered"), flush=True)
EOF
if ! tool "$U1" -- "$PY" -c 'import socket; socket.recv_fds' 2>/dev/null; then
	echo "SKIP per-peer limits: no python3 (3.9 or later) that uid $U1 may run"
else

# --max-rate 20 (burst 20 by default): one peer floods for 1.5 s while
# another is served; the audit trail has one "error"/EAGAIN record per
# refusal; the log says so once a second, not per request.
A=$T/rate-audit.jsonl
start --max-rate 20/s --audit "$A"
expect "max-rate: the limits are logged" "limits per peer: 64 connections, 20 requests a second \(burst 20\), 16 replies" \
	cat "$LOG"
tool "$U1" -- "$PY" "$T/bin/fbpeer.py" rate 1.5 "$D/daemon/a.txt" 1.1 20 >"$T/rate1" 2>&1 &
RATE1=$!
sleep 0.3
expect "max-rate: another peer is served during the flood" "ok for-staff" \
	timeout 5 sh -c "env -u FILEBROKER_FD FILEBROKER_SOCKET='$S' setpriv --reuid=$U2 \
	--regid=$U2 --groups=$G -- '$T/bin/fbtool' read '$D/staff/b.txt'"
# Asked until the flood shows (a loaded machine may start the flooder late),
# while it lasts: its counts go with its connection.
rate_status() {
	"$FB" status --json --socket "$S" | python3 -c 'import json, sys
p = [p for p in json.load(sys.stdin)["peers"] if p["uid"] == int(sys.argv[1])]
print("limited" if p and p[0]["rate_limited"] > 0 else p)' "$U1"
}
i=0
while [ $i -lt 100 ] && kill -0 $RATE1 2>/dev/null && [ "$(rate_status)" != limited ]; do
	sleep 0.1
	i=$((i + 1))
done
expect "max-rate: status counts the peer's refusals" "^limited$" rate_status
wait $RATE1
# 20 at once, then 20 a second for 1.5 s: about 50 served, the rest EAGAIN.
expect "max-rate: the flood is served at the rate, the rest is EAGAIN" \
	"^ok=(4[0-9]|5[0-6]) eagain=[0-9]{3,} other=0$" cat "$T/rate1"
expect "max-rate: a second later the same peer is served again (burst refilled)" \
	"^after=ok=20 eagain=0 other=0$" cat "$T/rate1"
RPID=$(sed -n "s/.*peer [0-9]*: uid=$U1 gid=$U1 pid=\\([0-9]*\\): profile.*/\\1/p" "$LOG" | head -n 1)
wait_log "pid=$RPID\): [0-9]+ requests refused with EAGAIN over --max-rate in all" ||
	fail "max-rate: no total logged when the peer left"
expect "max-rate: refusals logged when they start" \
	"pid=$RPID\): over --max-rate 20/s \(burst 20\): its requests are refused with EAGAIN" \
	cat "$LOG"
# The flood lasted 1.5 s: its first line, one a second later, the total.
expect "max-rate: not one line per request (3 for thousands of refusals)" "^3$" \
	sh -c "grep -c 'pid=$RPID): .*max-rate' '$LOG'"
expect "max-rate: the total is every refusal" \
	"pid=$RPID\): $(sed -n 's/^ok=.* eagain=\([0-9]*\) .*/\1/p' "$T/rate1") requests refused with EAGAIN over --max-rate in all" \
	cat "$LOG"
expect "max-rate: one audit record per refusal, decision error, errno EAGAIN" "^match$" \
	python3 -c '
import json, sys
n = sum(1 for l in open(sys.argv[1]) if (lambda r: "event" not in r and r["pid"] == int(sys.argv[2]) and
        r["decision"] == "error" and r["errno"] == "EAGAIN" and r["rule"] is None)(json.loads(l)))
print("match" if n == int(sys.argv[3]) else "%d records, %s refusals" % (n, sys.argv[3]))' \
	"$A" "$RPID" "$(sed -n 's/^ok=.* eagain=\([0-9]*\) .*/\1/p' "$T/rate1")"
# An OPENV of 64 entries is 64 requests: 20 opened, 44 EAGAIN.
expect "max-rate: an openv entry is one request" "openvn .*: (1[89]|20) of 64 opened, first error EAGAIN" \
	tool "$U1" -- "$T/bin/fbtool" openvn 64 "$D/daemon/a.txt"
kill -TERM $DPID
wait $DPID

# --max-inflight 2: a peer that pipelines on two channels without reading
# has two replies parked; then none of its connections is read, while
# another peer is served; once it reads, everything is answered.
start --max-inflight 2
rm -f "$T/go"
tool "$U1" -- "$PY" "$T/bin/fbpeer.py" inflight "$D/daemon/a.txt" "$T/go" >"$T/infl" 2>&1 &
INFL=$!
wait_lines "$T/infl" 2 || fail "max-inflight: the pipelining peer did not get going"
expect "max-inflight: the peer's third channel is not read" "^third: no answer$" cat "$T/infl"
expect "max-inflight: another peer is served meanwhile" "ok for-staff" \
	timeout 5 sh -c "env -u FILEBROKER_FD FILEBROKER_SOCKET='$S' setpriv --reuid=$U2 \
	--regid=$U2 --groups=$G -- '$T/bin/fbtool' read '$D/staff/b.txt'"
IPID=$(sed -n "s/.*peer [0-9]*: uid=$U1 gid=$U1 pid=\\([0-9]*\\): profile.*/\\1/p" "$LOG" | head -n 1)
expect "max-inflight: logged, once" "^1$" sh -c \
	"grep -c 'worker $IPID: 2 replies it has not read (--max-inflight 2): none of its requests is read' '$LOG'"
expect "max-inflight: status shows the peer throttled" "^[0-9]+ +$U1 +$U1 +$IPID +[0-9]+ +[0-9]+ +0 +0 +1  " \
	"$FB" status --socket "$S"
touch "$T/go"
wait $INFL
expect "max-inflight: every reply comes once the peer reads" "^replies: ([0-9]+) of \1$" cat "$T/infl"
expect "max-inflight: the third channel is answered then" "^third: answered$" cat "$T/infl"
expect "max-inflight: still served afterwards" "ok for-daemon" \
	tool "$U1" -- "$T/bin/fbtool" read "$D/daemon/a.txt"
kill -TERM $DPID
wait $DPID
st=$?
[ $st -eq 0 ] && pass "limits: SIGTERM exits 0" || fail "limits: exit $st"
status "--max-burst without --max-rate is refused" 2 \
	"$FB" serve --policy "$P" --socket "$S" --max-burst 5
status "--max-rate 0 is refused" 1 "$FB" serve --policy "$P" --socket "$S" --max-rate 0
fi
# ---- end of per-peer limits -------------------------------------------------

finish
