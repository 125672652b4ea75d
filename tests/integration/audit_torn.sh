#!/bin/sh
# Torn audit records, end to end.  A write(2) is not atomic against SIGKILL
# (the kernel stops between page-sized chunks), and a short write (a full
# disk, a file size limit) leaves part of a record: the next broker to open
# the file ends the torn line with a newline and its open record, which
# says so; a broker whose own write was short writes a torn marker on its
# next write; `filebroker audit` reports every torn line with its place and
# exits 3; and no torn line breaks a hash chain (`audit --verify`).  Brokers killed with -9 under load, run and serve, appending to
# one file; a file size limit (ulimit -f); a full tmpfs; a torn file
# rotated in on SIGHUP.
. tests/integration/lib.sh

command -v python3 >/dev/null 2>&1 ||
	skip_all "audit_torn: python3 is needed to check records with a real JSON parser"
"$T/bin/escape" --probe >/dev/null 2>&1 ||
	skip_all "audit_torn: the kernel lacks seccomp user notification or Landlock"

# Names of 200 bytes that are not UTF-8, 18 deep: each record holds a path
# and its canonical path of 3,600 such bytes, each written as U+FFFD plus
# two hex digits, about 40 KiB in all: ten pages, nine places where a
# SIGKILL can cut the write (about one kill in three does, here).
K=$T/k
i=0
while [ $i -lt 18 ]; do
	K=$K/$(head -c 200 /dev/zero | tr '\0' '\377')
	i=$((i + 1))
done
mkdir -p "$K"
i=0
while [ $i -lt 40 ]; do echo "$i" >"$K/f$i"; i=$((i + 1)); done
chmod -R go+rX "$T"
P=$T/p.policy
printf 'include @runtime\nallow read,exec %s/bin/**\nallow read,list %s/k/**\n' "$T" "$T" >"$P"

# check NAME FILE: every line of FILE is a record or an event, or is
# reported by `filebroker audit` as torn at its place (FILE:LINE); no line
# is unreadable; every record starts its own line (nothing glued after a
# torn line); a torn marker (or the open record of the broker that found
# the file so) follows every torn line but the file's last.  audit must
# exit 3 when a line is torn, 0 otherwise; and the chains must be whole
# (`audit --verify` exits 0): a torn line is no line of a chain, and a
# broker killed leaves a chain without its close record, nothing broken.
check() {
	"$FB" audit --verify "$2" >"$T/verify.out" 2>"$T/verify.err"
	vst=$?
	"$FB" audit "$2" >"$T/check.out" 2>"$T/check.err"
	st=$?
	out=$(python3 - "$2" "$T/check.err" "$st" "$vst" <<'PYEOF'
import json, re, sys
path, err, st, vst = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
reported = {}
for l in open(err, errors="replace"):
    m = re.match(r"filebroker: audit: (.*):(\d+): (torn|unreadable)", l)
    if m and m.group(1) == path:
        reported[int(m.group(2))] = m.group(3)
data = open(path, "rb").read()
lines = data.split(b"\n")
last_whole = data.endswith(b"\n")
if last_whole:
    lines.pop()
bad, torn, markers, recs = [], [], 0, 0
for n, l in enumerate(lines, 1):
    if l.find(b'{"v":', 1) != -1:
        bad.append("line %d: a record glued onto it" % n)
    try:
        r = json.loads(l.decode())
        whole = isinstance(r, dict) and r.get("v") == 2 and (n < len(lines) or last_whole)
    except ValueError:
        whole = False
    try:
        nr = json.loads(lines[n].decode()) if n < len(lines) else {}
    except ValueError:
        nr = {}
    is_marker = isinstance(nr, dict) and (nr.get("event") == "torn" or
                                          (nr.get("event") == "open" and "torn" in nr))
    if whole and "event" in r:
        markers += 1
        continue
    if whole and not is_marker:
        recs += 1
        continue
    # torn: reported as such, and a marker after it unless it is the last
    if reported.get(n) != "torn":
        bad.append("line %d not reported torn: %r" % (n, l[:80]))
    if not is_marker and n != len(lines):
        bad.append("line %d torn without a marker after it" % n)
    torn.append(n)
if recs == 0:
    bad.append("no records at all")
if any(v != "torn" for v in reported.values()):
    bad.append("unreadable lines reported: %r" % reported)
if st != (3 if torn else 0):
    bad.append("audit exited %d with %d torn lines" % (st, len(torn)))
if vst != 0:
    bad.append("audit --verify exited %d: the chains broke" % vst)
print("ok" if not bad else "FAILED", recs, len(torn), markers, bad[:3])
PYEOF
)
	case $out in
	ok*) pass "$1: every line a record or reported torn at its place, the chains whole ($out)" ;;
	*) fail "$1: $out"; head -n 5 "$T/check.err" "$T/verify.err" ;;
	esac
}

