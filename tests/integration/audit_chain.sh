#!/bin/sh
# Tamper evidence, end to end (docs/audit.md, "Tamper evidence"): the real
# broker writes chained files, `run` and `serve`, keyed or not; the files are
# then tampered with as someone with write access would (sed, head, rm,
# gzip), and `filebroker audit --verify` must name each break at its place
# and exit 3, and say whole (exit 0) of what was not touched: two brokers
# appending to one file, a rotation set as logrotate leaves it (renames,
# SIGHUP, gzip), torn lines.  The daemon's anchors, from its log, are
# checked too.
. tests/integration/lib.sh
need_run audit_chain.sh

D=$T/data
mkdir -p "$D"
i=0
while [ $i -lt 8 ]; do echo "file $i" >"$D/f$i"; i=$((i + 1)); done
echo secret >"$D/secret"
chmod -R go+rX "$T"
P=$T/p.policy
printf 'include @runtime\nallow read,list %s/f*\nallow read,exec %s/bin/**\n' "$D" "$T" >"$P"
run() { "$FB" run --policy "$P" "$@"; }
verify() { "$FB" audit --verify "$@"; }

# ---- A run's file: whole.
A=$T/a.jsonl
run --audit "$A" -- "$T/bin/fbtool" read "$D/f1" :: read "$D/f2" :: read "$D/f3" :: \
	read "$D/secret" >/dev/null 2>&1
status "a run's file verifies whole: exit 0" 0 verify "$A"
expect "... and says so" "^result: whole: every line of every chain is there" verify "$A"
expect "... one chain, closed, its last line's anchor" \
	"^  [0-9a-f]{32}  unkeyed  [0-9]+ lines, seq 0\\.\\.[0-9]+, $A:1 \\.\\. $A:[0-9]+, closed$" verify "$A"
N=$(grep -c '' "$A")

# tamper NAME SED-SCRIPT: a copy of A edited by sed
tamper() {
	sed "$2" "$A" >"$T/$1.jsonl"
	echo "$T/$1.jsonl"
}
# The line of the record of f2, and the one after it.
L=$(grep -n '"canon":"[^"]*/f2"' "$A" | head -n 1 | cut -d: -f1)
F=$(tamper edited "${L}s|/f2\"|/f7\"|")
status "a line edited: exit 3" 3 verify "$F"
expect "a line edited: named, with its place" "^filebroker: audit: $F:$L: edited: its digest is not that of its content" \
	verify "$F"
F=$(tamper removed "${L}d")
expect "a line removed: the gap named where it shows" \
	"^filebroker: audit: $F:$L: missing: 1 line of chain [0-9a-f]{32} missing before this one \\(after seq [0-9]+ at $F:$((L - 1))\\)" \
	verify "$F"
