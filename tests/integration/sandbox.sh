#!/bin/sh
# The worker sandbox against a hostile worker: tests/helpers/escape enters
# fb_sandbox_enter() and tries every way out it knows (see the comment at the
# top of escape.c).  Each run must end with "escape: N attempts, 0 escapes,
# K not applicable" and exit 0; an attempt is not applicable (and not
# counted) where the machine cannot make its calls even unsandboxed (int
# $0x80 without the kernel's i386 ABI), and each such one is listed as a SKIP
# line with its reason.  As root, the worker switches to nobody; the same program is
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
	if [ "$st" -eq 0 ] &&
		printf '%s\n' "$summary" | grep -Eq '^escape: [0-9]+ attempts, 0 escapes, [0-9]+ not applicable$'; then
		pass "sandbox $name: ${summary#escape: }"
	else
		fail "sandbox $name: exit status $st, ${summary:-no summary}"
		grep -E '^FAIL' "$T/.escape-out" | sed 's/^/      /' | head -n 40
		tail -n 5 "$T/.escape-out" | sed 's/^/      /'
	fi
	[ -n "${forced:-}" ] && return
	grep -E '^(skip|n/a ) (escape|allowed): ' "$T/.escape-out" |
		sed -E "s/^(skip|n\/a ) (escape|allowed): /SKIP sandbox $name: /"
}

# counts NAME: "ATTEMPTS NA" from the summary of the last run.
counts() {
	sed -nE 's/^escape: ([0-9]+) attempts, [0-9]+ escapes, ([0-9]+) not applicable.*/\1 \2/p' \
		"$T/.escape-out" | tail -n 1
}

expect "sandbox describe: user, capabilities, Landlock, seccomp" \
	'landlock:     ABI [0-9]+;' "$E" --describe
expect "sandbox describe: seccomp counts" \
	'^seccomp:      explicit mode: [0-9]+ allowed, 0 notified to the broker, [0-9]+ denied' "$E" --describe
expect "sandbox describe: transparent mode notifies" \
	'^seccomp:      transparent mode: [0-9]+ allowed, [1-9][0-9]* notified' "$E" --describe --transparent
expect "sandbox describe: notable denials" 'seccomp deny:.* io_uring_setup' "$E" --describe

# forced_probe: after an explicit run, the same run on a machine that lacks
# a call, forced (FB_ESCAPE_NATIVE_FAIL makes the i386 probe fault as int
# $0x80 does without the i386 ABI) so that this runs on every machine.  The
# i386 attempts must be reported not applicable, with the reason, and not
# counted; nothing else changes.
forced_probe() {
	# shellcheck disable=SC2046 # two numbers
	set -- $(counts)
	base_attempts=${1:-0} base_na=${2:-0}
	forced=1
	run_escape "explicit, the machine said to lack int \$0x80" env FB_ESCAPE_NATIVE_FAIL=i386 "$E"
	forced=
	# shellcheck disable=SC2046
	set -- $(counts)
	if grep -q '^n/a  escape: i386 int \$0x80 open: not applicable: unsandboxed, int \$0x80 getpid killed by SIGSEGV (forced by FB_ESCAPE_NATIVE_FAIL)' "$T/.escape-out" &&
		grep -q '^n/a  escape: i386 int \$0x80 getuid: not applicable: ' "$T/.escape-out" &&
		[ "$((${1:-0} + ${2:-0}))" -eq "$((base_attempts + base_na))" ] && [ "${2:-0}" -ge 2 ]; then
		pass "sandbox: an attack the machine cannot make is not applicable, not counted (attempts+n/a: $base_attempts+$base_na -> ${1:-?}+${2:-?})"
	else
		fail "sandbox: the forced i386 probe: attempts+n/a $base_attempts+$base_na -> ${1:-?}+${2:-?}"
		grep -E 'i386|^escape:' "$T/.escape-out" | sed 's/^/      /'
	fi
	expect "sandbox: an unknown probe name is an error" 'no probe "nosuch"' \
		env FB_ESCAPE_NATIVE_FAIL=i386,nosuch "$E"
}

if [ "$(id -u)" -eq 0 ]; then
	run_escape "root, worker as nobody, explicit" "$E"
	forced_probe
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
	forced_probe
	run_escape "non-root, transparent" "$E" --transparent
fi

finish
