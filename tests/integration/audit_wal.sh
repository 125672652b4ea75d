#!/bin/sh
# Write-ahead for changes (docs/audit.md, "Write-ahead"): a broker killed
# with SIGKILL at any moment leaves no change on disk without a record.
#
# A worker (tests/helpers/walworker.c) makes a stream of changes in a
# folder of its own, twelve steps an iteration (create, truncate, chmod,
# utimes, link, rename, symlink, mkdir, mknod of a FIFO, unlink, rmdir,
# unlink), each leaving a mark on disk no other step leaves; the broker is
# killed at a random moment, FB_WAL_KILLS times (30 here, 300 in
# `make soak`), each run appending to one audit file.  Then what is on
# disk says how far each worker got, and every step up to there must have
# a record (its intent at least); every intent without its outcome must be
# the change in flight when the broker died; `filebroker audit` must count
# those as "outcome unknown", `audit --verify` must find the chains whole.
# Then a file size limit makes a record's write fail: a change whose intent
# could not be written is not made, and the worker gets EIO.
. tests/integration/lib.sh

command -v python3 >/dev/null 2>&1 ||
	skip_all "audit_wal: python3 is needed to compare the disk with the records"
need_run "audit_wal"

KILLS=${FB_WAL_KILLS:-30}
A=$T/wal.jsonl
P=$T/wal.policy
mkdir -p "$T/w"
chmod 755 "$T/w"
W=$(cd "$T/w" && pwd -P)
printf 'include @runtime\nallow read,exec %s/bin/**\nallow read,write,create,delete,list,stat %s/** mode=0755\nallow list,stat %s\n' \
	"$T" "$W" "$W" >"$P"
policy_safe "$T"
umask 022

# rnd: a pause of 0.05 to 0.44 s: a run takes some of it to start.
rnd() { echo "0.$(od -An -N2 -tu2 /dev/urandom | awk '{printf "%02d", 5 + $1 % 40}')"; }

# The checks, in Python: what is on disk against the records.
#   walcheck.py kills W A ROUNDS AUDIT_JSON VERIFY_STATUS: every round
#   walcheck.py cut D L: one run whose audit file L was cut in an intent
# Each prints "ok ..." or what is wrong.
cat >"$T/walcheck.py" <<'PYEOF'
import json, os, stat, sys
# (op, first name's kind, second name's kind) of each step, and the names
# present after it (walworker.c).
STEPS = [("open", "f", None), ("truncate", "f", None), ("chmod", "f", None),
         ("utimes", "f", None), ("link", "f", "h"), ("rename", "f", "g"),
         ("symlink", "s", None), ("mkdir", "d", None), ("mknod", "p", None),
         ("unlink", "h", None), ("rmdir", "d", None), ("unlink", "p", None)]
NAMES = ["f", "f", "f", "f", "fh", "gh", "ghs", "ghsd", "ghsdp", "gsdp", "gsp", "gs"]
bad = []

def progress(d):
    """How many steps the worker in d made, from what is on disk."""
    by = {}
    for e in os.listdir(d):
        kind, _, i = e.partition(".")
        if len(kind) != 1 or kind not in "fghsdp" or not i.isdigit():
            bad.append("%s/%s: no name the worker makes" % (d, e))
            continue
        by.setdefault(int(i), set()).add(kind)
    if not by:
        return 0
    last = max(by)
    for j in range(last):
        if by.get(j) != {"g", "s"}:
            bad.append("%s: iteration %d left %s, not g and s" % (d, j, sorted(by.get(j, ()))))
            continue
        st = os.lstat("%s/g.%d" % (d, j))
        if (st.st_size, stat.S_IMODE(st.st_mode), st.st_mtime_ns, st.st_nlink) != \
           (4, 0o640, 10**18, 1):
            bad.append("%s/g.%d: not what the twelve steps leave" % (d, j))
    names = "".join(sorted(by[last], key="fghsdp".index))
    ks = [k for k in range(12) if NAMES[k] == names]
    if not ks:
        bad.append("%s: iteration %d left %s, which no step leaves" % (d, last, names))
        return 0
    k = ks[-1]
    if names == "f":
        st = os.lstat("%s/f.%d" % (d, last))
        k = 3 if st.st_mtime_ns == 10**18 else 2 if stat.S_IMODE(st.st_mode) == 0o640 \
            else 1 if st.st_size == 4 else 0
    return last * 12 + k + 1

