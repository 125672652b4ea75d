#!/bin/sh
# filebroker run + libfilebroker, end to end: the real binary, real files,
# a real worker (tests/helpers/fbtool) asking through the library.
. tests/integration/lib.sh
need_run broker.sh

D=$T/data
O=$T/out
mkdir -p "$D/sub" "$O" "$T/fifos"
echo "alpha" >"$D/a.txt"
echo "bravo" >"$D/sub/b.txt"
echo "TOPSECRET" >"$D/secret.txt"
echo "OUTSIDE" >"$T/outside.txt"
echo "old" >"$O/existing.txt"
ln -s a.txt "$D/link-in"
ln -s ../outside.txt "$D/link-out"
ln -s /etc/shadow "$D/link-abs"
ln -s secret.txt "$D/link-secret"
ln -s sub "$D/link-dir"
ln -s loop1 "$D/loop2"
ln -s loop2 "$D/loop1"
mkfifo "$T/fifo-exact" "$T/fifos/f1"
chmod -R go+rX "$T"

P=$T/test.policy
cat >"$P" <<EOF
# integration test policy
include @runtime
allow read,list $D/**
deny  read $D/secret*
allow read,write,create,delete,list $O/** mode=0640
allow read,write /dev/null
allow read $T/fifo-exact
allow read $T/fifos/*
allow stat $T
allow read,exec $T/bin/**
allow read,exec /usr/bin/sleep
EOF
run() { "$FB" run --policy "$P" "$@"; }
tool() { run -- "$T/bin/fbtool" "$@"; }

# Reads
expect "read allowed" "read $D/a.txt: ok alpha" tool read "$D/a.txt"
expect "read allowed in a subfolder" "ok bravo" tool read "$D/sub/b.txt"
expect "read denied by a deny rule" "read $D/secret.txt: EACCES" tool read "$D/secret.txt"
refute "secret stays secret" "TOPSECRET" tool read "$D/secret.txt"
expect "read outside the policy denied" "EACCES" tool read "$T/outside.txt"
expect "read /etc/shadow denied" "read /etc/shadow: EACCES" tool read /etc/shadow
expect "denial says which rule" "denied open of \"$D/secret.txt\".*test.policy:4" \
	tool read "$D/secret.txt"
expect "missing file inside the tree: ENOENT" "ENOENT" tool read "$D/nope.txt"
expect "missing file outside the tree: EACCES" "EACCES" tool read "/nonexistent/x"

# Symlinks and ..
expect "symlink inside the tree" "ok alpha" tool read "$D/link-in"
expect "symlink out of the tree denied" "EACCES" tool read "$D/link-out"
refute "symlink out leaks nothing" "OUTSIDE" tool read "$D/link-out"
expect "absolute symlink to /etc/shadow denied" "EACCES" tool read "$D/link-abs"
expect "symlink to a denied file denied" "EACCES" tool read "$D/link-secret"
expect "symlinked folder" "ok bravo" tool read "$D/link-dir/b.txt"
expect "symlink loop" "ELOOP|EACCES" tool read "$D/loop1"
expect ".. escape denied" "EACCES" tool read "$D/sub/../../outside.txt"
expect ".. inside the tree" "ok alpha" tool read "$D/sub/../a.txt"
expect ".. through a symlinked folder is physical" "ok alpha" tool read "$D/link-dir/../a.txt"
expect "// and /./ are cleaned" "ok alpha" tool read "$D//./a.txt"
expect "trailing slash on a file" "ENOTDIR" tool read "$D/a.txt/"
expect "/proc/self/fd magic link refused" "EACCES" tool read /proc/self/fd/0
expect "/proc/PID/root refused" "EACCES" tool read "/proc/1/root/etc/passwd"

# Relative paths resolve against the worker's folder
expect "relative path" "ok alpha" sh -c "cd '$D' && '$FB' run --policy '$P' -- '$T/bin/fbtool' read a.txt"
expect "relative .. escape denied" "EACCES" \
	sh -c "cd '$D/sub' && '$FB' run --policy '$P' -- '$T/bin/fbtool' read ../../outside.txt"

# Writes and creation
expect "write allowed" "write $O/existing.txt: ok" tool write "$O/existing.txt" new
expect "write landed" "^new$" cat "$O/existing.txt"
expect "write denied in a read-only tree" "EACCES" tool write "$D/a.txt" x
expect "file unchanged after denied write" "^alpha$" cat "$D/a.txt"
expect "O_TRUNC needs write" "EACCES" tool openflags "$D/a.txt" 512
expect "create allowed" "create $O/new.txt: ok" tool create "$O/new.txt" hello 0666
expect "created file's mode bounded by mode=0640" "^640$" stat -c %a "$O/new.txt"
if [ "$(id -u)" -eq 0 ]; then
	expect "created file belongs to the worker" "^nobody$" stat -c %U "$O/new.txt"
fi
expect "create where exists: EEXIST" "EEXIST" tool create "$O/new.txt" again 0600
expect "create denied in a read-only tree" "EACCES" tool create "$D/new.txt" x 0600
[ -e "$D/new.txt" ] && fail "denied create left a file" || pass "denied create left nothing"
expect "create outside denied" "EACCES" tool create "$T/new.txt" x 0600
expect "O_TMPFILE refused" "EINVAL" tool openflags "$O" $((0x410000 | 2))
expect "O_PATH refused" "EINVAL" tool openflags "$D/a.txt" $((0x200000))
expect "unknown flag refused" "EINVAL" tool openflags "$D/a.txt" $((0x40000000))

# The other operations
expect "stat allowed" "stat $D/a.txt: ok file size=6" tool stat "$D/a.txt"
expect "stat of a hidden path: ENOENT" "stat /etc/shadow: ENOENT" tool stat /etc/shadow
expect "lstat sees the symlink" "lstat $D/link-in: ok symlink" tool lstat "$D/link-in"
expect "stat follows the symlink" "stat $D/link-in: ok file" tool stat "$D/link-in"
expect "stat through a symlink out: ENOENT" "ENOENT" tool stat "$D/link-out"
expect "access r allowed" "access $D/a.txt: ok" tool access "$D/a.txt" r
expect "access w denied" "access $D/a.txt: EACCES" tool access "$D/a.txt" w
expect "access of a hidden path: ENOENT" "ENOENT" tool access /etc/shadow f
expect "readlink" "readlink $D/link-abs: ok /etc/shadow" tool readlink "$D/link-abs"
expect "readlink of a hidden path: ENOENT" "ENOENT" tool readlink /etc/mtab
expect "readlink of a file: EINVAL" "EINVAL" tool readlink "$D/a.txt"
expect "mkdir allowed" "mkdir $O/dir: ok" tool mkdir "$O/dir" 0777
expect "mkdir bounded to 0750" "^750$" stat -c %a "$O/dir"
expect "mkdir denied" "EACCES" tool mkdir "$D/dir" 0755
expect "mkdir existing: EEXIST" "EEXIST" tool mkdir "$O/dir" 0755
expect "rename allowed" "rename $O/new.txt: ok" tool rename "$O/new.txt" "$O/dir/moved.txt"
expect "rename out of the tree denied" "EACCES" tool rename "$O/dir/moved.txt" "$T/stolen.txt"
expect "rename of a read-only file denied" "EACCES" tool rename "$D/a.txt" "$O/a.txt"
expect "unlink allowed" "unlink $O/dir/moved.txt: ok" tool unlink "$O/dir/moved.txt"
expect "unlink denied" "EACCES" tool unlink "$D/a.txt"
[ -e "$D/a.txt" ] && pass "denied unlink left the file" || fail "denied unlink removed the file"
expect "rmdir allowed" "rmdir $O/dir: ok" tool rmdir "$O/dir"
expect "rmdir denied" "EACCES" tool rmdir "$D/sub"
expect "ls allowed" "ls $D: ok a.txt link-abs .*secret.txt sub" tool ls "$D"
expect "ls denied" "EACCES" tool ls "$T"

# Special files
expect "/dev/null by an exact rule" "read /dev/null: ok" tool read /dev/null
expect "FIFO named exactly: opens without stalling the broker" "read $T/fifo-exact: ok" \
	tool read "$T/fifo-exact"
expect "FIFO under a wildcard rule refused" "EACCES" tool read "$T/fifos/f1"

# Descriptors, threads, fork
expect "O_CLOEXEC honoured both ways" "cloexec .*: ok" tool cloexec "$D/a.txt"
expect "16 threads x 200 reads" "threads $D/a.txt: ok" tool threads 16 200 "$D/a.txt"
expect "a forked child keeps asking" "fork $D/a.txt: ok" tool fork "$D/a.txt"
expect "children outliving the worker are served" "ok alpha" \
	run -- sh -c "('$T/bin/fbtool' sleep 300 :: read '$D/a.txt' &) ; exit 0"

# Exit statuses
status "worker's exit status" 3 run -- sh -c 'exit 3'
status "killed by a signal: 128+N" 137 run -- sh -c 'kill -9 $$'
status "command not found: 127" 127 run -- /nonexistent/program
status "command not executable: 126" 126 run -- "$D/a.txt"
status "no command: 125" 125 "$FB" run --policy "$P"
printf 'allow read /x\nallow bogus /y\nallow read relative\n' >"$T/broken.policy"
status "broken policy: 125, nothing run" 125 "$FB" run --policy "$T/broken.policy" -- touch "$T/ran"
[ -e "$T/ran" ] && fail "broken policy still ran the command" || pass "broken policy ran nothing"
expect "broken policy: the first error with its place" "broken.policy:2:[0-9]+: error" \
	"$FB" run --policy "$T/broken.policy" -- true
expect "broken policy: every error, not only the first" "broken.policy:3:[0-9]+: error" \
	"$FB" run --policy "$T/broken.policy" -- true

# Audit records
A=$T/audit.jsonl
"$FB" run --policy "$P" --audit "$A" -- "$T/bin/fbtool" read "$D/a.txt" :: read "$D/secret.txt" \
	:: stat /etc/shadow >/dev/null 2>&1
expect "audit file created 0600" "^600$" stat -c %a "$A"
if command -v python3 >/dev/null; then
	expect "audit records parse and say what happened" "^3 allow deny .*test.policy:4 EACCES deny ENOENT$" \
		python3 -c '
import json, sys
recs = [r for r in map(json.loads, open(sys.argv[1])) if "event" not in r]
opens = [r for r in recs if r["mode"] == "explicit"]
print(len(opens), opens[0]["decision"], opens[1]["decision"], opens[1]["rule"], opens[1]["errno"], opens[2]["decision"], opens[2]["errno"])
' "$A"
	expect "audit records say how a request came" "transparent [0-9]+ [0-9]+ explicit" \
		python3 -c '
import json, sys
recs = [r for r in map(json.loads, open(sys.argv[1])) if "event" not in r]
t = [r for r in recs if r["mode"] == "transparent"][0]
e = [r for r in recs if r["mode"] == "explicit"][0]
print(t["mode"], t["pid"], t["tid"], e["mode"])
' "$A"
fi
expect "audit to a descriptor of its own, /dev/fd/3" '"op":"open".*"decision":"allow"' \
	sh -c "'$FB' run --policy '$P' --audit /dev/fd/3 -- '$T/bin/fbtool' read '$D/a.txt' 3>&1 >/dev/null 2>&1"
status "unwritable audit file: 125" 125 "$FB" run --policy "$P" --audit /nonexistent/dir/a.log -- true
ln -s "$T/elsewhere" "$T/audit-link"
status "audit file behind a symlink refused: 125" 125 "$FB" run --policy "$P" --audit "$T/audit-link" -- true
if [ -w /dev/full ]; then
	# A sink that fails denies: nothing is granted without its record.
	refute "audit sink failure fails closed" "alpha" \
		sh -c "'$FB' run --policy '$P' --audit /dev/fd/3 -- '$T/bin/fbtool' read '$D/a.txt' 3>/dev/full"
	# (it cannot even take the sink's open record: the broker stops
	# before anything runs)
	status "audit sink failure: run fails (125), nothing run" 125 \
		sh -c "'$FB' run --policy '$P' --audit /dev/fd/3 -- '$T/bin/fbtool' read '$D/a.txt' 3>/dev/full"
fi

# Batched opens: fb_openv, many paths in one round trip
out=$(tool openv "$D/a.txt" "$D/secret.txt" "$D/nope.txt" "$D/sub/b.txt" /etc/shadow \
	"$D/link-out" "$D/link-in" 2>&1)
say() { printf '%s\n' "$out"; }
expect "openv: an allowed entry reads its file" "openv\[0\] $D/a.txt: ok alpha" say
expect "openv: a denied entry is EACCES" "openv\[1\] $D/secret.txt: EACCES" say
expect "openv: a missing entry is ENOENT" "openv\[2\] $D/nope.txt: ENOENT" say
expect "openv: the next entry still opens, its own file" "openv\[3\] $D/sub/b.txt: ok bravo" say
expect "openv: an entry outside the policy is EACCES" "openv\[4\] /etc/shadow: EACCES" say
expect "openv: a symlink out of the tree is EACCES" "openv\[5\] $D/link-out: EACCES" say
expect "openv: one result per entry, no descriptor left over" "^openv: 3 of 7 opened$" say
refute "openv: the secret stays secret" "TOPSECRET|OUTSIDE" say
expect "openv: relative paths resolve against the worker's folder" \
	"openv\[0\] a.txt: ok alpha.*openv\[1\] sub/b.txt: ok bravo.*openv\[2\] ../outside.txt: EACCES" \
	sh -c "cd '$D' && '$FB' run --policy '$P' -- '$T/bin/fbtool' openv a.txt sub/b.txt ../outside.txt | tr '\n' ' '"
expect "openv: 64 entries" "openvn $D/a.txt: 64 of 64 opened$" tool openvn 64 "$D/a.txt"
expect "openv: 1000 entries (16 round trips)" "openvn $D/a.txt: 1000 of 1000 opened$" \
	tool openvn 1000 "$D/a.txt"
expect "openv: 300 denied entries, nothing opened" "0 of 300 opened, first error EACCES$" \
	tool openvn 300 "$D/secret.txt"
# 64 paths of ~620 bytes make more than FB_MSG_MAX: the library splits them.
long=$D
i=0
while [ $i -lt 200 ]; do long=$long/.; i=$((i + 1)); done
long=$long/sub/../a.txt
expect "openv: long paths split over several requests" "openvn \(long\): 64 of 64 opened$" \
	tool openvn 64 "$long"
expect "openv in explicit mode (static worker)" "openv\[0\] $D/a.txt: ok alpha" \
	run --explicit -- "$T/bin/fbtool-static" openv "$D/a.txt"

# One audit record per entry, in order, each with its own decision and rule,
# written before the descriptors were sent.
A2=$T/audit-openv.jsonl
"$FB" run --policy "$P" --audit "$A2" -- "$T/bin/fbtool" openv "$D/a.txt" "$D/secret.txt" \
	"$D/nope.txt" "$D/sub/b.txt" >/dev/null 2>&1
if command -v python3 >/dev/null; then
	expect "openv: an audit record per entry" \
		"^4 a.txt:allow:test.policy:3:None secret.txt:deny:test.policy:4:EACCES nope.txt:allow:test.policy:3:ENOENT b.txt:allow:test.policy:3:None$" \
		python3 -c '
import json, os, sys
recs = [r for r in map(json.loads, open(sys.argv[1])) if "event" not in r]
# fbtool openv checks each descriptor against an O_CLOEXEC fb_open of the
# same path: the entries are the plain O_RDONLY opens.
v = [r for r in recs if r["mode"] == "explicit" and r["op"] == "open" and r["flags"] == "O_RDONLY"]
print(len(v), " ".join("%s:%s:%s:%s" % (os.path.basename(r["path"]), r["decision"],
      os.path.basename(r["rule"] or "-"), r["errno"]) for r in v))
' "$A2"
fi

# Daemon mode: the same call over a FILEBROKER_SOCKET connection.
SP=$T/serve.policy
printf 'profile any\nallow read,list %s/**\ndeny read %s/secret*\n' "$D" "$D" >"$SP"
"$FB" serve --policy "$SP" --socket "$T/fb.sock" --socket-mode 0666 2>"$T/serve.log" &
spid=$!
i=0
while [ ! -S "$T/fb.sock" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
expect "openv over a daemon connection" \
	"openv\[0\] $D/a.txt: ok alpha.*openv\[1\] $D/secret.txt: EACCES.*openvn $D/a.txt: 100 of 100" \
	sh -c "env -u FILEBROKER_FD FILEBROKER_SOCKET='$T/fb.sock' '$T/bin/fbtool' openv '$D/a.txt' \
		'$D/secret.txt' :: openvn 100 '$D/a.txt' | tr '\n' ' '"
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null

# Hostile OPENV requests: logged violations, that connection only.
expect "openv with count 0 is a logged protocol violation" \
	"protocol violation: no entries; connection closed" run -- "$T/bin/fbraw" violations "$D/a.txt"
expect "openv with a count above the maximum is a logged protocol violation" \
	"protocol violation: too many entries; connection closed" \
	run -- "$T/bin/fbraw" violations "$D/a.txt"
# Pipelined until the broker's send buffer is full (a few hundred replies):
# 2 entries each keeps the descriptors in flight under a 1024 limit.
expect "pipelined openv: a parked reply keeps its descriptors, every reply in order" \
	"fbraw: 4 checks, 0 failures" run -- "$T/bin/fbraw" floodv 2000 2 "$D/a.txt"
# A worker that never reads: the broker parks a reply with its descriptors,
# and closes them with the connection.  Counted by what they are (the file
# the replies opened), not by the broker's whole table, which holds caches
# (a pidfd per process it has met) whose size depends on timing.
mkfifo "$T/phase"
# held_after N: "parked|unparked COUNT" for a worker that pipelines up to N
# two-entry OPENV requests and exits without reading: COUNT is how many
# descriptors of $D/a.txt the broker still holds once that worker is gone
# (given up to ten seconds on a loaded machine to come down to none).
held_after() {
	"$FB" run --policy "$P" -- sh -c "'$T/bin/fbraw' noreadv $1 2 '$D/a.txt' >/dev/null &&
		echo parked || echo unparked; exec '$T/bin/fbtool' sleep 20000" >"$T/phase" 2>/dev/null &
	bpid=$!
	exec 3<"$T/phase"
	read -r parked <&3
	i=0
	while n=$(for f in /proc/"$bpid"/fd/*; do readlink "$f"; done 2>/dev/null |
		grep -c -x -F "$D/a.txt") && [ "$n" -gt 0 ] && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	kill "$bpid" 2>/dev/null
	exec 3<&-
	wait "$bpid" 2>/dev/null
	echo "$parked $n"
}
parkedrun=$(held_after 2000)
if [ "${parkedrun% *}" != parked ]; then
	fail "openv: noreadv: the broker never parked a reply ($parkedrun)"
elif [ "${parkedrun#* }" -eq 0 ]; then
	pass "openv: parked descriptors closed with the connection"
else
	fail "openv: the broker still holds ${parkedrun#* } descriptors of the parked replies' file"
fi

# Hostile workers
expect "protocol violations close only that connection" "fbraw: [0-9]+ checks, 0 failures" \
	run -- "$T/bin/fbraw" violations "$D/a.txt"
expect "5000 pipelined requests all answered" "fbraw: 1 checks, 0 failures" \
	run -- "$T/bin/fbraw" flood 5000 "$D/a.txt"
status "a worker that never reads its replies" 0 run -- "$T/bin/fbraw" noread 5000 "$D/a.txt"
status "a worker that exits mid-request" 0 run -- "$T/bin/fbraw" midexit "$D/a.txt"
status "a worker killed mid-request" 137 run -- sh -c "'$T/bin/fbtool' threads 8 100000 '$D/a.txt' & sleep 0.3; kill -9 \$!; wait \$!; exit \$?"

# Nothing left behind: a child the worker leaves running is still a worker
# (filtered, brokered); the broker serves it until it ends, then exits.
# The child's sleep is this test's own (2.0PID s), so that no other
# "sleep 2" on the machine is taken for it.
nap=2.0$$
start=$(date +%s)
run -- sh -c "sleep $nap & exit 0" >/dev/null 2>&1
end=$(date +%s)
if [ $((end - start)) -ge 2 ]; then
	pass "the broker serves a child that outlives the worker"
else
	fail "the broker exited before the worker's child ($((end - start)) s)"
fi
if pgrep -x -f "sleep $nap" >/dev/null; then
	fail "a background child outlived the broker"
else
	pass "no stray process after the broker exits"
fi

finish
