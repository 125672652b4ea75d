#!/bin/sh
# The private temporary folder of filebroker run (filebroker(1), --tmp,
# --no-tmp): made per run, the worker's, 0700, in TMPDIR, TMP and TEMP,
# used by real programs with no denial line, and removed when the run ends
# whatever was left there (a symlink to /, a tree deeper than any path, an
# unreadable folder), after SIGTERM and SIGKILL too; other users' files in
# the shared folder stay denied, and a program that names it itself is
# told where the private one is.  And the default policy without --policy:
# shell one-liners work.
. tests/integration/lib.sh

need_run "private_tmp.sh"

W=$T/work
TP=$T/tmp
V=$T/victim
mkdir -p "$W" "$TP" "$V"
chmod 1777 "$TP"
echo keep >"$V/keep"
mkdir "$V/sub"
echo keep >"$V/sub/keep"
printf 'line two\nline one\n' >"$W/notes.txt"
P=$T/shell.policy
printf 'include @runtime\ninclude @shell\ninclude @users\nallow read,list %s/**\nallow read %s\n' \
	"$W" "$T/mess.sh" >"$P"
printf 'include @runtime\ninclude @shell\ninclude @python3\n' >"$T/python.policy"
chmod -R go+rX "$T"
policy_safe "$T"
# What a removal that followed a symlink could remove, as any user.
chmod -R a+rwX "$V"
chmod -t "$V"
if [ "$(id -u)" -eq 0 ]; then WU=nobody; else WU=$(id -un); fi

# count_left: the private folders left in $TP.
count_left() { find "$TP" -maxdepth 1 -name 'filebroker.*' | wc -l; }

# ---- the rules, printed ----
expect "--print-policy shows the @tmp rule" \
	"^allow read,write,create,delete,list $TP/filebroker\\.XXXXXX/\\*\\* mode=0700	# @tmp\$" \
	"$FB" run --tmp "$TP" --print-policy
expect "... which keeps the folder itself" "^deny  delete $TP/filebroker\\.XXXXXX	# @tmp\$" \
	"$FB" run --tmp "$TP" --print-policy
expect "... and says what it is" "^# @tmp: the run's private temporary folder \\(TMPDIR\\)" \
	"$FB" run --tmp "$TP" --print-policy
expect "... with --policy too" "	# @tmp\$" "$FB" run --tmp "$TP" --policy "$P" --print-policy
refute "--no-tmp: no @tmp rule" "@tmp" "$FB" run --no-tmp --print-policy
status "--tmp and --no-tmp together are refused" 125 "$FB" run --tmp "$TP" --no-tmp -- true
expect "--tmp of a missing folder says so" "--tmp $T/missing: No such file" \
	"$FB" run --tmp "$T/missing" -- true
status "... and runs nothing" 125 "$FB" run --tmp "$T/missing" -- true
if [ "$(id -u)" -eq 0 ]; then
	mkdir -p "$T/open"
	chmod 0777 "$T/open"
	expect "as root, --tmp in a folder anyone may write (not sticky) is refused" \
		"--tmp: the folder $T/open is writable by anyone \\(mode 0777\\) and not sticky" \
		"$FB" run --tmp "$T/open" -- true
	chmod 0755 "$T/open"
fi
[ "$(count_left)" -eq 0 ] && pass "printing and refusing make no folder" ||
	fail "printing and refusing made a folder: $(ls "$TP")"

# ---- the folder and the environment ----
out=$(cd "$W" && "$FB" run --tmp "$TP" --policy "$P" -- \
	sh -c 'echo "$TMPDIR|$TMP|$TEMP"; stat -c "%a %U" "$TMPDIR"; touch "$TMPDIR/made" && echo made' 2>"$T/err")
