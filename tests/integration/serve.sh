#!/bin/sh
# filebroker serve (daemon mode), end to end: a real daemon on a temporary
# socket, workers of different users (setpriv) connecting through
# FILEBROKER_SOCKET, profiles by user and by group, refusals, reload with a
# broken and then a fixed policy, SIGTERM, kill -9 and restart.
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

# kill -9 leaves a stale socket; a new daemon replaces it and serves.
write_policy
start
kill -9 $DPID
wait $DPID 2>/dev/null
[ -S "$S" ] && pass "kill -9 leaves the socket" || fail "no stale socket after kill -9"
start
expect "restart: stale socket replaced" "removed the stale socket" cat "$LOG"
expect "restart: a new worker connects" "ok for-daemon" \
	tool daemon -- "$T/bin/fbtool" read "$D/daemon/a.txt"
# A second daemon on a live socket is refused and does not disturb it.
status "a live socket is not taken over" 1 "$FB" serve --policy "$P" --socket "$S"
expect "the first daemon still serves" "ok for-daemon" \
	tool daemon -- "$T/bin/fbtool" read "$D/daemon/a.txt"
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
	kill -TERM $APID
	wait $APID
	st=$?
	[ $st -eq 0 ] && pass "socket activation: SIGTERM exits 0" ||
		fail "socket activation: exit $st"
else
	echo "SKIP socket activation: no systemd-socket-activate"
fi

finish
