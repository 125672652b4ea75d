#!/bin/sh
# filebroker run + libfilebroker, end to end: the real binary, real files,
# a real worker (tests/helpers/fbtool) asking through the library.
. tests/integration/lib.sh

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
recs = [json.loads(l) for l in open(sys.argv[1])]
opens = [r for r in recs if r["mode"] == "explicit"]
print(len(opens), opens[0]["decision"], opens[1]["decision"], opens[1]["rule"], opens[1]["errno"], opens[2]["decision"], opens[2]["errno"])
' "$A"
	expect "audit records say how a request came" "transparent [0-9]+ [0-9]+ explicit" \
		python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
t = [r for r in recs if r["mode"] == "transparent"][0]
e = [r for r in recs if r["mode"] == "explicit"][0]
print(t["mode"], t["pid"], t["tid"], e["mode"])
' "$A"
fi
expect "audit to stderr with -" '"op":"open".*"decision":"allow"' \
	"$FB" run --policy "$P" --audit - -- "$T/bin/fbtool" read "$D/a.txt"
status "unwritable audit file: 125" 125 "$FB" run --policy "$P" --audit /nonexistent/dir/a.log -- true
ln -s "$T/elsewhere" "$T/audit-link"
status "audit file behind a symlink refused: 125" 125 "$FB" run --policy "$P" --audit "$T/audit-link" -- true
if [ -w /dev/full ]; then
	# A sink that fails denies: nothing is granted without its record.
	refute "audit sink failure fails closed" "alpha" \
		sh -c "'$FB' run --policy '$P' --audit - -- '$T/bin/fbtool' read '$D/a.txt' 2>/dev/full"
	status "audit sink failure: the worker fails" 127 \
		sh -c "'$FB' run --policy '$P' --audit - -- '$T/bin/fbtool' read '$D/a.txt' 2>/dev/full"
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
start=$(date +%s)
run -- sh -c 'sleep 2 & exit 0' >/dev/null 2>&1
end=$(date +%s)
if [ $((end - start)) -ge 2 ]; then
	pass "the broker serves a child that outlives the worker"
else
	fail "the broker exited before the worker's child ($((end - start)) s)"
fi
if pgrep -x -f "sleep 2" >/dev/null; then
	fail "a background child outlived the broker"
else
	pass "no stray process after the broker exits"
fi

finish
