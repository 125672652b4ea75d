#!/bin/sh
# Who asked (issue 17, escape 1; issue 19, item 1): every request is the
# request of the process that sent it, as the kernel says
# (SCM_CREDENTIALS), never of the process that connected or made the
# channel.  /proc/self is that process, and a /proc/PID object is handed
# out only to PID itself while it still has the session's credentials and
# is dumpable: a connection kept by a process that became a set-user-ID
# program never reads that program (tests/helpers/fbident.c, fbsuid.c).
# In the daemon and in `run --explicit`, which serve requests the same way.
. tests/integration/lib.sh

[ "$(id -u)" = 0 ] || skip_all "ident.sh needs root (the daemon serves another user)"
command -v setpriv >/dev/null || skip_all "ident.sh needs setpriv (util-linux)"
command -v python3 >/dev/null || skip_all "ident.sh needs python3 (to read the records)"

# Any uid: a number, whether or not the machine names it.
U=4242
S=$T/fb.sock
P=$T/ident.policy
A=$T/audit.jsonl
LOG=$T/serve.log
cat >"$P" <<EOF
profile any
allow read /proc/self/**
allow read /proc/**
EOF
# The set-user-ID stand-in, root's, in a folder the user may enter.
chown root:root "$T/bin/fbsuid" && chmod 4755 "$T/bin/fbsuid"

as_u() { env -u FILEBROKER_FD FILEBROKER_SOCKET="$S" setpriv --reuid=$U --regid=$U --clear-groups -- "$@"; }

"$FB" serve -v --policy "$P" --socket "$S" --socket-mode 0666 --audit "$A" 2>"$LOG" &
DPID=$!
trap 'kill $DPID 2>/dev/null; rm -rf "$T"' EXIT
i=0
while ! grep -q "serving " "$LOG" 2>/dev/null && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done

# same_pid FILE: every "WHAT PID: Pid N" line has N = PID; prints how many.
same_pid() {
	awk '/: Pid / { n++; p = $2; sub(":", "", p); if ($4 != p) { print "wrong: " $0; bad = 1 } }
		END { if (!bad) print n " same" }' "$1"
}
# records PID...: the decision and rule of each record of /proc/self/status
# whose pid is PID, in order: the pid as the asker knows itself, its
# number in run's PID namespace ("nspid") where it has one.
records() {
	python3 -c '
import json, sys
want = set(int(p) for p in sys.argv[2:])
for l in open(sys.argv[1]):
    r = json.loads(l)
    if "event" in r:
        continue
    pid = r.get("nspid", r["pid"])
    if pid in want:
        print(pid, r["uid"], r["path"], r["decision"], r["rule"])' "$A" "$@"
}

# ident CMD N NAME: fbident CMD as the user; its N asks each got its own
# /proc/self.
ident() {
	as_u "$T/bin/fbident" "$1" >"$T/$1" 2>&1
	expect "$3" "^$2 same$" same_pid "$T/$1"
}
# pid_of FILE WHAT: the pid of the line "WHAT PID: ..." in FILE.
pid_of() { sed -n "s/^$2 \([0-9]*\):.*/\1/p" "$1"; }

# ---- the daemon ---------------------------------------------------------
ident self 1 "daemon: /proc/self is the asker"
ident fork 2 "daemon: a forked child's /proc/self is the child's, and so is its record"
CH=$(pid_of "$T/fork" child)
PA=$(pid_of "$T/fork" parent)
expect "daemon: the child's request is recorded as the child's" \
	"^$CH $U /proc/self/status allow $P:2$" records "$CH"
expect "daemon: the parent's as the parent's" "^$PA $U /proc/self/status allow $P:2$" \
	records "$PA"
ident thread 1 "daemon: a thread asks as its process"
ident pass 2 "daemon: a channel passed to another process asks as that process"
PS=$(pid_of "$T/pass" pass)
expect "daemon: and is recorded as that process" "^$PS $U /proc/self/status allow" records "$PS"

# A connection kept by a child while its maker becomes a set-user-ID
# program: the program's /proc is never served, neither to the child nor
# to what the program itself writes to the connection.
if [ "$(as_u "$T/bin/fbsuid" check)" != "euid 0" ]; then
	echo "SKIP set-user-ID: $T is on a file system mounted nosuid"
else
	as_u "$T/bin/fbident" suid "$T/bin/fbsuid" >"$T/suid" 2>&1
	SP=$(pid_of "$T/suid" suid-written)
	SC=$(pid_of "$T/suid" suid)
	expect "daemon: the child that kept the connection gets its own /proc/self" "^1 same$" \
		same_pid "$T/suid"
	expect "daemon: not the set-user-ID program's /proc/PID" "^suid-other $SC $SP: EACCES$" \
		cat "$T/suid"
	expect "daemon: nor its /proc/self when it writes a request itself" \
		"^suid-written $SP: EACCES$" cat "$T/suid"
	expect "daemon: recorded as the program that wrote it, refused by @proc" \
		"^$SP $U /proc/self/environ deny @proc$" records "$SP"
	expect "daemon: the child's ask for it recorded as the child's, refused by @proc" \
		"^$SC $U /proc/$SP/status deny @proc$" records "$SC"
fi
kill -TERM $DPID
wait $DPID

# ---- run --explicit: the same serving path --------------------------------
cat >"$T/run.policy" <<EOF
include @runtime
allow read /proc/self/**
allow read,exec $T/bin/**
EOF
RA=$T/run.jsonl
"$FB" run --explicit --policy "$T/run.policy" --audit "$RA" -- "$T/bin/fbident-static" fork \
	>"$T/rfork" 2>&1
expect "run --explicit: a forked child's /proc/self is the child's" "^2 same$" same_pid "$T/rfork"
CH=$(pid_of "$T/rfork" child)
A=$RA
expect "run --explicit: the child's request is recorded as the child's" \
	"^$CH [0-9]+ /proc/self/status allow" records "$CH"

finish