def step_key(d, idx):
    i, k = divmod(idx, 12)
    op, a, b = STEPS[k]
    return (op, "%s/%s.%d" % (d, a, i), "%s/%s.%d" % (d, b, i) if b else None)

def step_of(r, d):
    """The step of the worker in d that record r is, or None."""
    c = r.get("canon") or ""
    kind, _, i = c[len(d) + 1:].partition(".")
    if not c.startswith(d + "/") or not i.isdigit():
        return None
    for k in range(12):
        if (r.get("op"), c, r.get("canon2")) == step_key(d, int(i) * 12 + k):
            return int(i) * 12 + k
    return None

def records(path):
    """The request records of the file (torn lines left out), with their line."""
    out = []
    with open(path, "rb") as f:
        for n, line in enumerate(f, 1):
            try:
                r = json.loads(line.decode())
            except ValueError:
                continue
            if "event" not in r:
                out.append((r, n))
    return out

def kills(W, A, rounds, aj, vst):
    recs = records(A)
    have = set((r["op"], r.get("canon"), r.get("canon2")) for r, n in recs)
    done = set((r["session"], r["req"]) for r, n in recs if r.get("phase") == "done")
    last = {}
    for r, n in recs:
        if "phase" in r:
            last[r["session"]] = max(last.get(r["session"], 0), r["req"])
    total, steps = {}, 0
    for rd in range(1, rounds + 1):
        d = "%s/%d" % (W, rd)
        total[d] = progress(d)
        steps += total[d]
        for idx in range(total[d]):
            if step_key(d, idx) not in have:
                bad.append("%s: step %d (%s of %s) is on disk, with no record" %
                           ((d, idx) + step_key(d, idx)[:2]))
                break
    unknown = made = 0
    for r, n in recs:
        d = os.path.dirname(r.get("canon") or "")
        if d not in total or step_of(r, d) is None:
            continue
        idx = step_of(r, d)
        if r.get("phase") == "done" and r["errno"] is None and idx >= total[d]:
            bad.append("line %d: the outcome of a change that is not on disk" % n)
        if r.get("phase") != "intent" or (r["session"], r["req"]) in done:
            continue
        unknown += 1
        if idx not in (total[d] - 1, total[d]):
            bad.append("line %d: an intent without outcome, step %d, where the worker made %d" %
                       (n, idx, total[d]))
        made += idx == total[d] - 1
        if r["req"] != last[r["session"]]:
            bad.append("line %d: an intent without outcome before later changes of its "
                       "session" % n)
    j = json.load(open(aj))
    if j["ahead"]["unknown"] != unknown:
        bad.append("filebroker audit counts %d outcomes unknown, the file has %d" %
                   (j["ahead"]["unknown"], unknown))
    if vst != 0:
        bad.append("audit --verify exited %d: the chains broke" % vst)
    if steps < rounds:
        bad.append("the workers made %d steps in %d rounds: too few to test anything" %
                   (steps, rounds))
    return ("%d steps on disk, each with its record; %d intents without outcome (%d of them "
            "made on disk: a record written after the change would have been lost)" %
            (steps, unknown, made))

def cut(d, path):
    """The file ends in an intent cut short: its change is the step after
    the last outcome, and must not be on disk."""
    recs = records(path)
    outs = [step_of(r, d) for r, n in recs if r.get("phase") == "done"]
    want = max(outs) + 1 if outs else 0
    got = progress(d)
    if got != want:
        bad.append("%d steps on disk, where the last outcome says %d" % (got, want))
    return "step %d (%s) not made, %d before it each with its two records" % \
        (want, step_key(d, want)[0], want)

