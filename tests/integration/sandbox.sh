#!/bin/sh
# The worker sandbox against a hostile worker: tests/helpers/escape enters
# fb_sandbox_enter() and tries every way out it knows (see the comment at the
# top of escape.c).  Each run must end with "escape: N attempts, 0 escapes"
# and exit 0.  As root, the worker switches to nobody; the same program is
# then run as an unprivileged user, so that the no-root path (the worker
# keeps its uid, which is also the parent's) is exercised too.  Both modes
# run: explicit (path syscalls EACCES) and transparent (notified; the parent
# plays a broker that refuses everything).
. tests/integration/lib.sh

E=$T/bin/escape
if [ ! -x "$E" ]; then
	fail "sandbox: $B/tests/helpers/escape is not built"
	finish
fi
if ! why=$("$E" --probe 2>&1); then
	skip_all "sandbox: the kernel lacks what the sandbox needs: $(printf '%s\n' "$why" | tail -n 1)"
fi

# run_escape NAME CMD...: one escape run.
run_escape() {
	name=$1
	shift
	(cd "$T" && timeout 300 "$@") >"$T/.escape-out" 2>&1
	st=$?
	summary=$(grep -E '^escape: [0-9]+ attempts' "$T/.escape-out" | tail -n 1)
	if [ "$st" -eq 0 ] && printf '%s\n' "$summary" | grep -Eq '^escape: [0-9]+ attempts, 0 escapes$'; then
		pass "sandbox $name: ${summary#escape: }"
	else
		fail "sandbox $name: exit status $st, ${summary:-no summary}"
		grep -E '^FAIL' "$T/.escape-out" | sed 's/^/      /' | head -n 40
		tail -n 5 "$T/.escape-out" | sed 's/^/      /'
	fi
	if grep -q '^skip escape:' "$T/.escape-out"; then
		grep '^skip escape:' "$T/.escape-out" | sed "s/^skip escape: /SKIP sandbox $name: /"
	fi
}

expect "sandbox describe: user, capabilities, Landlock, seccomp" \
	'landlock:     ABI [0-9]+;' "$E" --describe
expect "sandbox describe: seccomp counts" \
	'^seccomp:      explicit mode: [0-9]+ allowed, 0 notified to the broker, [0-9]+ denied' "$E" --describe
expect "sandbox describe: transparent mode notifies" \
	'^seccomp:      transparent mode: [0-9]+ allowed, [1-9][0-9]* notified' "$E" --describe --transparent
expect "sandbox describe: notable denials" 'seccomp deny:.* io_uring_setup' "$E" --describe

if [ "$(id -u)" -eq 0 ]; then
	run_escape "root, worker as nobody, explicit" "$E"
	run_escape "root, worker as nobody, transparent" "$E" --transparent
	if command -v setpriv >/dev/null 2>&1; then
		drop="setpriv --reuid=65534 --regid=65534 --clear-groups"
	elif command -v runuser >/dev/null 2>&1; then
		drop="runuser -u nobody --"
	else
		drop=
	fi
	if [ -n "$drop" ]; then
		# shellcheck disable=SC2086 # $drop is a command and its options
		run_escape "non-root (uid 65534, same uid as its broker), explicit" $drop "$E"
		# shellcheck disable=SC2086
		run_escape "non-root (uid 65534, same uid as its broker), transparent" $drop "$E" --transparent
	else
		echo "SKIP sandbox non-root: neither setpriv nor runuser to drop root"
	fi
else
	echo "SKIP sandbox as root: not root (the worker cannot switch users)"
	run_escape "non-root, explicit" "$E"
	run_escape "non-root, transparent" "$E" --transparent
fi

finish
