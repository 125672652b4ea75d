#!/bin/sh
# filebroker run as a launcher under limits and faults: a file size limit,
# a broker killed with SIGKILL, a worker that leaves orphans behind.  The
# broker must fail closed with its own error and exit status, and leave
# nothing running behind it.
. tests/integration/lib.sh

D=$T/data
mkdir -p "$D"
printf 'hello\n' >"$D/hello.txt"
: >"$D/grow"
chmod 755 "$D"
chmod 644 "$D/hello.txt"
chmod 666 "$D/grow"
P=$T/launch.policy
cat >"$P" <<EOF
include @runtime
allow read,list $D/**
allow write $D/grow
allow read,exec $T/bin/**
allow read,exec /usr/bin/cat
EOF

# ---- a file size limit (ulimit -f) --------------------------------------
# The broker ignores SIGXFSZ: a write beyond the limit fails (EFBIG) and is
# handled, instead of killing the broker (exit 153).
if command -v prlimit >/dev/null 2>&1; then
	A=$T/audit.jsonl
	: >"$A"
	truncate -s 9000 "$A"
	prlimit --fsize=10000 "$FB" run --policy "$P" --audit "$A" -- cat "$D/hello.txt" \
		>"$T/fsize.out" 2>&1
	st=$?
	if [ "$st" -eq 125 ]; then
		pass "fsize: an audit file at the size limit: exit 125, not killed by SIGXFSZ"
	else
		fail "fsize: an audit file at the size limit: exit $st, wanted 125"
		sed 's/^/      /' "$T/fsize.out" | head -n 10
	fi
	n=$(grep -c 'audit: .*File too large' "$T/fsize.out")
	if [ "$n" -eq 1 ]; then
		pass "fsize: the audit failure is named once (File too large)"
	else
		fail "fsize: 'audit: ...: File too large' $n times, wanted once"
		sed 's/^/      /' "$T/fsize.out" | head -n 10
	fi
	refute "fsize: the worker read nothing once the audit failed" "^hello$" \
		cat "$T/fsize.out"
	# A brokered truncate(2) beyond the limit: the worker gets EFBIG.
	expect "fsize: a brokered truncate beyond the limit is EFBIG for the worker" \
		"rawtruncate $D/grow: EFBIG" \
		prlimit --fsize=10000 "$FB" run --policy "$P" -- \
		"$T/bin/fbtool" rawtruncate "$D/grow" 1000000
	# The worker gets the default action back: its own write beyond the
	# limit kills it with SIGXFSZ, as it would unsandboxed, and the broker
	# (which would exit with the same 153 if the signal killed it) lives
	# to say so and passes the status on.
	truncate -s 10000 "$D/grow"
	prlimit --fsize=10000 "$FB" run -v --policy "$P" -- \
		"$T/bin/fbtool" append "$D/grow" more >"$T/fsize2.out" 2>&1
	st=$?
	if [ "$st" -eq 153 ] && grep -q 'worker [0-9]* ended' "$T/fsize2.out"; then
		pass "fsize: the worker's own SIGXFSZ is the default action (exit 153)"
	else
		fail "fsize: the worker's own write beyond the limit: exit $st, wanted 153 from a live broker"
		sed 's/^/      /' "$T/fsize2.out" | tail -n 10
	fi
	# The daemon too: it answers EIO and stays up.
	SP=$T/serve.policy
	printf 'profile any\nallow read %s/**\n' "$D" >"$SP"
	A=$T/serve-audit.jsonl
	# 9600 bytes that end in a newline: room for the open record the sink
	# starts its chain with (under 300 bytes), not for a peer's
	# session-start record after it (over 500), whose failure denies the
	# peer's requests.  A file ending in a torn line would get its torn
	# marker first, and a file without room for the open record would not
	# let serve start at all (audit.md, "Torn records", "Tamper evidence").
	: >"$A"
	truncate -s 9599 "$A"
	echo >>"$A"
	prlimit --fsize=10000 "$FB" serve --socket "$T/fb.sock" --control none \
		--policy "$SP" --audit "$A" 2>"$T/serve.err" &
	spid=$!
	wait_socket "$T/fb.sock"
	expect "fsize: serve answers EIO once its audit file is full" "read $D/hello.txt: EIO" \
		env -u FILEBROKER_FD FILEBROKER_SOCKET="$T/fb.sock" "$T/bin/fbtool" read "$D/hello.txt"
	if kill -0 "$spid" 2>/dev/null; then
		pass "fsize: serve is still up after a write beyond the size limit"
	else
		fail "fsize: serve died"
		sed 's/^/      /' "$T/serve.err" | head -n 10
	fi
	kill "$spid" 2>/dev/null
	wait "$spid"
	expect "fsize: serve names the audit failure" "audit: .*File too large" cat "$T/serve.err"
	# No room even for the open record: serve does not start, and says why.
	A=$T/serve-full.jsonl
	: >"$A"
	truncate -s 9989 "$A"
	echo >>"$A"
	expect "fsize: an audit file without room for its open record: serve names why" \
		"serve: audit .*serve-full.jsonl: File too large" \
		timeout 30 prlimit --fsize=10000 "$FB" serve --socket "$T/fb2.sock" --control none \
		--policy "$SP" --audit "$A"
else
	echo "SKIP fsize: no prlimit(1)"
fi

# ---- nothing the worker starts outlives the broker -----------------------
# pids EXE: the processes running EXE (a path under $T, so only this
# test's), one per line.
pids() {
	# shellcheck disable=SC2012 # the links' targets, as ls shows them
	ls -l /proc/[0-9]*/exe 2>/dev/null | awk -v exe="$1" '$NF == exe {
		split($(NF - 2), a, "/"); print a[3] }'
}
count() { pids "$1" | wc -l; }
# reap EXE: kill this test's leftovers of EXE, by pid.
reap() {
	for p in $(pids "$1"); do
		kill -9 "$p" 2>/dev/null
	done
}
# wait_count EXE OP N: until count EXE OP N holds, 5 s at most.
wait_count() {
	i=0
	while ! [ "$(count "$1")" "$2" "$3" ]; do
		i=$((i + 1))
		[ $i -gt 600 ] && return 1
		sleep 0.05
	done
}

