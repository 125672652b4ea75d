#!/bin/sh
# filebroker serve (daemon mode), end to end: a real daemon on a temporary
# socket, workers of different users (setpriv) connecting through
# FILEBROKER_SOCKET, profiles by user and by group, refusals, reload with a
# broken and then a fixed policy, SIGTERM, kill -9 and restart; `filebroker
# status` on the control socket (root only); audit files reopened on SIGHUP
# as logrotate wants.
#
# Users every Debian system has: daemon (uid 1), nobody (uid 65534); group
# staff (gid 50).  A refused peer sees its connection closed: ECONNRESET.
. tests/integration/lib.sh

[ "$(id -u)" = 0 ] || skip_all "serve.sh needs root (workers run as other users)"
command -v setpriv >/dev/null || skip_all "serve.sh needs setpriv (util-linux)"
getent passwd daemon >/dev/null && getent passwd nobody >/dev/null &&
	getent group staff >/dev/null || skip_all "serve.sh needs users daemon, nobody, group staff"

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

profile user=daemon
allow read $D/daemon/a.txt

profile group=staff
allow read,list $D/staff/**
EOF
	mv "$P.new" "$P"
}
write_policy

# as USER [GROUPS] -- CMD...: run CMD as USER with only GROUPS (or none),
# connected to the daemon through FILEBROKER_SOCKET.
as() {
	u=$1
	shift
	g=--clear-groups
	if [ "$1" != "--" ]; then
		g=--groups=$1
		shift
	fi
	shift
	uid=$(id -u "$u") gid=$(id -g "$u")
	env -u FILEBROKER_FD FILEBROKER_SOCKET="$S" \
		setpriv --reuid="$uid" --regid="$gid" "$g" -- "$@"
}
tool() { u=$1; shift; as "$u" "$@"; }
# nobody CMD...: run CMD as nobody, no groups (filebroker status as non-root).
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
cp "$FB" "$T/bin/filebroker" # where nobody may run it

# wait_lines FILE N: until FILE has N lines (5 s at most).
wait_lines() {
	i=0
	while [ "$(cat "$1" 2>/dev/null | wc -l)" -lt "$2" ]; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.05
	done
}

# wait_log PATTERN: until the daemon's log matches (5 s at most).
wait_log() {
	i=0
	while ! grep -Eq -- "$1" "$LOG" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
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

start
expect "socket mode" "^srw-rw-rw-" ls -l "$S"
expect "control socket: root's alone" "^srw------- 1 root root" ls -l "$S.control"

# Profiles by user and by group; the common rules for everyone who connects.
expect "daemon: its profile" "read $D/daemon/a.txt: ok for-daemon" \
	tool daemon -- "$T/bin/fbtool" read "$D/daemon/a.txt"
expect "daemon: not staff's files" "read $D/staff/b.txt: EACCES" \
	tool daemon -- "$T/bin/fbtool" read "$D/staff/b.txt"
expect "daemon: common rules" "read $D/shared/c.txt: ok shared" \
	tool daemon -- "$T/bin/fbtool" read "$D/shared/c.txt"
expect "nobody in staff: by group" "read $D/staff/b.txt: ok for-staff" \
	tool nobody staff -- "$T/bin/fbtool" read "$D/staff/b.txt"
expect "nobody in staff: not daemon's files" "read $D/daemon/a.txt: EACCES" \
	tool nobody staff -- "$T/bin/fbtool" read "$D/daemon/a.txt"
expect "the log names the profile" "uid=65534 gid=65534 pid=[0-9]+: profile $P:8" cat "$LOG"

# A peer no profile matches is refused at connect, with a logged reason.
expect "nobody without groups: refused" "read $D/shared/c.txt: ECONNRESET" \
	tool nobody -- "$T/bin/fbtool" read "$D/shared/c.txt"
expect "refusal logged" "refused peer uid=65534 gid=65534 pid=[0-9]+: no profile matches" \
	cat "$LOG"

# Many workers of different users at once.
for i in 1 2 3; do
	tool daemon -- "$T/bin/fbtool" threads 4 50 "$D/daemon/a.txt" >"$T/c-d$i" 2>&1 &
	tool nobody staff -- "$T/bin/fbtool" threads 4 50 "$D/staff/b.txt" >"$T/c-s$i" 2>&1 &
done
wait_clients() {
	for f in "$T"/c-*; do
		n=0
		while ! grep -q "threads" "$f" 2>/dev/null; do
			n=$((n + 1))
			[ $n -gt 400 ] && break
			sleep 0.05
		done
	done
}
wait_clients
expect "six concurrent workers, two users" "^6$" sh -c "cat '$T'/c-* | grep -c '^threads .*: ok'"
rm -f "$T"/c-*

# Per-user limit: 4 peers of one user at once, the fifth is refused.
HOLD=
for i in 1 2 3 4; do
	tool daemon -- "$T/bin/fbtool" read "$D/daemon/a.txt" :: sleep 2500 >"$T/h$i" 2>&1 &
	HOLD="$HOLD $!"
done
wait_log "peer [0-9]+: uid=1 .*" && sleep 0.5
expect "fifth peer of one user refused" "ECONNRESET" \
	tool daemon -- "$T/bin/fbtool" read "$D/daemon/a.txt"
expect "limit logged" "refused peer uid=1 .*too many peers of uid 1 \(the limit is 4\)" cat "$LOG"
expect "another user is not limited by it" "ok for-staff" \
	tool nobody staff -- "$T/bin/fbtool" read "$D/staff/b.txt"
wait $HOLD

# filebroker status: one peer of daemon's connected, after 2 reads, 1 denied.
tool daemon -- "$T/bin/fbtool" read "$D/daemon/a.txt" :: read "$D/staff/b.txt" :: \
	sleep 3000 >"$T/st-held" 2>&1 &
STHELD=$!
wait_lines "$T/st-held" 2 || fail "status: the held peer did not run"
"$FB" status --socket "$S" >"$T/st.txt" 2>&1
expect "status: the peer count" "^peers: +1 connected \(at most 256, 4 per user\), [12] connections" \
	cat "$T/st.txt"
expect "status: the peer's line" \
	"^[0-9]+ +1 +1 +[0-9]+ +[12] +[0-9]+ +1  [0-9T:-]+Z  $P:5$" cat "$T/st.txt"
expect "status: the policy and when it was loaded" \
	"^policy: +$P, loaded [0-9T:-]+Z \([0-9]+ rules, 2 profiles\)" cat "$T/st.txt"
"$FB" status --control "$S.control" --json >"$T/st.json" 2>&1
expect "status --json parses, with the peer's counts" "^1 1 1 ok$" python3 -c '
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
expect "status: the right request count" "\(uid=1 pid=$1\) gone: $2 requests, 1 denied" cat "$LOG"
expect "status: totals count the requests of peers that left" \
	"^totals: .* [0-9]+ requests, [1-9][0-9]* denied" "$FB" status --socket "$S"

# Only root: others cannot reach the socket (0600), and when its mode is
# loosened the daemon still refuses them (SO_PEERCRED) and logs it.
status "status as nobody fails" 1 nobody "$T/bin/filebroker" status --socket "$S"
expect "status as nobody: permission denied" "permission denied: only root" \
	nobody "$T/bin/filebroker" status --socket "$S"
chmod 0666 "$S.control"
expect "status as nobody, socket loosened: refused by the daemon" \
	"the daemon refused: only root may ask" nobody "$T/bin/filebroker" status --socket "$S"
expect "status refusal logged" "status: refused uid=65534 gid=65534 pid=[0-9]+: only root may ask" \
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
	timeout 5 sh -c "env -u FILEBROKER_FD FILEBROKER_SOCKET='$S' setpriv --reuid=1 --regid=1 \
	--clear-groups -- '$T/bin/fbtool' read '$D/daemon/a.txt'"
expect "status clients that never read: status still answers" "^peers: " \
	timeout 5 "$FB" status --socket "$S"
kill $LAZY 2>/dev/null
wait $LAZY 2>/dev/null

# A flooding client does not stop another one from being served.
tool daemon -- "$T/bin/fbtool" threads 8 4000 "$D/daemon/a.txt" >"$T/flood" 2>&1 &
FLOOD=$!
sleep 0.2
expect "served during a flood" "ok for-staff" \
	timeout 10 sh -c "env -u FILEBROKER_FD FILEBROKER_SOCKET='$S' setpriv --reuid=65534 \
	--regid=65534 --groups=staff -- '$T/bin/fbtool' read '$D/staff/b.txt'"
wait $FLOOD
expect "the flood itself was served" "^threads .*: ok" cat "$T/flood"

# Reload: a broken policy leaves the old one in force, with FILE:LINE:COL.
tool daemon -- "$T/bin/fbtool" read "$D/daemon/a.txt" :: sleep 1500 :: \
	read "$D/daemon/a.txt" >"$T/held" 2>&1 &
HELD=$!
wait_log "peer [0-9]+: uid=1 .*" && sleep 0.3
printf 'allow read /x\nprofile user=daemon\nallow reed /y\n' >"$P.new" && mv "$P.new" "$P"
kill -HUP $DPID
wait_log "reload: .* not loaded" || fail "no reload log"
expect "broken policy: error with its location" "$P:3:7: error: unknown access 'reed'" cat "$LOG"
expect "broken policy: the old one stays" "ok for-daemon" \
	tool daemon -- "$T/bin/fbtool" read "$D/daemon/a.txt"
# Then a fixed one: daemon now reads v2.txt and no longer a.txt.
cat >"$P.new" <<EOF
allow stat $T
profile user=daemon
allow read $D/daemon/v2.txt
EOF
mv "$P.new" "$P"
kill -HUP $DPID
wait_log "reload: .* loaded \(" || fail "no reload log"
expect "fixed policy: new decisions for new connections" "read $D/daemon/v2.txt: ok v2" \
	tool daemon -- "$T/bin/fbtool" read "$D/daemon/v2.txt"
expect "fixed policy: a.txt now denied" "read $D/daemon/a.txt: EACCES" \
	tool daemon -- "$T/bin/fbtool" read "$D/daemon/a.txt"
expect "fixed policy: staff has no profile now" "ECONNRESET" \
	tool nobody staff -- "$T/bin/fbtool" read "$D/staff/b.txt"
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
	tool daemon -- "$T/bin/fbtool" read "$D/daemon/a.txt"
# A second daemon on a live socket is refused and does not disturb it.
status "a live socket is not taken over" 1 "$FB" serve --policy "$P" --socket "$S"
expect "the first daemon still serves" "ok for-daemon" \
	tool daemon -- "$T/bin/fbtool" read "$D/daemon/a.txt"
kill -TERM $DPID
wait $DPID

# Audit files are reopened on SIGHUP, as logrotate does it: mv, then SIGHUP.
A=$T/audit.jsonl
start --audit "$A"
tool daemon -- "$T/bin/fbtool" read "$D/daemon/a.txt" >/dev/null 2>&1
tool daemon -- "$T/bin/fbtool" read "$D/staff/b.txt" >/dev/null 2>&1
mv "$A" "$A.1"
kill -HUP $DPID
wait_log "audit: $A reopened" || fail "audit: no reopen logged"
expect "audit: new record after the rotation" "ok for-daemon" \
	tool daemon -- "$T/bin/fbtool" read "$D/daemon/a.txt"
expect "audit: the new file is created 0600" "^-rw------- " ls -l "$A"
# jsonl FILE...: every line of every file a JSON record; prints each file's count.
jsonl() {
	python3 -c '
import json, sys
for f in sys.argv[1:]:
    n = 0
    for line in open(f):
        r = json.loads(line)
        assert r["v"] == 1, line
        n += 1
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
	tool daemon -- "$T/bin/fbtool" read "$D/daemon/a.txt"
expect "audit: failed reopen, the record went to the old file" "^2 2 $" jsonl "$A.1" "$A.2"
rmdir "$A"
# Rotations while a worker floods: every record whole, none lost.
tool daemon -- "$T/bin/fbtool" threads 4 1500 "$D/daemon/a.txt" >"$T/rflood" 2>&1 &
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
	"cat '$A'* | python3 -c 'import json, sys; print(sum(1 for l in sys.stdin if json.loads(l)))'"
kill -TERM $DPID
wait $DPID

# systemd socket activation (LISTEN_FDS), where systemd-socket-activate is.
if command -v systemd-socket-activate >/dev/null; then
	: >"$LOG"
	systemd-socket-activate --seqpacket -l "$T/run/act.sock" \
		"$FB" serve -v --policy "$P" 2>>"$LOG" &
	APID=$!
	i=0
	while [ ! -S "$T/run/act.sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	chmod 0666 "$T/run/act.sock" # what SocketMode= does in a unit
	S=$T/run/act.sock
	expect "socket activation: served" "ok for-daemon" \
		timeout 10 sh -c "env -u FILEBROKER_FD FILEBROKER_SOCKET='$S' setpriv --reuid=1 \
		--regid=1 --clear-groups -- '$T/bin/fbtool' read '$D/daemon/a.txt'"
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

finish
