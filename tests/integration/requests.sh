#!/bin/sh
# The broker's request handling against a hostile worker, in every mode it
# has: `filebroker run` transparent (plain system calls) and explicit
# (libfilebroker), and `filebroker serve` with a peer of each kind
# (tests/helpers/fbcalls.c).  Each part is an attack that works without
# the broker's rule and must fail with it.
. tests/integration/lib.sh

if ! "$T/bin/escape" --probe >/dev/null 2>&1; then
	skip_all "requests: the kernel lacks seccomp user notification or Landlock"
fi
[ "$(id -u)" = 0 ] || skip_all "requests: needs root (a daemon for workers of another uid)"
command -v setpriv >/dev/null || skip_all "requests: needs setpriv (util-linux)"

W=$T/w
O=$W/out
mkdir -p "$O" "$T/run"
P=$T/p.policy
S=$T/run/fb.sock
LOG=$T/serve.log
# The worker's uid in the daemon: a number, no account needed.
PEER=4242

# policy RULES...: the policy for run and the daemon (common rules, one
# profile for everyone).
policy() {
	{
		echo "include @runtime"
		echo "allow stat $T"
		echo "allow read,exec $T/bin/**"
		for r in "$@"; do echo "$r"; done
		echo "profile any"
	} >"$P"
}

DPID=
start_daemon() {
	: >"$LOG"
	"$FB" serve -v --policy "$P" --socket "$S" --socket-mode 0666 "$@" 2>>"$LOG" &
	DPID=$!
	i=0
	while ! grep -q "serving .* on $S" "$LOG" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 100 ] && { fail "daemon did not start"; cat "$LOG"; finish; }
		sleep 0.05
	done
}
stop_daemon() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	DPID=
}
trap 'stop_daemon; rm -rf "$T"' EXIT

# The four ways a worker asks: run transparent (system calls), run
# explicit (libfilebroker), daemon transparent, daemon explicit (as uid
# PEER).
C=$T/bin/fbcalls
rt() { "$FB" run --policy "$P" -- "$C" "$@"; }
rx() { "$FB" run --policy "$P" -- "$C" -l "$@"; }
dt() { env FILEBROKER_SOCKET="$S" "$C" -d "$@"; }
dx() {
	env FILEBROKER_SOCKET="$S" setpriv --reuid=$PEER --regid=$PEER --clear-groups -- \
		"$C" -d -l "$@"
}
MODES="rt rx dt dx"

# ---- rename carries nothing out from under a rule ("@rename") ----------------
policy "allow read,write,create,delete,list $O/**" "deny read $O/**/*.key" \
	"deny read,list $O/private/**"
chmod -R go+rwX "$W"
start_daemon
for m in $MODES; do
	rm -rf "$O"/*
	mkdir -p "$O/private/sub"
	echo "TOPSECRET-$m" >"$O/secret.key"
	echo "TOPSECRET-$m" >"$O/private/sub/s.txt"
	echo "plain" >"$O/a.txt"
	chmod -R go+rwX "$O"
	expect "$m: a file renamed from under deny read: refused" "rename $O/secret.key: EACCES" \
		$m rename "$O/secret.key" "$O/stolen.txt"
	refute "$m: ... and its content stays unread" "TOPSECRET" $m read "$O/stolen.txt"
	expect "$m: a folder renamed from under deny read,list: refused" \
		"rename $O/private: EACCES" $m rename "$O/private" "$O/public"
	refute "$m: ... and what is below it stays unread" "TOPSECRET" \
		$m read "$O/public/sub/s.txt"
	expect "$m: a folder below a denied folder moved out: refused" "rename $O/private/sub: EACCES" \
		$m rename "$O/private/sub" "$O/sub2"
	expect "$m: a rename inside one rule's tree: allowed" "rename $O/a.txt: ok" \
		$m rename "$O/a.txt" "$O/b.txt"
	expect "$m: into a denied name: allowed (nothing more is granted)" \
		"rename $O/b.txt: ok" $m rename "$O/b.txt" "$O/b.key"
	case $m in rt | dt)
		echo "plain" >"$O/x.txt"
		chmod go+rw "$O/x.txt"
		expect "$m: RENAME_EXCHANGE of a denied file with another: refused" \
			"exchange $O/x.txt: EACCES" $m exchange "$O/x.txt" "$O/secret.key"
		expect "$m: RENAME_EXCHANGE the other way: refused" "exchange $O/secret.key: EACCES" \
			$m exchange "$O/secret.key" "$O/x.txt"
		refute "$m: ... and the secret stays unread" "TOPSECRET" $m read "$O/x.txt"
		;;
	esac
done
"$FB" run --policy "$P" --audit "$T/rename.jsonl" -- "$C" rename "$O/secret.key" "$O/s.txt" \
	>/dev/null 2>&1
expect "the refusal is recorded with its rule" \
	"\"op\":\"rename\".*\"decision\":\"deny\",\"rule\":\"@rename\"" cat "$T/rename.jsonl"
"$FB" run --policy "$P" --complain --audit "$T/rename-c.jsonl" -- "$C" rename "$O/secret.key" \
	"$O/s.txt" >"$T/c.out" 2>&1
expect "complain mode does not lift @rename" "rename $O/secret.key: EACCES" cat "$T/c.out"
stop_daemon

# ---- a hidden path's errno says nothing about it -------------------------------
# Every call of fbcalls' table on a hidden link, folder, file, missing name
# and dangling link, and on the same reached through links in the worker's
# own tree: the worker gets one errno per call whatever is there.
H=$T/hidden
rm -rf "$O"/* "$H"
mkdir -p "$H/dir" "$O/via"
echo "x" >"$H/file"
ln -s file "$H/link"
ln -s /nonexistent "$H/dangling"
for x in link dir file missing dangling; do ln -s "$H/$x" "$O/via/$x"; done
chmod -R go+rwX "$O"
policy "allow read,write,create,delete,list $O/**"
start_daemon
for m in $MODES; do
	expect "$m: hidden link, folder, file, missing, dangling: one errno per call" \
		"^same: [0-9]+ calls, 0 differ" $m same "$O" "$H/link" "$H/dir" "$H/file" "$H/missing" \
		"$H/dangling"
	expect "$m: the same through links out of the worker's tree" "^same: [0-9]+ calls, 0 differ" \
		$m same "$O" "$O/via/link/x" "$O/via/dir/x" "$O/via/file/x" "$O/via/missing/x" \
		"$O/via/dangling/x"
done
stop_daemon

finish