status "a line removed: exit 3" 3 verify "$F"
FORGED='{"v":2,"time":"2026-11-25T14:03:07.123456Z","session":null,"mode":"explicit","pid":1,"tid":0,"uid":0,"gid":0,"op":"open","path":"/x","canon":"/x","access":"read","flags":"O_RDONLY","decision":"allow","rule":"FORGED:1","errno":null,"duration_us":1.000}'
F=$(tamper inserted "${L}a\\
$FORGED")
expect "a line inserted: named" "^filebroker: audit: $F:$((L + 1)): inserted: a line of no chain among chained lines" \
	verify "$F"
F=$(tamper replayed "${L}p")
expect "a line copied: named" "^filebroker: audit: $F:$((L + 1)): reordered: seq [0-9]+ of chain .* moved, copied or replayed" \
	verify "$F"
{ sed -n "$((L + 1))p" "$A"; sed -n "${L}p" "$A"; } >"$T/pair"
sed -e "${L},$((L + 1))d" "$A" | sed "$((L - 1))r $T/pair" >"$T/swapped.jsonl"
expect "two lines swapped: both named" "^filebroker: audit: $T/swapped.jsonl:$((L + 1)): reordered" \
	verify "$T/swapped.jsonl"
status "two lines swapped: exit 3" 3 verify "$T/swapped.jsonl"
# Cut short at the end: only a note (a killed broker leaves the same)...
head -n $((N - 2)) "$A" >"$T/cut.jsonl"
status "cut at the end, whole lines: no break (exit 0)" 0 verify "$T/cut.jsonl"
expect "... said as a note" "note: chain [0-9a-f]{32} ends here \\(seq [0-9]+\\) without its close record" \
	verify "$T/cut.jsonl"
head -c $(($(stat -c %s "$A") - 40)) "$A" >"$T/cut2.jsonl"
expect "cut inside a line: a torn line, a note" "^filebroker: audit: $T/cut2.jsonl:$N: note: torn: the file ends inside this line" \
	verify "$T/cut2.jsonl"
# ... which an anchor of the full file turns into a break.
ANCHOR=$(verify "$A" | sed -n 's/^    last: //p')
expect "an anchor of the whole file is there" "^result: whole" verify --anchor "$ANCHOR" "$A"
status "cut at the end, against the anchor: exit 3" 3 verify --anchor "$ANCHOR" "$T/cut.jsonl"
expect "... named" "anchor: anchor $ANCHOR: chain [0-9a-f]{32} ends at seq [0-9]+, before it: lines were removed from its end" \
	verify --anchor "$ANCHOR" "$T/cut.jsonl"
status "a bad anchor: usage, exit 2" 2 verify --anchor "nonsense" "$A"
# A rewritten chain: every digest made again after the edit (python's
# hashlib, as anyone could): whole, but not against the anchor.
if command -v python3 >/dev/null 2>&1; then
	python3 - "$A" "$T/rewritten.jsonl" "$L" <<'EOF'
import hashlib, re, sys
src, dst, edit = sys.argv[1], sys.argv[2], int(sys.argv[3])
last = {}
out = []
for n, line in enumerate(open(src, "rb").read().split(b"\n")[:-1], 1):
    if n == edit:
        line = line.replace(b'/f2"', b'/f6"')
    m = re.match(rb'(.*,"chain":"([0-9a-f]{32})","seq":\d+),"digest":"[0-9a-f]{64}"}$', line)
    p, chain = m.group(1), m.group(2)
    d = hashlib.sha256(last.get(chain, bytes(32)) + p).digest()
    last[chain] = d
    out.append(p + b',"digest":"' + d.hex().encode() + b'"}')
open(dst, "wb").write(b"\n".join(out) + b"\n")
EOF
	status "a chain rewritten whole: no break without an anchor (unkeyed)" 0 verify "$T/rewritten.jsonl"
	status "... a break with it" 3 verify --anchor "$ANCHOR" "$T/rewritten.jsonl"
fi
# Nothing to prove in a version 1 file.
status "a version 1 file: nothing proved, exit 4" 4 verify tests/fixtures/audit-v1.jsonl

# ---- The key.
K=$T/audit.key
head -c 32 /dev/urandom >"$K"
chmod 644 "$K"
status "a key others may read: refused, 125" 125 run --audit-key "$K" --audit "$T/k.jsonl" -- true
expect "... saying why and what to do" "audit key $K: mode 0644 lets its group and others read it; only its owner may \\(chmod 600 $K\\)" \
	run --audit-key "$K" --audit "$T/k.jsonl" -- true
[ -e "$T/k.jsonl" ] && fail "... and no audit file made" || pass "... and no audit file made"
chmod 600 "$K"
head -c 16 /dev/urandom >"$T/short.key"
chmod 600 "$T/short.key"
expect "a key too short: refused" "16 bytes; a key has 32 to 4096" \
	run --audit-key "$T/short.key" --audit "$T/k.jsonl" -- true
KA=$T/k.jsonl
run --audit-key "$K" --audit "$KA" -- "$T/bin/fbtool" read "$D/f1" >/dev/null 2>&1
expect "keyed: the open record says hmac and names the key" '"event":"open",.*"alg":"hmac-sha256","key_id":"[0-9a-f]{16}"' \
	head -n 1 "$KA"
status "keyed, with the key: whole, exit 0" 0 verify --audit-key "$K" "$KA"
status "keyed, without it: nothing proved, exit 4" 4 verify "$KA"
head -c 32 /dev/urandom >"$T/other.key"
chmod 600 "$T/other.key"
expect "keyed, another key: a break" "^filebroker: audit: $KA:1: key: chain [0-9a-f]{32} was sealed with key [0-9a-f]{16}; the key given is key" \
	verify --audit-key "$T/other.key" "$KA"
status "an unkeyed file, a key given: exit 3" 3 verify --audit-key "$K" "$A"
status "--audit-key without --verify: usage, 2" 2 "$FB" audit --audit-key "$K" "$A"

# ---- Two brokers appending to one file at once: a chain each, whole.
C=$T/concurrent.jsonl
run --audit "$C" -- "$T/bin/fbtool" threads 2 200 "$D/f1" >/dev/null 2>&1 &
b1=$!
run --audit "$C" -- "$T/bin/fbtool" threads 2 200 "$D/f2" >/dev/null 2>&1 &
b2=$!
wait $b1 $b2
status "two brokers, one file: whole" 0 verify "$C"
expect "... two chains" "^chains: 2 \\(0 keyed\\), 0 without a close record$" verify "$C"

# ---- serve, keyed: rotation as logrotate does it (rename, SIGHUP, then the
# older one compressed), the anchors it logs, and a file of the set missing.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && command -v gzip >/dev/null; then
	# shellcheck disable=SC2046 # one number
	set -- $(free_ids 1)
	U=$1
	SP=$T/serve.policy
	printf 'profile user=%s\nallow read,list %s/f*\n' "$U" "$D" >"$SP"
	S=$T/fb.sock
	R=$T/rot
	mkdir -p "$R"
	"$FB" serve --policy "$SP" --socket "$S" --socket-mode 0666 --control none \
		--audit "$R/audit.jsonl" --audit-key "$K" 2>"$T/serve.log" &
	DPID=$!
	i=0
	while [ ! -S "$S" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	peer() {
		env -u FILEBROKER_FD FILEBROKER_SOCKET="$S" setpriv --reuid="$U" --regid="$U" \
			--clear-groups -- "$T/bin/fbtool" read "$D/$1" >/dev/null 2>&1
	}
	# hup N: SIGHUP, then wait for the Nth anchor line
	hup() {
		kill -HUP $DPID
		i=0
		while [ "$(grep -c ': anchor ' "$T/serve.log")" -lt "$1" ] && [ $i -lt 200 ]; do
			sleep 0.05
			i=$((i + 1))
		done
	}
	peer f1
	mv "$R/audit.jsonl" "$R/audit.jsonl.1"
	hup 1
	peer f2
	mv "$R/audit.jsonl.1" "$R/audit.jsonl.2"
	mv "$R/audit.jsonl" "$R/audit.jsonl.1"
	hup 2
	gzip "$R/audit.jsonl.2"
	peer f3
	kill -TERM $DPID
	wait $DPID
	expect "serve: its anchors logged, whatever -v" \
		"^filebroker: audit: $R/audit.jsonl: anchor [0-9a-f]{32}:[0-9]+:[0-9a-f]{64}$" cat "$T/serve.log"
	status "serve: the rotation set, .gz too, in any order: whole" 0 \
		verify --audit-key "$K" "$R/audit.jsonl" "$R/audit.jsonl.2.gz" "$R/audit.jsonl.1"
	expect "serve: one chain through the three files, closed" \
		"^chains: 1 \\(1 keyed\\), 0 without a close record$" \
		verify --audit-key "$K" "$R/audit.jsonl" "$R/audit.jsonl.2.gz" "$R/audit.jsonl.1"
	ANCHORS=$(sed -n 's/.*: anchor //p' "$T/serve.log" | sed 's/^/--anchor /' | tr '\n' ' ')
	# shellcheck disable=SC2086 # one word per anchor and option
	status "serve: every anchor it logged is there" 0 \
		verify --audit-key "$K" $ANCHORS "$R"/audit.jsonl*
	expect "serve: the new file's open record goes on from the old one" \
		'"event":"open",.*"cause":"reopen",.*"alg":"hmac-sha256",.*"prev":"[0-9a-f]{64}"' head -n 1 "$R/audit.jsonl"
	status "serve: a file of the set missing: exit 3" 3 \
		verify --audit-key "$K" "$R/audit.jsonl.2.gz" "$R/audit.jsonl"
	expect "... named where the chain goes on" \
		"^filebroker: audit: $R/audit.jsonl:1: missing: [0-9]+ lines of chain [0-9a-f]{32} missing before this one \\(after seq [0-9]+ at $R/audit.jsonl.2.gz:[0-9]+\\): removed, or in a file of the set not given" \
		verify --audit-key "$K" "$R/audit.jsonl.2.gz" "$R/audit.jsonl"
	# A line of the compressed file edited, the file compressed again.
	gzip -dc "$R/audit.jsonl.2.gz" | sed '3s/"decision":"allow"/"decision":"deny"/' | gzip >"$T/edited.gz"
	expect "serve: a line edited in a .gz: named" "^filebroker: audit: $T/edited.gz:3: edited" \
		verify --audit-key "$K" "$T/edited.gz" "$R/audit.jsonl.1" "$R/audit.jsonl"
	# Rewritten whole without the key: every line fails.
	status "serve: keyed, checked with the wrong key: exit 3" 3 \
		verify --audit-key "$T/other.key" "$R"/audit.jsonl*
else
	echo "SKIP serve rotation: needs root, setpriv and gzip"
fi

finish