d=${out%%|*}
case $out in
"$TP"/filebroker.??????"|$d|$d
700 $WU
made") pass "TMPDIR, TMP and TEMP name a folder of the worker's, mode 0700, and it writes there" ;;
*) fail "the folder: got '$out'"; sed 's/^/      /' "$T/err" ;;
esac
refute "... with no denial line" "denied" cat "$T/err"
gone() { case $1 in "$TP"/filebroker.??????) [ ! -e "$1" ] ;; *) false ;; esac; }
gone "$d" && pass "the folder is gone after the run" || fail "the folder stays: '$d'"

# The session-start record names it; the policy's digest leaves its rules out.
out=$(cd "$W" && "$FB" run --tmp "$TP" --policy "$P" --audit "$T/s.jsonl" -- sh -c 'echo "$TMPDIR"')
expect "the session-start record names the folder" "^$out\$" python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("event") == "session-start": print(r["tmp"])' "$T/s.jsonl"
want=$("$FB" check --print "$P" | tail -n +2 | sha256sum | cut -d" " -f1)
expect "... and its policy digest is the policy file's (no @tmp rule in it)" "^$want\$" python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("event") == "session-start": print(r["policy_sha256"])' "$T/s.jsonl"
refute "--no-tmp: no tmp in the record" '"tmp"' sh -c "cd '$W' && '$FB' run --no-tmp --policy '$P' \
	--audit '$T/n.jsonl' -- true; grep session-start '$T/n.jsonl'"

# Without --tmp: $TMPDIR's folder, else /tmp.
out=$(cd "$W" && TMPDIR="$TP" "$FB" run --policy "$P" -- sh -c 'echo "$TMPDIR"')
case $out in "$TP"/filebroker.??????) pass "without --tmp, in the broker's \$TMPDIR" ;;
*) fail "without --tmp: TMPDIR=$out" ;; esac
out=$(cd "$W" && TMPDIR="$T/missing" "$FB" run --policy "$P" -- sh -c 'echo "$TMPDIR"')
case $out in /tmp/filebroker.??????) pass "a \$TMPDIR that is no folder: /tmp" ;;
*) fail "TMPDIR missing: $out" ;; esac
expect "--no-tmp leaves TMPDIR as it is" "^/nowhere\$" \
	env TMPDIR=/nowhere "$FB" run --no-tmp --policy "$P" -- sh -c 'echo "$TMPDIR"'

# ---- programs that use it ----
expect "mktemp makes its file there" "^$TP/filebroker\\.[A-Za-z0-9]{6}/tmp\\.[A-Za-z0-9]+ ok\$" \
	"$FB" run --tmp "$TP" --policy "$P" -- sh -c 'f=$(mktemp) && echo "$f ok"'
expect "mktemp -d too" "^dir ok\$" \
	"$FB" run --tmp "$TP" --policy "$P" -- sh -c 'd=$(mktemp -d) && touch "$d/x" && echo dir ok'
expect "sort spills to TMPDIR (-S 64k) with no denial line" "^100000\$" \
	"$FB" run --tmp "$TP" --policy "$P" -- sh -c 'seq 100000 | sort -S 64k -n -r | head -n 1'
expect "sort -T \$TMPDIR" "^100000\$" \
	"$FB" run --tmp "$TP" --policy "$P" -- sh -c 'seq 100000 | sort -S 64k -T "$TMPDIR" -n -r | head -n 1'
if [ -x /usr/bin/python3.11 ]; then
	expect "python3 tempfile: gettempdir() is TMPDIR, mkstemp and mkdtemp work" "^True True True\$" \
		"$FB" run --tmp "$TP" --policy "$T/python.policy" -- /usr/bin/python3 -c '
import os, tempfile
fd, name = tempfile.mkstemp(); os.write(fd, b"x"); os.close(fd)
d = tempfile.mkdtemp()
with tempfile.TemporaryFile() as f: f.write(b"y")
print(tempfile.gettempdir() == os.environ["TMPDIR"], os.path.exists(name), os.path.isdir(d))'
else
	echo "SKIP python3 tempfile: no /usr/bin/python3.11"