if sys.argv[1] == "kills":
    msg = kills(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], int(sys.argv[6]))
else:
    msg = cut(sys.argv[2], sys.argv[3])
print("FAILED %d: %s" % (len(bad), "; ".join(bad[:5])) if bad else "ok: " + msg)
PYEOF

r=0
while [ $r -lt "$KILLS" ]; do
	r=$((r + 1))
	mkdir "$W/$r"
	chmod 777 "$W/$r"
	"$FB" run --policy "$P" --audit "$A" -- "$T/bin/walworker" "$W/$r" 2000 \
		>/dev/null 2>>"$T/runs.err" &
	bp=$!
	sleep "$(rnd)"
	kill -9 $bp 2>/dev/null
	wait $bp 2>/dev/null
done
"$FB" audit --json "$A" >"$T/audit.json" 2>"$T/audit.err"
"$FB" audit --verify "$A" >"$T/verify.out" 2>&1
out=$(python3 "$T/walcheck.py" kills "$W" "$A" "$KILLS" "$T/audit.json" $?)
case $out in
ok*) pass "SIGKILL x$KILLS under a stream of changes: $out" ;;
*) fail "SIGKILL x$KILLS: $out"; tail -n 5 "$T/runs.err" "$T/audit.err" ;;
esac
expect "audit: the changes written ahead are counted" \
	"^changes written ahead: [0-9]+ with their outcome, [0-9]+ outcome unknown" "$FB" audit "$A"

# ---- Read back: a change is one request, whether its intent is there or
# not, and an intent without its outcome is shown as such and learned
# once.  One iteration of the worker, then the same file without its
# intents, and without its last outcome.
D=$W/one
mkdir "$D"
chmod 777 "$D"
"$FB" run --policy "$P" --audit "$T/one.jsonl" -- "$T/bin/walworker" "$D" 1 >/dev/null 2>&1
grep -v '"phase":"intent"' "$T/one.jsonl" >"$T/nointent.jsonl"
last=$(grep -n '"phase":"done"' "$T/one.jsonl" | tail -n 1 | cut -d: -f1)
sed "${last}d" "$T/one.jsonl" >"$T/cut.jsonl"
expect "audit: twelve changes, each with its outcome" \
	"^changes written ahead: 12 with their outcome, 0 outcome unknown" "$FB" audit "$T/one.jsonl"
n1=$("$FB" audit "$T/one.jsonl" 2>/dev/null | sed -n 's/^records: \([0-9]*\).*/\1/p')
n2=$("$FB" audit "$T/nointent.jsonl" 2>/dev/null | sed -n 's/^records: \([0-9]*\).*/\1/p')
if [ -n "$n1" ] && [ "$n1" = "$n2" ]; then
	pass "audit: a change counted once ($n1 requests, with or without the intents)"
else
	fail "audit: $n1 requests with the intents, $n2 without"
fi
expect "audit: the intent without its outcome, with its place" \
	"^outcome unknown .*
  $T/cut.jsonl:$last  [0-9TZ:-]+  session [0-9a-f]{16} req [0-9]+ pid [0-9]+  unlink $D/p.0\$" \
	"$FB" audit "$T/cut.jsonl"
expect "audit --json: the same" '"ahead":\{"done":11,"unknown":1,"orphans":0,"list":\[\{"file":' \
	"$FB" audit --json "$T/cut.jsonl"
# learn's rules and their counts, without the date and the records' places
learned() {
	"$FB" learn --exact --from "$1" 2>/dev/null | sed -e 1d -e 's/ (.*:[0-9]*)$//'
}
learned "$T/one.jsonl" >"$T/one.policy"
learned "$T/nointent.jsonl" >"$T/nointent.policy"
learned "$T/cut.jsonl" >"$T/cut.policy"
if grep -q "^allow .*$D/p.0  # 2 uses" "$T/one.policy" &&
	cmp -s "$T/one.policy" "$T/nointent.policy" && cmp -s "$T/one.policy" "$T/cut.policy"; then
	pass "learn: a change used once, its intent or not, its outcome known or not"
