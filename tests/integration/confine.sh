#!/bin/sh
# The broker's own confinement (broker/core/confine.c), seen from outside: a
# serving broker's /proc/PID/status (capabilities, bounding set,
# no_new_privs, seccomp), its dumpability, and that what each kept
# capability is for still works.  The other suites run the broker confined
# too; this one checks that it is.
. tests/integration/lib.sh

# Users of its own that no account holds (free_ids): U1 stands for the
# daemon's peer, U2 for an unprivileged broker.
# shellcheck disable=SC2046 # two numbers
set -- $(free_ids 2)
U1=${1:-} U2=${2:-}

D=$T/data
O=$T/out
mkdir -p "$D" "$O" "$T/sticky"
chmod 1777 "$T/sticky"
echo "alpha" >"$D/a.txt"
echo "closed" >"$D/closed.txt"
chmod 000 "$D/closed.txt"
[ -n "$U1" ] && chown "$U1" "$D/closed.txt" 2>/dev/null
chmod -R go+rX "$T/bin"
chmod go+rx "$T" "$D" "$O"

P=$T/c.policy
cat >"$P" <<EOF
include @runtime
allow read,list $D/**
allow read,write,create,delete,list $O/** mode=0640
allow read,write,create,delete,list $T/sticky/** mode=0640
allow read,exec $T/bin/**
allow read,exec /usr/bin/sleep
EOF

# status_of PID FIELD: a field of /proc/PID/status.
status_of() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }

# Seccomp filters are counted with those the test itself runs under (a
# container's, a service manager's, which also make "Seccomp: 2" true from
# the start): a confined broker has one more.
filters=$(($(status_of $$ Seccomp_filters) + 1))
# confined PID: the broker PID has installed its filter.
confined() { [ "$(status_of "$1" Seccomp_filters 2>/dev/null)" = "$filters" ]; }

# start_broker ARGS...: start `filebroker run ARGS` in the background; $BP
# is its pid once it serves (its filter installed), or the test fails.
start_broker() {
	"$FB" run --policy "$P" "$@" >"$T/.bg-out" 2>&1 &
	BP=$!
	i=0
	while [ $i -lt 600 ]; do
		confined "$BP" && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

stop_broker() {
	kill -TERM "$BP" 2>/dev/null
	wait "$BP" 2>/dev/null
}

# check_field NAME FIELD WANT
check_field() {
	got=$(status_of "$BP" "$2")
	if [ "$got" = "$3" ]; then
		pass "$1: $2 $got"
	else
		fail "$1: $2 is '$got', wanted '$3'"
	fi
}

# tasks_alike "FIELD VALUE"...: every thread of $BP has each; sets nt (the
# threads) and bad (those that differ, and how).
tasks_alike() {
	nt=0
	bad=
	for task in /proc/$BP/task/*; do
		nt=$((nt + 1))
		for f in "$@"; do
			got=$(sed -n "s/^${f% *}:[[:space:]]*//p" "$task/status")
			[ "$got" = "${f#* }" ] || bad="$bad ${task##*/}:${f% *}=$got"
		done
	done
}

# The brokers of `filebroker run` need a worker sandbox; the daemon's part
# below does not.
run_ok=
if ! have_run_worker; then
	echo "SKIP filebroker run confined: no user nobody, the worker's user as root"
elif ! have_sandbox; then
	echo "SKIP filebroker run confined: the kernel lacks what the worker sandbox needs: $sandbox_why"
else
	run_ok=1