fi
if command -v clamscan >/dev/null 2>&1; then
	S=$T/spool
	mkdir -p "$S/in/deeper"
	printf 'X5O!P%%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' >"$S/in/deeper/eicar.com"
	echo clean >"$S/in/clean.txt"
	(cd "$S/in/deeper" && tar czf "$S/in/archive.tar.gz" eicar.com)
	printf '%s:%s:Test-Eicar\n' "$(md5sum <"$S/in/deeper/eicar.com" | cut -d' ' -f1)" \
		"$(wc -c <"$S/in/deeper/eicar.com")" >"$T/sig.hdb"
	chmod -R go+rX "$S" "$T/sig.hdb"
	printf 'include @runtime\ninclude @tls\nallow read,list %s/**\nallow read %s\n' "$S" "$T/sig.hdb" \
		>"$T/clam.policy"
	policy_safe "$T"
	"$FB" run --tmp "$TP" --policy "$T/clam.policy" -- clamscan --no-summary -d "$T/sig.hdb" -r "$S" \
		>"$T/clam.out" 2>"$T/clam.err"
	st=$?
	n=$(grep -c 'Test-Eicar.UNOFFICIAL FOUND' "$T/clam.out")
	if [ $st -eq 1 ] && [ "$n" -eq 2 ] && ! grep -q denied "$T/clam.err"; then
		pass "clamscan finds EICAR in a nested folder and in an archive (its temporary files), no denial line"
	else
		fail "clamscan: exit $st, $n found"
		sed 's/^/      /' "$T/clam.out" "$T/clam.err" | head -n 20
	fi
else
	echo "SKIP clamscan: not installed"
fi

# Explicit mode: the worker asks for files there through libfilebroker.
expect "explicit mode: a static worker makes, reads and lists its files there" \
	"^create .*/filebroker\.[A-Za-z0-9]{6}/x: ok
read .*/x: ok hello
ls .*/filebroker\.[A-Za-z0-9]{6}: ok x\$" \
	"$FB" run --explicit --tmp "$TP" --policy "$P" -- "$T/bin/fbtool-static" \
	create '$TMPDIR/x' hello 600 :: read '$TMPDIR/x' :: ls '$TMPDIR'

