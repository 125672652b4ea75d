#!/bin/sh
# Session records, end to end (docs/audit.md, "Sessions"): what `filebroker
# run` and each peer of `filebroker serve` write when a session starts and
# ends, the session id every request record carries, rules named by
# absolute path whatever folder the broker started in, the policy's digest
# that `filebroker check --print` gives again, and `filebroker audit`
# listing sessions and showing one with --session.  A file version 1
# writers left (tests/fixtures/audit-v1.jsonl) still reads.
. tests/integration/lib.sh
need_run audit_session.sh
command -v python3 >/dev/null 2>&1 || skip_all "audit_session: python3 checks the records"

D=$T/data
mkdir -p "$D/in" "$T/elsewhere"
echo alpha >"$D/in/a.txt"
echo secret >"$D/in/secret.txt"
chmod -R go+rX "$T"
P=$T/p.policy
cat >"$P" <<EOF
include @runtime
allow read,list $D/in/**
deny read $D/in/secret.txt
allow read,exec /usr/bin/**
allow read,exec $T/bin/**
EOF
A=$T/a.jsonl

# ---- run: one session, its start and end around its requests.  The policy
# is named relative to the folder run starts in.
(cd "$T" && "$FB" run --policy p.policy --audit "$A" -- sh -c "cat '$D/in/a.txt' '$D/in/secret.txt'; exit 3" \
	>/dev/null 2>&1)
# shellcheck disable=SC2016 # python, not shell
check='
import hashlib, json, os, subprocess, sys
fb, log, pol, T, D = sys.argv[1:6]
lines = [json.loads(l) for l in open(log)]
# first and last: the sink open and close records
assert lines[0]["event"] == "open" and lines[-1]["event"] == "close"
lines = lines[1:-1]
start, end = lines[0], lines[-1]
assert start["event"] == "session-start", start
assert end["event"] == "session-end", end
sid = start["session"]
assert len(sid) == 16 and end["session"] == sid
recs = [r for r in lines if "event" not in r]
assert recs and all(r["v"] == 2 and r["session"] == sid for r in recs)
# Rules by absolute path, although the policy was named p.policy.
rules = {r["rule"] for r in recs if r["rule"] and not r["rule"].startswith("@") and r["rule"] != "default"}
assert rules and all(x.startswith(T + "/p.policy:") for x in rules), rules
assert start["policy"] == T + "/p.policy", start["policy"]
out = subprocess.run([fb, "check", "--print", pol], capture_output=True).stdout
text = b"".join(out.splitlines(keepends=True)[1:])
assert start["policy_sha256"] == hashlib.sha256(text).hexdigest(), start["policy_sha256"]
assert start["argv"][0] == "sh" and start["argc"] == 3, start["argv"]
assert start["command"].endswith("/sh") or start["command"].endswith("dash") or start["command"].endswith("bash"), start["command"]
assert start["cwd"] == T and start["mode"] == "transparent" and start["placement"] == "spread"
assert start["invoker_uid"] == os.getuid() and start["uid"] != None and start["pid"] > 0
assert start["version"] and start["broker_pid"] > 0
assert end["cause"] == "exit" and end["exit"] == 3 and end["signal"] is None, end
n = {d: sum(1 for r in recs if r["decision"] == d) for d in ("allow", "deny", "would-deny", "error")}
assert (end["allowed"], end["denied"], end["would_deny"], end["failed"]) == \
    (n["allow"], n["deny"], n["would-deny"], n["error"]), (end, n)
assert end["denied"] >= 1
print("ok", sid)
'
expect "run: session-start first, session-end last, every record in the session" "^ok [0-9a-f]{16}$" \
	python3 -c "$check" "$FB" "$A" "$P" "$T" "$D"
SID=$(sed -n 2p "$A" | python3 -c 'import json, sys; print(json.load(sys.stdin)["session"])')

# The same rule from another folder, named the same.
(cd "$T/elsewhere" && "$FB" run --policy ../p.policy --audit "$T/b.jsonl" -- cat "$D/in/secret.txt" \
	>/dev/null 2>&1)
expect "run from another folder: the deny rule named the same" "^same $T/p.policy:3$" python3 -c '
import json, sys
def rule(f):
    return {r["rule"] for r in map(json.loads, open(f))
            if r.get("decision") == "deny" and r["canon"].endswith("/secret.txt")}
a, b = rule(sys.argv[1]), rule(sys.argv[2])
print("same" if a == b and len(a) == 1 else "differ %r %r" % (a, b), *a)
' "$A" "$T/b.jsonl"

# A worker killed by a signal: its end says which.
"$FB" run --policy "$P" --audit "$T/sig.jsonl" -- sh -c 'kill -TERM $$' >/dev/null 2>&1
expect "run: a worker killed by a signal, said in its session-end" '"cause":"exit","exit":null,"signal":"SIGTERM"' \
	tail -n 2 "$T/sig.jsonl"

# ---- filebroker audit: the sessions, one of them in full.
cat "$A" "$T/sig.jsonl" >"$T/both.jsonl"
expect "audit: sessions listed" "^sessions: 2$" "$FB" audit "$T/both.jsonl"
expect "audit: a session's line: requests, denials, exit, command" \
	"^  $SID  [0-9T:-]+Z +[0-9]+ +[1-9][0-9]* +3  sh -c cat " "$FB" audit "$T/both.jsonl"
expect "audit: the killed one" "  SIGTERM  sh -c kill -TERM" "$FB" audit "$T/both.jsonl"
expect "audit --session: who, what, where, which policy, how it ended" \
	"by: uid $(id -u).*
  command: /.*
  arguments: sh -c cat .*
  folder: $T
  worker: pid [0-9]+, uid .*
  policy: $T/p.policy, sha256 [0-9a-f]{64}
  ended: .*, exit status 3, after [0-9.]+ s: [0-9]+ allowed, 1 denied, 0 would-deny, [0-9]+ failed" \
	"$FB" audit --session "$SID" "$T/both.jsonl"
expect "audit --session: only its records" "^records: [0-9]+ \\([0-9]+ more filtered out\\)" \
	"$FB" audit --session "$SID" "$T/both.jsonl"
expect "audit --session of none: said" "session 0000000000000000: no record of it" \
	"$FB" audit --session 0000000000000000 "$T/both.jsonl"
status "audit --session with a bad id: 2" 2 "$FB" audit --session "not-an-id" "$A"
expect "audit --json: the sessions" "^2 $SID 3$" sh -c "'$FB' audit --json '$T/both.jsonl' | python3 -c '
import json, sys
s = json.load(sys.stdin)[\"sessions\"]
print(s[\"count\"], s[\"list\"][0][\"session\"], s[\"list\"][0][\"exit\"])'"

# ---- A version 1 file still reads: records, no sessions, the torn line.
V1=tests/fixtures/audit-v1.jsonl
expect "version 1 file: its records, none in a session" \
	"^records: 9, 1 torn line \\(first: $V1:9\\)
.*
sessions: 0 \\(9 records without one: written by a version 1 broker\\)" "$FB" audit "$V1"
status "version 1 file: exit 3 for its torn line, as before" 3 "$FB" audit "$V1"
expect "version 1 file: learn reads it" "^allow read +/tmp/fbv1/in/a.txt" "$FB" learn --from "$V1"

# ---- serve: a session per peer, its profile, its requests.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	# shellcheck disable=SC2046 # one number
	set -- $(free_ids 1)
	U=$1
	SP=$T/serve.policy
	printf 'allow stat %s\nprofile user=%s\nallow read,list %s/in/**\n' "$T" "$U" "$D" >"$SP"
	S=$T/fb.sock
	SA=$T/serve.jsonl
	"$FB" serve -v --policy "$SP" --socket "$S" --socket-mode 0666 --control none \
		--audit "$SA" 2>"$T/serve.log" &
	DPID=$!
	i=0
	while ! grep -q "serving" "$T/serve.log" && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	for f in a.txt secret.txt; do
		env -u FILEBROKER_FD FILEBROKER_SOCKET="$S" setpriv --reuid="$U" --regid="$U" \
			--clear-groups -- "$T/bin/fbtool" read "$D/in/$f" >/dev/null 2>&1
	done
	# Both peers gone: their session-end records are written.
	i=0
	while [ "$(grep -c '"session-end"' "$SA" 2>/dev/null)" -lt 2 ] && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	kill -TERM $DPID
	wait $DPID
	expect "serve: a session per peer, its profile and requests" "^ok 2$" python3 -c '
import json, sys
log, U, sp = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lines = [json.loads(l) for l in open(log)]
starts = [r for r in lines if r.get("event") == "session-start"]
ends = {r["session"]: r for r in lines if r.get("event") == "session-end"}
assert len(starts) == 2, starts
for s in starts:
    assert s["mode"] == "daemon" and s["uid"] == U and s["invoker_uid"] == U, s
    assert s["profile"] == sp + ":2" and s["policy"] == sp and len(s["policy_sha256"]) == 64, s
    assert s["argv"] == [] and s["command"] is None and s["placement"] is None, s
    e = ends[s["session"]]
    assert e["cause"] == "disconnect" and e["exit"] is None, e
    recs = [r for r in lines if "event" not in r and r["session"] == s["session"]]
    assert len(recs) == e["allowed"] + e["denied"] + e["failed"] + e["would_deny"] >= 1, (recs, e)
    assert lines.index(s) < min(lines.index(r) for r in recs) and \
        max(lines.index(r) for r in recs) < lines.index(e)
print("ok", len(starts))
' "$SA" "$U" "$SP"
	expect "serve: audit lists the peers" "daemon peer pid [0-9]+ uid $U, profile $SP:2" \
		"$FB" audit "$SA"
else
	echo "SKIP serve sessions: needs root and setpriv"
fi

finish