# rnd: a pause of 0.01 to 0.3 s.
rnd() { echo "0.$(od -An -N2 -tu2 /dev/urandom | awk '{printf "%02d", 1 + $1 % 30}')"; }

# ---- filebroker run killed with -9 under load, ten times, one file.
A=$T/run.jsonl
r=0
while [ $r -lt 10 ]; do
	r=$((r + 1))
	"$FB" run --policy "$P" --audit "$A" -- "$T/bin/auditcheck" "$K" 40 100000 >/dev/null 2>&1 &
	bp=$!
	sleep "$(rnd)"
	kill -9 $bp 2>/dev/null
	wait $bp 2>/dev/null
done
check "run killed -9 x10" "$A"

# ---- filebroker serve killed with -9 under load, ten times, one file.
if [ "$(id -u)" = 0 ]; then
	S=$T/fb.sock
	SP=$T/serve.policy
	printf 'profile user=root\nallow read,list %s/k/**\n' "$T" >"$SP"
	A=$T/serve.jsonl
	r=0
	while [ $r -lt 10 ]; do
		r=$((r + 1))
		rm -f "$S" "$S.control"
		"$FB" serve --policy "$SP" --socket "$S" --audit "$A" 2>>"$T/serve.log" &
		dp=$!
		w=0
		while [ ! -S "$S" ] && [ $w -lt 600 ]; do sleep 0.05; w=$((w + 1)); done
		for c in 1 2 3; do
			env -u FILEBROKER_FD FILEBROKER_SOCKET="$S" \
				"$T/bin/auditcheck" "$K" 40 100000 >/dev/null 2>&1 &
		done
		sleep "$(rnd)"
		kill -9 $dp 2>/dev/null
		wait $dp 2>/dev/null
		wait
	done
	check "serve killed -9 x10" "$A"
else
	echo "SKIP serve killed -9: needs root"
fi

# ---- What SIGKILL leaves, made on purpose: a record cut after 177 bytes.
# The next broker ends it before its own first record.
A=$T/cut.jsonl
"$FB" run --policy "$P" --audit "$A" -- cat "$K/f1" >/dev/null 2>&1
head -n 1 "$A" | head -c 177 >>"$A"
"$FB" run --policy "$P" --audit "$A" -- cat "$K/f2" >/dev/null 2>&1
check "a record cut after 177 bytes, then a broker" "$A"
expect "the open record says what it found" '"event":"open",.*"after":"[0-9a-f]{64}","torn":177,"chain"' cat "$A"
status "audit: a torn line is exit status 3" 3 "$FB" audit "$A"
n=$(grep -c '"decision":' "$A")
expect "audit: the torn line's place" "^filebroker: audit: $A:[0-9]+: torn: a broker stopped in the middle" \
	"$FB" audit "$A"
expect "audit: counted apart" "^records: $n, 1 torn line \\(first: $A:[0-9]+\\)$" "$FB" audit "$A"

# ---- A file size limit: the broker's write is short (SIGXFSZ ignored, as
# a shell's trap '' leaves it to the broker); it fails closed, and the next
# broker ends the torn line.
A=$T/fsize.jsonl
: >"$A"
(trap '' XFSZ; ulimit -f 8 && exec "$FB" run --policy "$P" --audit "$A" -- \
	sh -c "cat $K/f1 $K/f2 $K/f3 $K/f4") >"$T/fsize.out" 2>&1