# ---- whatever the worker leaves is removed, and nothing outside ----
cat >"$T/mess.sh" <<EOF
cd "\$TMPDIR" || exit 1
echo "\$TMPDIR"
ln -s / root
ln -s "$V" victim
ln -s "$V/keep" keep
mkdir d && cd d || exit 1
i=0
while [ \$i -lt 150 ]; do mkdir x && cd x || exit 1; i=\$((i + 1)); done
echo deep >f
cd "\$TMPDIR" || exit 1
# deeper than any path the worker could name: the chain under itself
mkdir -p e/x/x/x && mv d e/x/x/x/ || exit 1
mkdir locked && echo a >locked/f && chmod 000 locked || exit 1
mkdir ro && echo b >ro/f && chmod 500 ro || exit 1
echo left
EOF
chmod go+r "$T/mess.sh"
out=$(cd "$W" && "$FB" run --tmp "$TP" --policy "$P" -- sh "$T/mess.sh" 2>"$T/err")
d=$(printf '%s\n' "$out" | head -n 1)
case $out in *left) pass "the worker leaves a symlink to /, a 150-level tree moved deeper, folders it locked" ;;
*) fail "the mess: $out"; sed 's/^/      /' "$T/err" | head ;; esac
gone "$d" && pass "... all removed" || fail "... left: $(ls -la "$d" 2>&1 | head)"
[ "$(cat "$V/keep" "$V/sub/keep" 2>/dev/null)" = "keep
keep" ] && [ -d /usr/bin ] && pass "... and nothing a symlink named (in a folder anyone may write)" ||
	fail "the removal went through a symlink"

# A mount inside (a bind mount of the world-writable victim folder, which a
# walk that crossed it would empty) is not entered: it stays, and is said.
if [ "$(id -u)" -eq 0 ] && mount --bind "$V" "$V" 2>/dev/null && umount "$V"; then
	(cd "$W" && exec "$FB" run --tmp "$TP" --policy "$P" -- sh -c \
		'mkdir "$TMPDIR/m" && echo "$TMPDIR" && i=0 &&
		while [ ! -e "$TMPDIR/m/keep" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done') \
		>"$T/mnt.out" 2>"$T/mnt.err" &
	bp=$!
	i=0
	while [ ! -d "$(head -n 1 "$T/mnt.out" 2>/dev/null)/m" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	d=$(head -n 1 "$T/mnt.out")
	case $d in "$TP"/filebroker.??????) mount --bind "$V" "$d/m" ;; *) d=$T/nothing ;; esac
	wait $bp
	if [ "$(cat "$V/keep" "$V/sub/keep" 2>/dev/null)" = "keep
keep" ] && [ -d "$d/m" ] && grep -q "is not removed entirely.*a mount point" "$T/mnt.err"; then
		pass "a mount in the folder is not entered: it stays, and run says so"
	else
		fail "a mount in the folder:"
		sed 's/^/      /' "$T/mnt.err"
	fi
	umount "$d/m" 2>/dev/null
	rm -rf "$d"
else
	echo "SKIP a mount in the folder: needs root and mount --bind"
fi

# The broker ends on SIGTERM (passed to the worker), or dies of SIGKILL:
# the folder goes either way (the keeper sees the broker's end).
for sig in TERM KILL; do
	(cd "$W" && exec "$FB" run --tmp "$TP" --policy "$P" -- \
		sh -c 'echo "$TMPDIR"; mkdir -p "$TMPDIR/a/b" && ln -s / "$TMPDIR/a/root"; exec sleep 60') \
		>"$T/sig.out" 2>"$T/sig.err" &
	bp=$!
	i=0
	while [ ! -d "$(head -n 1 "$T/sig.out" 2>/dev/null)/a/b" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	d=$(head -n 1 "$T/sig.out")
	kill -$sig $bp
	wait $bp 2>/dev/null
	i=0
	while [ -e "$d" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	gone "$d" && pass "SIG$sig to the broker: the folder is removed" ||
		fail "SIG$sig to the broker: '$d' stays"
	pkill -KILL -f "^sleep 60$" 2>/dev/null
done
[ "$(count_left)" -eq 0 ] && pass "no folder left in the parent" || fail "left: $(ls "$TP")"

# ---- the shared folder stays shared ----
o=$(mktemp "$TP/other.XXXXXX")
echo "someone else's" >"$o"
chmod 600 "$o"
[ "$(id -u)" -eq 0 ] && chown 65533 "$o" 2>/dev/null
refute "another user's file in the shared folder stays unreadable" "someone else's" \
	sh -c "cd '$W' && '$FB' run --tmp '$TP' --policy '$P' -- cat '$o'"
expect "... and is not changed" "Permission denied" \
	sh -c "cd '$W' && '$FB' run --tmp '$TP' --policy '$P' -- sh -c 'echo x >>$o'"
[ "$(cat "$o")" = "someone else's" ] && pass "... it is as it was" || fail "$o changed"
expect "a program that names the shared folder is told where the private one is" \
	"$TP/hard: denied; this run's temporary folder is $TP/filebroker\\.[A-Za-z0-9]{6} \\(private" \
	sh -c "cd '$W' && '$FB' run --tmp '$TP' --policy '$P' -- sh -c 'echo x >$TP/hard; echo y >$TP/hard2'"
expect "... once a run" "^1\$" sh -c "cd '$W' && '$FB' run --tmp '$TP' --policy '$P' -- \
	sh -c 'echo x >$TP/hard; echo y >$TP/hard2' 2>&1 | grep -c \"this run's temporary folder\""
refute "... not for a read, or deeper" "this run's temporary folder" sh -c "cd '$W' && \
	'$FB' run --tmp '$TP' --policy '$P' -- sh -c 'cat $o; echo x >$V/new'"
refute "... nor without a private folder" "this run's temporary folder" \
	sh -c "cd '$W' && '$FB' run --no-tmp --policy '$P' -- sh -c 'echo x >$TP/hard'"

# ---- learn: the private folder needs no rule ----
(cd "$W" && "$FB" learn --base "$P" -- sh -c 'f=$(mktemp) && echo hi >"$f" && cat "$f" && mkdir -p "$TMPDIR/a/b"') \
	>"$T/learned.policy" 2>"$T/learn.err"
if grep -q '^hi$' "$T/learn.err" && ! grep -q 'filebroker\.' "$T/learned.policy"; then
	pass "learn writes no rule for what the run did in its private folder"
else
	fail "learn and the private folder:"
	sed 's/^/      /' "$T/learned.policy" "$T/learn.err" | head -n 20
fi

# ---- without root: the caller's own folder ----
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
	set -- $(free_ids 1)
	U=$1
	cp "$FB" "$T/bin/filebroker"
	out=$(cd "$W" && setpriv --reuid="$U" --regid="$U" --clear-groups -- "$T/bin/filebroker" run \
		--tmp "$TP" --policy "$P" -- sh -c 'echo "$TMPDIR"; stat -c "%a %u" "$TMPDIR"; mkdir "$TMPDIR/x"' \
		2>"$T/err")
	d=$(printf '%s\n' "$out" | head -n 1)
	case $out in
	"$TP"/filebroker.*"700 $U"*) pass "an unprivileged broker's folder is its caller's, 0700" ;;
	*) fail "unprivileged: $out"; sed 's/^/      /' "$T/err" ;;
	esac
	case $d in "$TP"/filebroker.??????) [ ! -e "$d" ] ;; *) false ;; esac &&
		pass "... and is removed" || fail "unprivileged: '$d' stays"
fi

# ---- the default policy: shell one-liners ----
ls / >"$T/want"
(cd "$W" && "$FB" run -- sh -c 'ls /') >"$T/got" 2>"$T/err"
st=$?
if [ $st -eq 0 ] && cmp -s "$T/want" "$T/got" && ! grep -q denied "$T/err"; then
	pass "default policy: sh -c 'ls /' lists / as unsandboxed, no denial line"
else
	fail "default policy: sh -c 'ls /': exit $st"
	diff "$T/want" "$T/got" | sed 's/^/      /' | head -n 5
	sed 's/^/      /' "$T/err" | head -n 5
fi
expect "default policy: a pipeline over the current folder's files" "^line one\$" \
	sh -c "cd '$W' && '$FB' run -- sh -c 'ls; cat notes.txt | sort | head -n 1' 2>&1 | tail -n 1"
expect "default policy: ls -l names owners (@users)" "notes.txt" \
	sh -c "cd '$W' && '$FB' run -- ls -l 2>&1"
refute "... with no denial line" "denied" sh -c "cd '$W' && '$FB' run -- ls -l"
expect "default policy: the private folder for what a one-liner writes" "^2\$" \
	sh -c "cd '$W' && '$FB' run -- sh -c 'wc -l <notes.txt >\"\$TMPDIR/n\"; cat \"\$TMPDIR/n\"'"
expect "default policy: nothing else is written" "Permission denied" \
	sh -c "cd '$W' && '$FB' run -- sh -c 'echo x >new.txt'"
expect "default policy from /: its tree is not granted, and it says so" \
	"the current folder is /: the default policy does not grant its tree" \
	sh -c "cd / && '$FB' run --print-policy"
refute "... not in the policy" "^allow read,list /\\*\\*" sh -c "cd / && '$FB' run --print-policy 2>/dev/null"

finish