fi
if [ "$(id -u)" -eq 0 ] && [ -n "$run_ok" ]; then
	# Transparent mode, worker as nobody: chown, dac_override, fowner,
	# kill, sys_ptrace (bits 0, 1, 3, 5, 19).
	if start_broker -- /usr/bin/sleep 30; then
		check_field "transparent" CapEff 000000000008002b
		check_field "transparent" CapPrm 000000000008002b
		check_field "transparent" CapInh 0000000000000000
		check_field "transparent" CapAmb 0000000000000000
		check_field "transparent" CapBnd 0000000000000000
		check_field "transparent" NoNewPrivs 1
		check_field "transparent" Seccomp 2
		check_field "transparent" Seccomp_filters "$filters"
		# The seccomp listener's own thread, where the kernel has
		# SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (design.md "Placement"),
		# starts between the capability drop and the filter: it holds
		# the same.
		tasks_alike "Seccomp 2" "Seccomp_filters $filters" "NoNewPrivs 1" \
			"CapEff 000000000008002b" "CapPrm 000000000008002b" "CapBnd 0000000000000000"
		[ -z "$bad" ] && pass "transparent: every thread confined alike ($nt)" ||
			fail "transparent: threads differ:$bad"
		# Dumpability is not observable from outside for a root broker
		# (ptrace_may_access also wants the caller's capabilities to
		# cover the broker's); confine_broker() reads it back itself, and
		# the unprivileged run below shows it.
		# The broker passes SIGTERM on to a worker of another uid
		# (CAP_KILL) and exits with its status.
		kill -TERM "$BP"
		wait "$BP"
		st=$?
		[ "$st" -eq 143 ] && pass "a signal reaches a worker of another uid (CAP_KILL)" ||
			fail "SIGTERM to the broker: exit status $st, wanted 143"
	else
		fail "transparent broker did not start serving"
		sed 's/^/      /' "$T/.bg-out" | head
		stop_broker
	fi

	# Explicit mode: no CAP_SYS_PTRACE, no listener to serve.
	if start_broker --explicit -- "$T/bin/fbtool-static" sleep 30000; then
		check_field "explicit" CapEff 000000000000002b
		check_field "explicit" CapBnd 0000000000000000
		check_field "explicit" Seccomp 2
	else
		fail "explicit broker did not start serving"
	fi
	stop_broker

	# What the kept capabilities are for.
	expect "CAP_DAC_OVERRIDE: a mode-000 file of another user is served" \
		"read $D/closed.txt: ok closed" "$FB" run --policy "$P" -- "$T/bin/fbtool" read "$D/closed.txt"
	expect "CAP_CHOWN: a created file is given to the worker" "create .*: ok" \
		"$FB" run --policy "$P" -- "$T/bin/fbtool" create "$O/made.txt" x 0600
	expect "... and belongs to it" "^nobody$" stat -c %U "$O/made.txt"
	expect "CAP_FOWNER: the worker's file in a sticky folder can be deleted" \
		"unlink $T/sticky/f.txt: ok" "$FB" run --policy "$P" -- "$T/bin/fbtool" \
		create "$T/sticky/f.txt" x 0600 :: unlink "$T/sticky/f.txt"
	expect "CAP_FOWNER: ... and renamed" "rename $T/sticky/g.txt: ok" \
		"$FB" run --policy "$P" -- "$T/bin/fbtool" create "$T/sticky/g.txt" x 0600 :: \
		rename "$T/sticky/g.txt" "$T/sticky/h.txt"
	expect "CAP_SYS_PTRACE: transparent mode reads the worker's memory" "^alpha$" \
		"$FB" run --policy "$P" -- "$T/bin/fbcat" "$D/a.txt"
	expect "-v says what the broker kept" \
		"confine: capabilities kept: cap_chown,cap_dac_override,cap_fowner,cap_kill,cap_sys_ptrace|confine: capabilities kept: cap_dac_override,cap_fowner,cap_chown,cap_kill,cap_sys_ptrace" \
		"$FB" run -v --policy "$P" -- /usr/bin/sleep 0
	expect "-v says the Landlock scope was set up" "confine: Landlock ABI [0-9]+ domain" \
		"$FB" run -v --policy "$P" -- /usr/bin/sleep 0
fi

# Without root: nothing to keep, still no_new_privs, seccomp, not dumpable.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && [ -n "$U2" ] && [ -n "$run_ok" ]; then
	NB="setpriv --reuid=$U2 --regid=$U2 --clear-groups --inh-caps=-all"
	$NB "$FB" run --policy "$P" -- /usr/bin/sleep 30 >"$T/.nb-out" 2>&1 &
	BP=$!
	i=0
	while [ $i -lt 600 ] && ! confined "$BP"; do
		sleep 0.05
		i=$((i + 1))
	done
	if confined "$BP"; then
		check_field "unprivileged" CapEff 0000000000000000
		check_field "unprivileged" CapPrm 0000000000000000
		check_field "unprivileged" NoNewPrivs 1
		# Not dumpable: the files of /proc/PID belong to root, not to the
		# broker's uid (the folder itself keeps the task's owner).
		expect "unprivileged: not dumpable (/proc/PID/environ owned by root)" "^root$" \
			stat -c %U "/proc/$BP/environ"
	else
		fail "unprivileged broker did not start serving"
		sed 's/^/      /' "$T/.nb-out" | head
	fi
	stop_broker
	expect "unprivileged: a confined broker still serves" "read $D/a.txt: ok alpha" \
		$NB "$FB" run --policy "$P" -- "$T/bin/fbtool" read "$D/a.txt"