expect "ulimit -f: the broker fails closed, loudly" "a record could not be written" cat "$T/fsize.out"
refute "ulimit -f: nothing granted without its record" "^[0-9]+$" cat "$T/fsize.out"
# (8 blocks: 4 KiB in dash, 8 KiB in bash; records of 40 KiB either way)
if [ "$(stat -c %s "$A")" -gt 0 ] && [ "$(tail -c 1 "$A" | od -An -c | tr -d ' ')" != '\n' ]; then
	pass "ulimit -f: the file ends inside a record, at the limit"
else
	fail "ulimit -f: $(stat -c %s "$A") bytes; $(tail -c 50 "$A")"
fi
"$FB" run --policy "$P" --audit "$A" -- cat "$K/f1" >/dev/null 2>&1
check "ulimit -f, then a broker without it" "$A"

# ---- A full file system (a 64 KiB tmpfs, root): ENOSPC in the middle of
# a record; the next broker ends it once there is room.
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	mkdir -p "$T/full"
	unshare -m sh -c "
		mount -t tmpfs -o size=64k,mode=0755 tmpfs '$T/full' || exit 9
		: >'$T/full/audit.jsonl'
		# Room for about 8 KiB of records, then ENOSPC.
		dd if=/dev/zero of='$T/full/filler' bs=4k count=14 2>/dev/null
		'$FB' run --policy '$P' --audit '$T/full/audit.jsonl' -- \
			sh -c 'for i in 1 2 3 4 5 6 7 8; do cat $K/f\$i; done' >'$T/full.out' 2>&1
		echo \"status \$?\" >>'$T/full.out'
		cp '$T/full/audit.jsonl' '$T/full-before.jsonl'
		rm '$T/full/filler'
		'$FB' run --policy '$P' --audit '$T/full/audit.jsonl' -- cat $K/f1 >/dev/null 2>&1
		cp '$T/full/audit.jsonl' '$T/full.jsonl'
	" 2>"$T/full.err"
	if [ -s "$T/full.jsonl" ]; then
		expect "ENOSPC: the broker fails closed" "a record could not be written" cat "$T/full.out"
		if [ "$(tail -c 1 "$T/full-before.jsonl" | od -An -c | tr -d ' ')" != '\n' ]; then
			pass "ENOSPC: the full file ends inside a record"
		else
			fail "ENOSPC: the full file ends with a whole line ($(stat -c %s "$T/full-before.jsonl") bytes)"
		fi
		check "ENOSPC, then a broker with room" "$T/full.jsonl"
	else
		echo "SKIP ENOSPC: cannot mount a tmpfs here: $(cat "$T/full.err")"
	fi
else
	echo "SKIP ENOSPC: needs root and a private mount namespace"
fi

# ---- A torn file rotated in on SIGHUP: ended when it is reopened.
if [ "$(id -u)" = 0 ]; then
	A=$T/rot.jsonl
	rm -f "$S" "$S.control"
	"$FB" serve --policy "$SP" --socket "$S" --audit "$A" 2>>"$T/serve.log" &
	dp=$!
	w=0
	while [ ! -S "$S" ] && [ $w -lt 600 ]; do sleep 0.05; w=$((w + 1)); done
	env -u FILEBROKER_FD FILEBROKER_SOCKET="$S" "$T/bin/auditcheck" "$K" 2 1 >/dev/null 2>&1
	mv "$A" "$A.1"
	head -n 1 "$A.1" | head -c 100 >"$A"
	kill -HUP $dp
	sleep 0.3
	env -u FILEBROKER_FD FILEBROKER_SOCKET="$S" "$T/bin/auditcheck" "$K" 2 1 >/dev/null 2>&1
	kill $dp
	wait $dp 2>/dev/null
	check "a torn file reopened on SIGHUP" "$A"
	expect "SIGHUP: the reopened file's torn line ended" '"event":"open",.*"cause":"reopen",.*"torn":100,"chain"' cat "$A"
	status "SIGHUP: the chain goes on whole through both files" 0 "$FB" audit --verify "$A.1" "$A"
fi

finish