else
	fail "learn: the policies differ"
	diff "$T/one.policy" "$T/nointent.policy" | head -n 5
	diff "$T/one.policy" "$T/cut.policy" | head -n 5
fi

# ---- --audit-sync: the intent is on disk before the change begins, an
# fdatasync between the intent's write and the broker's mkdirat; without
# it, none (the check tells the two apart).
if command -v strace >/dev/null 2>&1; then
	for sync in --audit-sync ""; do
		D=$W/sync$sync
		mkdir "$D"
		chmod 777 "$D"
		strace -f -qq -s 4096 -e trace=write,writev,fdatasync,mkdirat -o "$T/sync.strace" \
			"$FB" run $sync --policy "$P" --audit "$T/sync.jsonl" -- "$T/bin/walworker" "$D" 1 \
			>/dev/null 2>&1
		out=$(python3 - "$T/sync.strace" <<'PYEOF'
import re, sys
lines = open(sys.argv[1], errors="replace").read().splitlines()
mk = [i for i, l in enumerate(lines) if re.search(r'mkdirat\(\d+, "d\.0", 000\) += 0', l)]
intent = [i for i, l in enumerate(lines) if 'phase\\":\\"intent' in l and 'op\\":\\"mkdir' in l]
if len(mk) != 1 or not intent or intent[0] > mk[0]:
    print("no intent before the mkdirat: %d mkdirat, intents at %s" % (len(mk), intent[:3]))
else:
    n = sum(1 for l in lines[intent[0]:mk[0]] if re.search(r"fdatasync\(\d+\) += 0", l))
    print("synced" if n else "not synced")
PYEOF
)
		want="not synced"
		[ -n "$sync" ] && want=synced
		if [ "$out" = "$want" ]; then
			pass "${sync:-without --audit-sync}: the mkdir's intent $out before the mkdirat"
		else
			fail "${sync:-without --audit-sync}: $out"
		fi
	done
else
	echo "SKIP --audit-sync before the change: no strace"
fi

# ---- A record that cannot be written: a file size limit cuts the audit
# file in the middle of a record (the broker ignores SIGXFSZ; a shell's
# trap '' leaves it so).  Where that record is a change's intent, the
# change is not made and the worker gets EIO; the broker says why.  Limits
# one block apart cut the stream at different records: tried until one
# cuts an intent.
seen=0
b=11
while [ $b -lt 40 ] && [ $seen -eq 0 ]; do
	b=$((b + 1))
	D=$W/limit$b
	L=$T/limit$b.jsonl
	mkdir "$D"
	chmod 777 "$D"
	(trap '' XFSZ; ulimit -f $b && exec "$FB" run --policy "$P" --audit "$L" -- \
		"$T/bin/walworker" "$D" 1000) >"$T/limit.out" 2>&1
	tail -c 1 "$L" | od -An -c | grep -q '\\n' && continue # cut between records
	tail -n 1 "$L" | grep -q '"phase":"intent"' || continue
	seen=1
	out=$(python3 "$T/walcheck.py" cut "$D" "$L")
	case $out in
	ok*) pass "ulimit -f $b: the intent's write cut short: $out" ;;
	*) fail "ulimit -f $b: $out" ;;
	esac
	expect "ulimit -f: the worker gets EIO for that change" "walworker: iteration [0-9]+, step [0-9]+: Input/output error" \
		cat "$T/limit.out"
	expect "ulimit -f: the broker says why" "a record could not be written; denying every request" \
		cat "$T/limit.out"
done
[ $seen -eq 1 ] || fail "ulimit -f: no limit from 12 to 40 blocks cut an intent"
finish