fi

# ---- the daemon (filebroker serve) confines itself too ----------------------
# No Landlock scope (its peers are not its children), no CAP_KILL, no kill or
# wait4; accept4, getsockopt, the reload's policy and NSS lookups, the audit
# reopen, sd_notify.  serve.sh runs every daemon check against it.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && [ -n "$U2" ]; then
	S=$T/run/fb.sock
	SP=$T/serve.policy
	A=$T/serve-audit.jsonl
	LOG=$T/serve.log
	mkdir -p "$T/run"
	chmod 755 "$T/run"
	cat >"$SP" <<EOF
allow stat $T
profile user=$U1
allow read $D/**
allow read,write,create,delete,list $O/** mode=0640
EOF
	wait_log() {
		i=0
		while ! grep -Eq -- "$1" "$LOG" 2>/dev/null; do
			i=$((i + 1))
			[ $i -gt 600 ] && return 1
			sleep 0.05
		done
	}
	# as_daemon CMD...: CMD as U1, connected to the daemon.
	as_daemon() {
		env -u FILEBROKER_FD FILEBROKER_SOCKET="$S" \
			setpriv --reuid="$U1" --regid="$U1" --clear-groups -- "$@"
	}
	# A datagram socket standing in for systemd's NOTIFY_SOCKET.
	N=$T/run/notify.sock
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as out:
    while True:
        m = s.recv(4096).decode()
        out.write(m.replace("\n", " ") + "\n")
        out.flush()' "$N" "$T/notified" >"$T/.notify-out" 2>&1 &
	NP=$!
	i=0
	while [ ! -S "$N" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
	: >"$LOG"
	NOTIFY_SOCKET=$N "$FB" serve -v --policy "$SP" --socket "$S" --socket-mode 0666 \
		--audit "$A" 2>>"$LOG" &
	BP=$!
	if wait_log "serving .* on $S"; then
		check_field "serve" Seccomp 2
		check_field "serve" Seccomp_filters "$filters"
		check_field "serve" NoNewPrivs 1
		# chown, dac_override, fowner, sys_ptrace (bits 0, 1, 3, 19):
		# no kill.
		check_field "serve" CapEff 000000000008000b
		check_field "serve" CapPrm 000000000008000b
		check_field "serve" CapInh 0000000000000000
		check_field "serve" CapBnd 0000000000000000
		# Its serving threads (--threads, default 4; the main thread
		# waits for them) start between the capability drop and the
		# filter: each must hold the same.
		tasks_alike "Seccomp 2" "NoNewPrivs 1" "CapEff 000000000008000b" \
			"CapPrm 000000000008000b" "CapBnd 0000000000000000"
		[ "$nt" -eq 5 ] && pass "serve: 4 serving threads and the main one" ||
			fail "serve: $nt threads, wanted 5"
		[ -z "$bad" ] && pass "serve: every thread confined alike" ||
			fail "serve: threads differ:$bad"
		expect "serve: -v says what the daemon kept, and the filter's size" \
			"confine: capabilities kept: cap_dac_override,cap_fowner,cap_chown,cap_sys_ptrace; .* seccomp allowlist of [0-9]+ syscalls" \
			cat "$LOG"
		refute "serve: no Landlock scope for the daemon" "Landlock" cat "$LOG"
		expect "serve confined: a peer is served" "read $D/a.txt: ok alpha" \
			as_daemon "$T/bin/fbtool" read "$D/a.txt"
		expect "serve confined: CAP_DAC_OVERRIDE, a mode-000 file" \
			"read $D/closed.txt: ok closed" as_daemon "$T/bin/fbtool" read "$D/closed.txt"
		expect "serve confined: CAP_CHOWN, a created file is the peer's" "create .*: ok" \
			as_daemon "$T/bin/fbtool" create "$O/served.txt" x 0600
		expect "... and belongs to it" "^$U1$" stat -c %u "$O/served.txt"
		expect "serve confined: status answers" "^peers: " "$FB" status --socket "$S"
		# SIGHUP: the policy file again, NSS for its names (root: the one
		# every system has), the audit file reopened, RELOADING=1 and
		# READY=1 to systemd.
		mv "$A" "$A.1"
		cat >"$SP.new" <<EOF
allow stat $T
profile user=$U1,root
allow read $D/a.txt
EOF
		mv "$SP.new" "$SP"
		kill -HUP "$BP"
		wait_log "reload: .* loaded \(" || fail "serve confined: no reload logged"
		wait_log "audit: $A reopened" || fail "serve confined: no audit reopen logged"
		expect "serve confined: reloaded, a.txt still served" "read $D/a.txt: ok alpha" \
			as_daemon "$T/bin/fbtool" read "$D/a.txt"
		expect "serve confined: reloaded, closed.txt now denied" \
			"read $D/closed.txt: EACCES" as_daemon "$T/bin/fbtool" read "$D/closed.txt"
		expect "serve confined: the record went to the reopened audit file" \
			'"path":"[^"]*closed.txt".*"decision":"deny"' cat "$A"
		expect "serve confined: sd_notify on reload" "RELOADING=1 MONOTONIC_USEC=[0-9]+" \
			cat "$T/notified"
		# A name no database knows: every NSS source is asked, under the
		# filter (nscd's stream socket gets EACCES); the reload fails,
		# logged, and the daemon lives on with the old policy.
		printf 'profile user=no-such-user-fb\nallow read /x\n' >"$SP.new"
		mv "$SP.new" "$SP"
		kill -HUP "$BP"
		wait_log "reload: .* not loaded" || fail "serve confined: the bad reload not logged"
		expect "serve confined: an unknown user on reload is an error" "no-such-user-fb" \
			cat "$LOG"
		expect "serve confined: still serving after it" "read $D/a.txt: ok alpha" \
			as_daemon "$T/bin/fbtool" read "$D/a.txt"
		kill -TERM "$BP"
		wait "$BP"
		st=$?
		[ "$st" -eq 0 ] && pass "serve confined: SIGTERM exits 0" ||
			fail "serve confined: exit status $st (159 is SIGSYS: dmesg names the syscall)"
		[ ! -e "$S" ] && pass "serve confined: the socket is removed" ||
			fail "serve confined: the socket was left behind"
		expect "serve confined: STOPPING=1 to systemd" "^STOPPING=1" cat "$T/notified"
	else
		fail "serve did not start"
		sed 's/^/      /' "$LOG" | head
		stop_broker
	fi
	kill "$NP" 2>/dev/null
	wait "$NP" 2>/dev/null

	# Without root: nothing to keep, still confined.
	mkdir -p "$T/nrun"
	chown "$U2" "$T/nrun"
	cat >"$SP" <<EOF
profile any
allow read $D/a.txt
EOF
	: >"$LOG"
	setpriv --reuid="$U2" --regid="$U2" --clear-groups --inh-caps=-all \
		"$FB" serve -v --policy "$SP" --socket "$T/nrun/fb.sock" --control none \
		2>>"$LOG" &
	BP=$!
	if wait_log "serving .* on $T/nrun/fb.sock"; then
		check_field "serve unprivileged" Seccomp 2
		check_field "serve unprivileged" CapEff 0000000000000000
		expect "serve unprivileged: a peer of its own uid is served" "read $D/a.txt: ok alpha" \
			env -u FILEBROKER_FD FILEBROKER_SOCKET="$T/nrun/fb.sock" \
			setpriv --reuid="$U2" --regid="$U2" --clear-groups -- \
			"$T/bin/fbtool" read "$D/a.txt"
	else
		fail "unprivileged serve did not start"
		sed 's/^/      /' "$LOG" | head
	fi
	stop_broker
fi

finish