# A worker that forks a grandchild which sleeps for ever, then a broker
# killed with SIGKILL: within 5 s nothing of the worker's is left, in 20
# trials.  (PR_SET_PDEATHSIG covers only the worker itself; the PID
# namespace's init dies with the broker, and the namespace with it.)
# sigkill_trials NAME RUNAS...: RUNAS is empty or a command that drops root.
sigkill_trials() {
	name=$1
	shift
	survived=0 trial=0
	while [ $trial -lt 20 ]; do
		trial=$((trial + 1))
		"$@" "$T/bin/filebroker" run --policy "$P" -- \
			"$T/bin/fbtool" orphans 1 :: sleep 600000 >/dev/null 2>&1 &
		bpid=$!
		if ! wait_count "$T/bin/fbtool" -ge 2; then
			fail "$name: trial $trial: the worker and its grandchild did not start"
			kill -9 $bpid 2>/dev/null
			wait $bpid 2>/dev/null
			reap "$T/bin/fbtool"
			return
		fi
		kill -9 $bpid
		wait $bpid 2>/dev/null
		if ! wait_count "$T/bin/fbtool" -eq 0; then
			survived=$((survived + 1))
			reap "$T/bin/fbtool"
		fi
	done
	if [ $survived -eq 0 ]; then
		pass "$name: 20 of 20 trials, nothing outlived a SIGKILLed broker"
	else
		fail "$name: in $survived of 20 trials the worker's processes outlived a SIGKILLed broker"
	fi
}
cp "$FB" "$T/bin/filebroker" # where nobody may run it
# Skipped only where the kernel refuses the namespaces, as --print-sandbox
# says ("pid namespace: no (why)").
ns=$("$T/bin/filebroker" run --print-sandbox --policy "$P" | grep '^pid namespace: no')
if [ -z "$ns" ]; then
	sigkill_trials "SIGKILL of the broker"
else
	echo "SKIP SIGKILL of the broker: $ns"
fi
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
	drop="setpriv --reuid=65534 --regid=65534 --clear-groups"
	# shellcheck disable=SC2086 # $drop is a command and its options
	ns=$($drop "$T/bin/filebroker" run --print-sandbox --policy "$P" |
		grep '^pid namespace: no')
	if [ -z "$ns" ]; then
		# shellcheck disable=SC2086
		sigkill_trials "SIGKILL of a broker that is not root (user namespace)" $drop
	else
		echo "SKIP SIGKILL of a broker that is not root: $ns"
	fi
fi

# An explicit worker that leaves 1,300 orphans (their children list is
# longer than 4 KiB) and exits: run kills them all and ends, with a PID
# namespace and without one.
for mode in "" --no-pid-namespace; do
	# shellcheck disable=SC2086 # $mode is empty or one option
	timeout -k 5 120 "$FB" run --explicit $mode --policy "$P" -- \
		"$T/bin/fbtool-static" orphans 1300 >"$T/orphans.out" 2>&1
	st=$?
	left=$(count "$T/bin/fbtool-static")
	if [ $st -eq 0 ] && [ "$left" -eq 0 ]; then
		pass "1,300 orphans ${mode:-(PID namespace)}: run ends and leaves none"
	else
		fail "1,300 orphans ${mode:-(PID namespace)}: exit $st (124: timeout), $left left"
		tail -n 3 "$T/orphans.out" | sed 's/^/      /'
		reap "$T/bin/fbtool-static"
	fi
done

finish
