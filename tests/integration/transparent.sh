#!/bin/sh
# Transparent mode: real, unmodified programs under `filebroker run`, every
# file access decided by the broker.  Each case asserts both what the
# program produced and what it was denied.
. tests/integration/lib.sh
need_run transparent.sh

W=$T/work
IN=$W/in
OUT=$W/out
mkdir -p "$IN/a/b" "$IN/c" "$OUT" "$W/hidden"
i=0
while [ $i -lt 50 ]; do
	echo "line $i needle" >"$IN/a/f$i.txt"
	echo "other $i" >"$IN/c/g$i.txt"
	i=$((i + 1))
done
echo "deep needle" >"$IN/a/b/deep.txt"
echo "TOPSECRET" >"$W/secret.txt"
echo "TOPSECRET" >"$IN/private.key"
ln -s ../secret.txt "$IN/escape-link"
ln -s f1.txt "$IN/a/link-to-f1"
printf '#!/bin/sh\necho script-ran\ncat "$1"\n' >"$T/bin/script.sh"
chmod 755 "$T/bin/script.sh"
chmod -R go+rX "$T"

# The folders the worker's python3 (/usr/bin/python3) imports from, as it
# says: their names carry its version, and a site folder may be elsewhere.
PYRULES=
if [ -x /usr/bin/python3 ]; then
	PYRULES=$(/usr/bin/python3 -c '
import os, sys
parents = []
for p in sys.path:
    if os.path.isabs(p) and not p.endswith(".zip"):
        print("allow read,list %s/**" % p)
        if os.path.dirname(p) not in parents:
            parents.append(os.path.dirname(p))
for d in parents:
    print("allow stat,list %s" % d)')
fi

P=$T/t.policy
cat >"$P" <<EOF
include @runtime
allow read,list $IN/**
deny read $IN/*.key
allow read,write,create,delete,list $OUT/** mode=0644
allow stat $W
allow read,exec $T/bin/**
allow read,exec /usr/bin/cat
allow read,exec /usr/bin/dash
allow read,exec /usr/bin/find
allow read,exec /usr/bin/sort
allow read,exec /usr/bin/xargs
allow read,exec /usr/bin/sha256sum
allow read,exec /usr/bin/id
allow read,exec /usr/bin/nproc
# python3
allow stat /usr/bin
allow read,exec /usr/bin/python3*
$PYRULES
EOF
run() { (cd "$W" && "$FB" run --policy "$P" "$@"); }

expect "cat of an allowed file" "^line 3 needle$" run -- cat "$IN/a/f3.txt"
expect "cat of a denied file" "Permission denied" run -- cat "$W/secret.txt"
refute "cat of a denied file leaks nothing" "TOPSECRET" run -- cat "$W/secret.txt" "$IN/private.key"
expect "cat through a symlink out of the tree" "Permission denied" run -- cat "$IN/escape-link"
status "cat of a denied file fails" 1 run -- cat "$W/secret.txt"
# The same denial from three processes: one line on the terminal and a
# count at the end; a record each with --audit.
run -- sh -c "cat '$W/secret.txt'; cat '$W/secret.txt'; cat '$W/secret.txt' '$IN/private.key'" \
	>"$T/rep.out" 2>&1
expect "a repeated denial prints its line once" "^1\$" \
	sh -c "grep -c 'denied open of \"$W/secret.txt\"' '$T/rep.out'"
expect "a different denial still gets its own line" "denied open of \"$IN/private.key\"" cat "$T/rep.out"
expect "the repeats are counted at the end" \
	"^filebroker: 4 requests denied, 2 distinct paths; each line above is printed once; --audit FILE records every request\$" \
	tail -n 1 "$T/rep.out"
run --audit "$T/rep.jsonl" -- sh -c "cat '$W/secret.txt'; cat '$W/secret.txt'; cat '$W/secret.txt'" \
	>/dev/null 2>&1
expect "--audit records every repeat" "^3\$" sh -c "grep -c '\"decision\":\"deny\"' '$T/rep.jsonl'"
expect "relative paths against the worker's folder" "^line 4 needle$" run -- cat in/a/f4.txt
expect "ls -la of an allowed folder" "f49.txt" run -- ls -la "$IN/a"
refute "ls -la: no error for a listed file" "ls: .*f1.txt" run -- ls -la "$IN/a"
expect "ls of a denied folder" "Permission denied" run -- ls "$W"
expect "find over the tree" "$IN/a/b/deep.txt" run -- find "$IN" -name 'deep*'
expect "grep -r finds every match" "^51$" sh -c "cd '$W' && '$FB' run --policy '$P' -- grep -r needle '$IN' | wc -l"
refute "grep -r never reads the denied key" "TOPSECRET" run -- grep -r -a TOPSECRET "$IN"
n=$(cd "$W" && find "$IN/a" -type f | sort | xargs sha256sum | sha256sum)
expect "sha256sum over a tree matches" "^${n%% *}" \
	sh -c "cd '$W' && '$FB' run --policy '$P' -- sh -c 'find $IN/a -type f | sort | xargs sha256sum' | sha256sum" 
expect "tar create" "a/b/deep.txt" sh -c "'$FB' run --policy '$P' -- tar -C '$IN' -cf '$OUT/t.tar' a && tar -tf '$OUT/t.tar'"
mkdir -p "$OUT/x"
status "tar extract into an allowed folder" 0 run -- tar --no-same-owner -m -C "$OUT/x" -xf "$OUT/t.tar"
expect "tar extract produced the files" "^deep needle$" cat "$OUT/x/a/b/deep.txt"
expect "tar extract made the symlink member" "^f1.txt\$" readlink "$OUT/x/a/link-to-f1"
# Plain tar -x sets the times of folders and links by path (utimensat).
touch -h -d 2001-02-03 "$IN/a/link-to-f1" "$IN/a/b"
tar -C "$IN" -cf "$OUT/t2.tar" a && chmod 644 "$OUT/t2.tar"
mkdir -p "$OUT/y" && chmod 777 "$OUT/y"
status "plain tar extract (times of folders and links too)" 0 run -- tar -C "$OUT/y" -xf "$OUT/t2.tar"
expect "tar set a folder's and a link's times" "^2001-02-03 2001-02-03\$" \
	sh -c "echo \$(stat -c %y '$OUT/y/a/b' '$OUT/y/a/link-to-f1' | cut -c1-10)"
# tar -xp and chmod(1): modes restored through chmod/fchmod, within the
# rule's mode= bound (0644 here; folders keep search where they read).
mkdir -p "$T/pm/d" && echo p >"$T/pm/d/f" && chmod 640 "$T/pm/d/f" && chmod 750 "$T/pm/d"
tar -C "$T/pm" -cf "$OUT/p.tar" d && chmod 644 "$OUT/p.tar"
mkdir -p "$OUT/p" && chmod 777 "$OUT/p"
status "tar -xp restores modes" 0 run -- tar --no-same-owner -p -C "$OUT/p" -xf "$OUT/p.tar"
expect "tar -xp: the folder's and the file's modes" "^750 640\$" \
	sh -c "echo \$(stat -c %a '$OUT/p/d' '$OUT/p/d/f')"
status "chmod(1) of the worker's file" 0 run -- chmod 600 "$OUT/p/d/f"
expect "chmod(1) set the mode" "^600\$" stat -c %a "$OUT/p/d/f"
expect "chmod(1) in a read-only tree denied" "Permission denied" run -- chmod 600 "$IN/a/f3.txt"
# cp -a, sed -i and install: ACLs are "not supported" (EOPNOTSUPP), so
# they set modes with a (brokered) chmod; owners are not the worker's to
# give (EPERM), which cp -a takes quietly.
refute "cp -a of a tree: no complaint" "." run -- cp -a "$IN/a/b" "$OUT/cpa"
expect "cp -a kept modes and times" "^$(stat -c '%a %Y' "$IN/a/b/deep.txt")\$" \
	stat -c '%a %Y' "$OUT/cpa/deep.txt"
refute "sed -i: no complaint" "." run -- sed -i s/needle/pin/ "$OUT/cpa/deep.txt"
expect "sed -i edited the file" "^deep pin\$" cat "$OUT/cpa/deep.txt"
refute "install -m: no complaint" "." run -- install -m 600 "$OUT/cpa/deep.txt" "$OUT/inst"
expect "install -m set the mode" "^600\$" stat -c %a "$OUT/inst"
# cp, mv, ln and install of coreutils 9.1 open a target folder O_PATH |
# O_DIRECTORY first (target_directory_operand): a folder the worker may
# list gets a descriptor of it, its *at calls come to the broker.
mkdir -p "$OUT/into" "$OUT/into2" && chmod 777 "$OUT/into" "$OUT/into2"
refute "cp into a folder: no complaint" "." run -- cp "$IN/a/f1.txt" "$OUT/into/"
refute "mv into a folder: no complaint" "." run -- mv "$OUT/into/f1.txt" "$OUT/into2/"
refute "ln -s into a folder: no complaint" "." run -- ln -s "$OUT/into2/f1.txt" "$OUT/into/"
refute "install into a folder: no complaint" "." run -- install -m 640 "$IN/a/f2.txt" "$OUT/into2/"
expect "cp, mv and ln -s put each in its folder" "^$OUT/into2/f1.txt line 1 needle\$" \
	sh -c "echo \$(readlink '$OUT/into/f1.txt') \$(cat '$OUT/into2/f1.txt')"
expect "install put the file in its folder, with its mode" "^640\$" stat -c %a "$OUT/into2/f2.txt"
# A folder it may only stat (here the policy's $W): a listing descriptor
# would list it, so the open is denied, with the rule to add.
expect "cp into a folder it may not list: denied, with the rule" \
	"hint: allow list $W\$" run -- cp "$IN/a/f1.txt" "$W/"
# A member whose path climbs out of the allowed folder.
(cd "$T" && mkdir -p evil/out && echo PWNED >evil/out/pwned.txt && tar -cf "$OUT/evil.tar" -C "$T/evil" --absolute-names "out/pwned.txt" -P "$W/pwned.txt" 2>/dev/null) || true
printf 'x' >/dev/null
run -- tar -P -C "$OUT" -xf "$OUT/evil.tar" >/dev/null 2>&1
[ -e "$W/pwned.txt" ] && fail "tar extracted a member outside the allowed folder" ||
	pass "tar: a member outside the allowed folder is denied"
status "cp within the allowed folder" 0 run -- cp "$IN/a/f1.txt" "$OUT/copy.txt"
expect "cp copied" "^line 1 needle$" cat "$OUT/copy.txt"
expect "cp into a read-only tree denied" "Permission denied" run -- cp "$IN/a/f1.txt" "$IN/a/new.txt"
# symlink(2): the new name needs create; the target is only stored, and a
# link opens nothing its target's rules do not allow.
run --audit "$T/ln.jsonl" -- ln -s "$W/secret.txt" "$OUT/to-secret" 2>/dev/null
expect "ln -s in the allowed folder stores the target" "^$W/secret.txt\$" readlink "$OUT/to-secret"
expect "ln -s: the link is the worker's, like its copied file" "^$(stat -c %U "$OUT/copy.txt")\$" \
	stat -c %U "$OUT/to-secret"
expect "ln -s: recorded with its target" \
	"\"op\":\"symlink\",\"path\":\"$OUT/to-secret\",\"path2\":\"$W/secret.txt\",\"canon\":\"$OUT/to-secret\".*\"access\":\"create\".*\"decision\":\"allow\"" \
	cat "$T/ln.jsonl"
expect "a link to a denied file opens nothing" "Permission denied" run -- cat "$OUT/to-secret"
expect "ln -s onto an existing name" "File exists" run -- ln -s x "$OUT/to-secret"
expect "ln -s in a read-only tree denied" "Permission denied" run -- ln -s x "$IN/a/new-link"
[ -L "$IN/a/new-link" ] && fail "a denied ln -s made a link" || pass "a denied ln -s made nothing"
# link(2): create on the new name, which may allow no more than the old
# one ("@link"), and only the worker's own file.
status "ln (a hard link) of the worker's file in its tree" 0 run -- ln "$OUT/copy.txt" "$OUT/hard"
expect "ln made a second name for the same file" "^2 2\$" \
	sh -c "echo \$(stat -c %h '$OUT/copy.txt') \$([ '$OUT/copy.txt' -ef '$OUT/hard' ] && echo 2)"
expect "ln of a read-only file into the writable tree refused" "Permission denied" \
	run --audit "$T/link.jsonl" -- ln "$IN/a/f1.txt" "$OUT/hard2"
expect "ln refused by the @link rule, recorded" \
	"\"op\":\"link\",\"path\":\"$IN/a/f1.txt\",\"path2\":\"$OUT/hard2\",.*\"decision\":\"deny\",\"rule\":\"@link\"" \
	cat "$T/link.jsonl"
[ -e "$OUT/hard2" ] && fail "a refused ln made a name" || pass "a refused ln made nothing"
mkdir -p "$T/hl" && echo same >"$T/hl/one" && ln "$T/hl/one" "$T/hl/two"
tar -C "$T" -cf "$OUT/hl.tar" hl && chmod 644 "$OUT/hl.tar"
status "tar -x of an archive with a hard link member" 0 run -- tar --no-same-owner -C "$OUT/x" -xf "$OUT/hl.tar"
expect "tar -x made the hard link" "^2 same\$" sh -c "echo \$(stat -c %h '$OUT/x/hl/two') \$(cat '$OUT/x/hl/two')"
if [ "$(id -u)" -eq 0 ]; then
	echo r >"$OUT/rootfile" && chmod 666 "$OUT/rootfile"
	expect "ln of root's file in the writable tree: EPERM" "Operation not permitted" \
		run -- ln "$OUT/rootfile" "$OUT/hard3"
fi
status "mv within the allowed folder" 0 run -- mv "$OUT/copy.txt" "$OUT/moved.txt"
[ -e "$OUT/moved.txt" ] && pass "mv moved" || fail "mv did not move"
expect "mv out of the allowed folder denied" "Permission denied|cannot" run -- mv "$OUT/moved.txt" "$W/stolen.txt"
# renameat2(2) flags: coreutils' mv asks RENAME_NOREPLACE first.
echo one >"$OUT/r1" && echo two >"$OUT/r2" && echo three >"$OUT/r3" && chmod 666 "$OUT"/r?
run --audit "$T/rename.jsonl" -- mv "$OUT/r3" "$OUT/r4" 2>/dev/null
expect "mv: renameat2 with RENAME_NOREPLACE is brokered" \
	'"op":"rename".*"flags":"RENAME_NOREPLACE","decision":"allow"' cat "$T/rename.jsonl"
[ -e "$OUT/r4" ] && [ ! -e "$OUT/r3" ] && pass "mv with NOREPLACE moved" || fail "mv with NOREPLACE did not move"
if [ -x /usr/bin/python3 ]; then
	# r NAME1 NAME2 FLAGS: renameat2 through libc; prints 0 or the errno.
	RN='import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
def r(a, b, f):
    return 0 if libc.renameat2(-100, a.encode(), -100, b.encode(), f) == 0 else ctypes.get_errno()
print(*[r(*a) for a in eval(sys.argv[1])])'
	expect "renameat2: NOREPLACE onto a file: EEXIST; EXCHANGE swaps; WHITEOUT: EPERM; both: EINVAL" \
		"^17 0 1 22\$" run -- /usr/bin/python3 -c "$RN" \
		"[('$OUT/r1', '$OUT/r2', 1), ('$OUT/r1', '$OUT/r2', 2), ('$OUT/r1', '$OUT/r4', 4), ('$OUT/r1', '$OUT/r4', 3)]"
	expect "renameat2 EXCHANGE swapped the files" "^two one\$" sh -c "echo \$(cat '$OUT/r1' '$OUT/r2')"
	expect "renameat2 EXCHANGE with a missing target: ENOENT" "^2\$" \
		run -- /usr/bin/python3 -c "$RN" "[('$OUT/r1', '$OUT/none', 2)]"
	expect "renameat2 EXCHANGE with a read-only side: EACCES" "^13\$" \
		run -- /usr/bin/python3 -c "$RN" "[('$OUT/r1', '$IN/a/f1.txt', 2)]"
	expect "a refused EXCHANGE changed nothing" "^line 1 needle two\$" \
		sh -c "echo \$(cat '$IN/a/f1.txt' '$OUT/r1')"
	# utimensat(2) by path: the policy's write, then the kernel's rule:
	# explicit times on the worker's own file only, "now" also on one its
	# mode lets it write.  r1 is root's and 0666, moved.txt the worker's.
	UT='import errno, os, sys
def u(p, t, follow=True):
    try:
        os.utime(p, t, follow_symlinks=follow)
        return "0"
    except OSError as e:
        return errno.errorcode[e.errno]
print(*[u(*a) for a in eval(sys.argv[1])])'
	expect "utimensat: own file, a read-only tree, a missing file, a link itself" \
		"^0 EACCES ENOENT 0\$" run -- /usr/bin/python3 -c "$UT" \
		"[('$OUT/moved.txt', (1000000000, 1000000000)), ('$IN/a/f2.txt', None), ('$OUT/none', None), ('$OUT/to-secret', (5, 5), False)]"
	expect "utimensat set the times asked, on the link and not its target" "^1000000000 5\$" \
		sh -c "echo \$(stat -c %Y '$OUT/moved.txt') \$(stat -c %Y '$OUT/to-secret')"
	if [ "$(id -u)" -eq 0 ]; then
		chmod 644 "$OUT/r2"
		expect "utimensat on root's files: explicit EPERM, now on 0666 allowed, now on 0644 EACCES" \
			"^EPERM 0 EACCES\$" run -- /usr/bin/python3 -c "$UT" \
			"[('$OUT/r1', (1, 1)), ('$OUT/r1', None), ('$OUT/r2', None)]"
	fi
	# utime(2), utimes(2), futimesat(2): utimensat's older forms, as old
	# static programs make them; futimesat with a NULL path is the
	# descriptor's own (allowed, no broker).
	OU="import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
TV = ctypes.c_long * 4
def e(rc):
    return str(rc) if rc == 0 else os.strerror(ctypes.get_errno()).split()[0]
p = b'$OUT/moved.txt'
r = [e(libc.syscall(132, p, ctypes.byref(TV(1000, 2000, 0, 0))))]
r.append(str(os.stat(p).st_mtime_ns))
r.append(e(libc.syscall(235, p, ctypes.byref(TV(3000, 5, 4000, 6)))))
r.append(str(os.stat(p).st_mtime_ns))
r.append(e(libc.syscall(235, p, ctypes.byref(TV(1, 1000000, 1, 0)))))
r.append(e(libc.syscall(261, -100, p, None)))
r.append(e(libc.syscall(235, b'$IN/a/f2.txt', None)))
fd = os.open(p, os.O_RDONLY)
r.append(e(libc.syscall(261, fd, None, ctypes.byref(TV(5000, 0, 6000, 0)))))
r.append(str(os.stat(p).st_mtime_ns))
print(*r)"
	expect "utime, utimes, futimesat: set, set to the microsecond, EINVAL, now, a read-only file, futimesat of a descriptor" \
		"^0 2000000000000 0 4000000006000 Invalid 0 Permission 0 6000000000000\$" run -- /usr/bin/python3 -c "$OU"
	# chmod(2), fchmodat(2), fchmod(2): the policy's write, then the owner
	# only, no set-user-ID, and the rule's mode= (0644 here) bounds the
	# bits.  "fd" opens the file read-only and fchmods the descriptor.
	CM='import errno, os, sys
def c(p, m, how="path"):
    try:
        if how == "pipe":
            os.fchmod(os.pipe()[0], m)
        elif how == "removed":
            fd = os.open(p, os.O_WRONLY | os.O_CREAT, 0o600)
            os.unlink(p)
            os.fchmod(fd, m)
        elif how == "fd":
            os.fchmod(os.open(p, os.O_RDONLY), m)
        else:
            os.chmod(p, m)
        return "%o" % (os.stat(p).st_mode & 0o7777)
    except OSError as e:
        return errno.errorcode[e.errno]
print(*[c(*a) for a in eval(sys.argv[1])])'
	run --audit "$T/chmod.jsonl" -- /usr/bin/python3 -c "$CM" "[('$OUT/moved.txt', 0o640)]" >/dev/null
	expect "chmod: recorded with the mode asked" \
		"\"op\":\"chmod\",\"path\":\"$OUT/moved.txt\",\"canon\":\"$OUT/moved.txt\",\"access\":\"write\",\"flags\":\"0640\",\"decision\":\"allow\"" \
		cat "$T/chmod.jsonl"
	expect "chmod: own file, mode= bound, read-only tree, missing, set-user-ID, fchmod, fchmod of a read-only grant, of a pipe, of a removed file" \
		"^640 644 EACCES ENOENT EPERM 600 EACCES EPERM EPERM\$" run -- /usr/bin/python3 -c "$CM" \
		"[('$OUT/moved.txt', 0o640), ('$OUT/moved.txt', 0o755), ('$IN/a/f2.txt', 0o600), ('$OUT/none', 0o600), ('$OUT/moved.txt', 0o4644), ('$OUT/moved.txt', 0o600, 'fd'), ('$IN/a/f1.txt', 0o600, 'fd'), ('', 0o600, 'pipe'), ('$OUT/gone', 0o600, 'removed')]"
	expect "a refused chmod changed nothing" "^644 600\$" \
		sh -c "echo \$(stat -c %a '$IN/a/f2.txt' '$OUT/moved.txt')"
	if [ "$(id -u)" -eq 0 ]; then
		expect "chmod of root's file in the writable tree: EPERM" "^EPERM EPERM\$" \
			run -- /usr/bin/python3 -c "$CM" "[('$OUT/r1', 0o600), ('$OUT/r1', 0o600, 'fd')]"
	fi
	# statfs(2): stat on the path, hidden like stat; the broker writes
	# the answer of the file system the path is on.
	SF='import errno, os, sys
def f(p):
    try:
        s = os.statvfs(p)
        return "%d/%d" % (s.f_namemax, s.f_blocks)
    except OSError as e:
        return errno.errorcode[e.errno]
print(*[f(p) for p in sys.argv[1:]])'
	sv=$(/usr/bin/python3 -c "import os; s = os.statvfs('$IN/a'); print('%d/%d' % (s.f_namemax, s.f_blocks))")
	expect "statfs: an allowed folder (as unsandboxed), a hidden one, a missing one" \
		"^$sv ENOENT ENOENT\$" run --audit "$T/statfs.jsonl" -- /usr/bin/python3 -c "$SF" "$IN/a" "$W/hidden" "$IN/none"
	expect "statfs: recorded, stat access" \
		"\"op\":\"statfs\",\"path\":\"$IN/a\",\"canon\":\"$IN/a\",\"access\":\"stat\",.*\"decision\":\"allow\"" \
		cat "$T/statfs.jsonl"
	# truncate(2): write on the file; a regular file only.
	TR='import errno, os, sys
def t(p, n):
    try:
        os.truncate(p, n)
        return str(os.stat(p).st_size)
    except OSError as e:
        return errno.errorcode[e.errno]
print(*[t(p, n) for p, n in eval(sys.argv[1])])'
	echo 0123456789 >"$OUT/tr.txt" && chmod 666 "$OUT/tr.txt"
	expect "truncate: a writable file, a negative length, a folder, a read-only file, a missing and a hidden one" \
		"^4 EINVAL EISDIR EACCES ENOENT EACCES\$" run --audit "$T/truncate.jsonl" -- /usr/bin/python3 -c "$TR" \
		"[('$OUT/tr.txt', 4), ('$OUT/tr.txt', -1), ('$OUT', 0), ('$IN/a/f1.txt', 0), ('$OUT/none', 0), ('$T/x', 0)]"
	expect "truncate: the read-only file is whole, the record says write" \
		"^line 1 needle .*\"op\":\"truncate\",\"path\":\"$OUT/tr.txt\",\"canon\":\"$OUT/tr.txt\",\"access\":\"write\"" \
		sh -c "echo \$(cat '$IN/a/f1.txt') \$(grep '\"op\":\"truncate\"' '$T/truncate.jsonl')"
	# inotify_add_watch(2): list on a folder, read on a file; the watch is
	# on the worker's own instance, so its events reach the worker.
	IW="import ctypes, errno, os, select, struct
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init1(os.O_NONBLOCK)
def w(p, m, f=fd):
    r = libc.inotify_add_watch(f, p.encode(), m)
    return str(r) if r >= 0 else errno.errorcode[ctypes.get_errno()]
out = [w('$OUT', 0x100)]
open('$OUT/watched.txt', 'w').close()
select.select([fd], [], [], 5)
data = os.read(fd, 4096)
wd, mask, cookie, n = struct.unpack('iIII', data[:16])
out.append('%d:%s' % (wd, data[16:16 + n].rstrip(b'\\0').decode()))
out += [w('$IN/a/f1.txt', 2), w('$W/secret.txt', 2), w('$T', 0x100), w('$OUT/none', 0x100),
        w('$IN/a/f1.txt', 0x100 | 0x01000000), w('$OUT', 0x100, 9999),
        w('$OUT', 0x100, os.pipe()[0]), w('$OUT', 0)]
print(*out)"
	expect "inotify: a folder (its event arrives), a file, a denied file, a hidden folder, missing, IN_ONLYDIR, bad descriptors, no event bits" \
		"^1 1:watched.txt 2 EACCES EACCES ENOENT ENOTDIR EBADF EINVAL EINVAL\$" \
		run --audit "$T/watch.jsonl" -- /usr/bin/python3 -c "$IW"
	expect "inotify: recorded with its mask, list on a folder" \
		"\"op\":\"watch\",\"path\":\"$OUT\",\"canon\":\"$OUT\",\"access\":\"list\",\"flags\":\"IN_CREATE\",\"decision\":\"allow\"" \
		grep '"op":"watch"' "$T/watch.jsonl"
	# Bad arguments get the kernel's own answers: the same script run
	# without the sandbox says what they are.
	BA="import ctypes
libc = ctypes.CDLL(None, use_errno=True)
def e(rc):
    return '%d/%d' % (rc, ctypes.get_errno())
print(e(libc.statfs(b'$OUT', ctypes.c_void_p(8))), e(libc.fchmod(-1, 0o600)),
      e(libc.fchmod(9999, 0o600)), e(libc.chmod(None, 0o600)), e(libc.chmod(b'', 0o600)),
      e(libc.statfs(None, None)))"
	ka=$(/usr/bin/python3 -c "$BA")
	expect "statfs and chmod with bad arguments: as the kernel ($ka)" "^$ka\$" \
		run -- /usr/bin/python3 -c "$BA"
	expect "rename and symlink with a NULL second path: EFAULT" "^14 14\$" \
		run -- /usr/bin/python3 -c "import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = [libc.rename(b'$OUT/r1', None), ctypes.get_errno(), libc.symlink(None, b'$OUT/nl'), ctypes.get_errno()]
print(r[1], r[3])"
fi
# mkdir -p of an absolute path would ask for /tmp too, which the worker may
# not see (EACCES, not EEXIST): relative to the worker's folder instead.
status "mkdir -p" 0 run -- mkdir -p out/d1/d2
status "rm -r" 0 run -- rm -r "$OUT/d1"
[ -e "$OUT/d1" ] && fail "rm -r left the folder" || pass "rm -r removed the folder"
expect "rm in a read-only tree denied" "Permission denied" run -- rm -f "$IN/a/f1.txt"
[ -e "$IN/a/f1.txt" ] && pass "denied rm left the file" || fail "denied rm removed the file"
if [ -x /usr/bin/python3 ]; then
	expect "python3 imports modules" "^ok 3$" run -- /usr/bin/python3 -c 'import json, os, re; print("ok", len(json.loads("[1,2,3]")))'
	expect "python3 open of a denied file" "PermissionError" run -- /usr/bin/python3 -c "open('$W/secret.txt')"
fi
# O_PATH: ADDFD cannot install an O_PATH descriptor.  A folder asked for
# as one (O_DIRECTORY) the worker may list gets a read-only descriptor of
# it; anything else EOPNOTSUPP, which glibc's lchmod() (O_PATH |
# O_NOFOLLOW) passes on as "not supported", ENOTDIR for a file under
# O_DIRECTORY.
if [ -x /usr/bin/python3 ]; then
	expect "O_PATH: a folder's descriptor, read-only; a folder without O_DIRECTORY, a file: EOPNOTSUPP; a file with it: ENOTDIR" \
		"^ok O_RDONLY 95 95 20\$" run -- /usr/bin/python3 -c "
import fcntl, os
def o(p, f):
    try:
        fd = os.open(p, f)
        fl = fcntl.fcntl(fd, fcntl.F_GETFL)
        return 'ok %s' % ('O_RDONLY' if fl & (os.O_PATH | os.O_ACCMODE) == os.O_RDONLY else oct(fl))
    except OSError as e:
        return str(e.errno)
print(o('$IN/a', os.O_PATH | os.O_DIRECTORY), o('$IN/a', os.O_PATH | os.O_NOFOLLOW),
      o('$IN/a/f1.txt', os.O_PATH), o('$IN/a/f1.txt', os.O_PATH | os.O_DIRECTORY))"
fi
# openat2(2) with RESOLVE_* restrictions: the kernel checks them from the
# worker's own folder, then the broker decides on what they found.  Each
# case prints the first line read, "w" for a file opened to write, or the
# errno.
if [ -x /usr/bin/python3 ]; then
	ln -s a/f1.txt "$IN/rel-link"
	ln -s "$IN/a/f2.txt" "$IN/abs-link"
	O2='import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
class How(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64)]
def o2(d, path, flags, resolve):
    h = How(flags, 0o644, resolve)
    fd = libc.syscall(437, os.open(d, os.O_RDONLY | os.O_DIRECTORY), path.encode(), ctypes.byref(h), 24)
    if fd < 0:
        return str(ctypes.get_errno())
    r = "w" if flags & 3 else os.read(fd, 100).decode().split("\n")[0].replace(" ", "_")
    os.close(fd)
    return r
print(*[o2(*a) for a in eval(sys.argv[1])])'
	NOSYM=4 BENEATH=8 INROOT=16 CACHED=32 WC=$((0101))
	expect "openat2: BENEATH follows a link inside, NO_SYMLINKS refuses it, IN_ROOT roots at the folder" \
		"^line_1_needle line_1_needle 40 line_2_needle line_3_needle\$" run -- /usr/bin/python3 -c "$O2" \
		"[('$IN', 'a/f1.txt', 0, $BENEATH), ('$IN', 'rel-link', 0, $BENEATH), ('$IN', 'rel-link', 0, $NOSYM), ('$IN', '/a/f2.txt', 0, $INROOT), ('$IN', 'a/f3.txt', 0, 1)]"
	expect "openat2: escapes from BENEATH are EXDEV (absolute link, absolute path), EACCES where they lead to what the worker may not see (a link out)" \
		"^18 13 18\$" run -- /usr/bin/python3 -c "$O2" \
		"[('$IN', 'abs-link', 0, $BENEATH), ('$IN', 'escape-link', 0, $BENEATH), ('$IN', '$IN/a/f1.txt', 0, $BENEATH)]"
	expect "openat2: the policy still decides; a path the worker may not see is EACCES" \
		"^13 13\$" run -- /usr/bin/python3 -c "$O2" \
		"[('$IN', 'private.key', 0, $BENEATH), ('$IN', '../secret.txt', 0, $BENEATH)]"
	expect "openat2: RESOLVE_CACHED is EAGAIN; BENEATH with IN_ROOT, unknown bits: EINVAL" \
		"^11 22 22\$" run -- /usr/bin/python3 -c "$O2" \
		"[('$IN', 'a/f1.txt', 0, $CACHED), ('$IN', 'a/f1.txt', 0, $BENEATH | $INROOT), ('$IN', 'a/f1.txt', 0, 64)]"
	run --audit "$T/openat2.jsonl" -- /usr/bin/python3 -c "$O2" \
		"[('$OUT', 'o2new', $WC, $BENEATH), ('$IN', 'rel-link', 0, $BENEATH)]" >/dev/null 2>&1
	[ -f "$OUT/o2new" ] && pass "openat2: O_CREAT with BENEATH created the file" ||
		fail "openat2: O_CREAT with BENEATH created nothing"
	expect "openat2: the record names the RESOLVE_* bits and the path found" \
		"\"path\":\"$IN/rel-link\",\"canon\":\"$IN/a/f1.txt\",\"access\":\"read\",\"flags\":\"O_RDONLY|RESOLVE_BENEATH\",\"decision\":\"allow\"" \
		cat "$T/openat2.jsonl"
fi
# The preload library: glibc's fstat() as the fstat system call, no round
# trip (tests/unit/test_preload.c shows it makes no newfstatat).
PRE=$(realpath "$(dirname "$FB")/filebroker-preload.so")
expect "the worker's LD_PRELOAD names the preload library" "^LD=$PRE\$" \
	run -- sh -c 'echo "LD=$LD_PRELOAD"'
expect "--no-preload leaves LD_PRELOAD unset" "^LD=\$" run --no-preload -- sh -c 'echo "LD=$LD_PRELOAD"'
expect "the user's own LD_PRELOAD comes first" "^LD=/nonexistent-fb.so:$PRE\$" \
	sh -c "cd '$W' && LD_PRELOAD=/nonexistent-fb.so '$FB' run --policy '$P' -- sh -c 'echo LD=\$LD_PRELOAD' 2>/dev/null"
run --audit "$T/preload.jsonl" -- cat "$IN/a/f3.txt" >/dev/null 2>&1
expect "the loader's read of it is allowed and recorded as @preload" \
	"\"canon\":\"$PRE\".*\"decision\":\"allow\",\"rule\":\"@preload\"" cat "$T/preload.jsonl"
expect "it is granted for reading only" "Permission denied" \
	run -- sh -c "echo x >> '$PRE'"
# A program linked with ASan needs its runtime first in the link map: run
# leaves the preload library out for it.
if printf 'int puts(const char *);\nint main(void) { return puts("asan-ok") < 0; }\n' |
	cc -fsanitize=address -x c -o "$T/bin/asan-hello" - 2>/dev/null; then
	# ASan reads its options from /proc/self/environ: no LeakSanitizer,
	# which would want all of /proc/self/task.
	printf 'include %s\nallow read /proc/self/environ\n' "$P" >"$T/asan.policy"
	expect "an ASan-linked program runs (no preload before its runtime)" "^asan-ok\$" \
		env ASAN_OPTIONS=detect_leaks=0 sh -c "cd '$W' && '$FB' run --policy '$T/asan.policy' -- '$T/bin/asan-hello'"
else
	echo "SKIP ASan-linked program: cc -fsanitize=address does not build here"
fi
if [ -x /usr/bin/python3 ]; then
	n=$(wc -c <"$IN/a/f3.txt")
	expect "fstat() through it gives the file's size" "^$n dir$" run -- /usr/bin/python3 -c \
		"import os, stat; print(os.fstat(os.open('$IN/a/f3.txt', os.O_RDONLY)).st_size, 'dir' if stat.S_ISDIR(os.fstat(os.open('$IN/a', os.O_RDONLY)).st_mode) else 'nodir')"
fi
if [ -x /bin/busybox ]; then
	expect "a static binary (busybox) is brokered" "^line 7 needle$" run -- /bin/busybox cat "$IN/a/f7.txt"
	expect "a static binary is denied too" "Permission denied" run -- /bin/busybox cat "$W/secret.txt"
fi
expect "a script runs the programs exec rules allow" "script-ran" run -- "$T/bin/script.sh" "$IN/a/f2.txt"
expect "the script's cat reads through the broker" "^line 2 needle$" run -- "$T/bin/script.sh" "$IN/a/f2.txt"
expect "exec of a program without an exec rule fails" "Permission denied|not found" run -- sh -c 'ls /'
# An exec rule whose program this host lacks grants nothing: a warning, and
# the run goes on.  A COMMAND the worker's user cannot reach stops the run
# with one clear reason (the errno once, not twice).
printf 'include @runtime\nallow exec /nonexistent/fb-tool\n' >"$T/missing-exec.policy"
expect "an exec rule for a missing program is a warning" \
	"exec rule .*missing-exec.policy:2 \(/nonexistent/fb-tool\): /nonexistent/fb-tool does not exist; the rule lets nothing run" \
	"$FB" run --policy "$T/missing-exec.policy" -- true
status "the run goes on after that warning" 0 "$FB" run --policy "$T/missing-exec.policy" -- true
# An output tree the run makes ("allow all DIR/**"): exec is not what it
# asked for, and nothing is said (but with -v).
printf 'include @runtime\nallow all %s/not-yet/**\n' "$T" >"$T/output-all.policy"
refute "allow all of a folder not made yet: no word of exec" "exec rule" \
	"$FB" run --policy "$T/output-all.policy" -- true
expect "allow all of a folder not made yet: said with -v" "not-yet does not exist yet; the rule lets nothing run there" \
	"$FB" run -v --policy "$T/output-all.policy" -- true
if [ "$(id -u)" -eq 0 ]; then # the worker runs as nobody
	mkdir -p "$T/private"
	cp "$T/bin/fbtool" "$T/private/tool"
	chmod 700 "$T/private"
	expect "a COMMAND out of the worker's reach: one clear reason" \
		"cannot run '$T/private/tool': Permission denied\$" \
		"$FB" run --policy "$P" -- "$T/private/tool"
fi
expect "cd to a folder the policy lets the worker stat" "^$IN/a$" run -- sh -c "cd '$IN/a' && pwd"
expect "cd to a hidden folder fails" "can't cd|No such file|Permission denied" run -- sh -c "cd /root && pwd"
expect "explicit calls work inside transparent mode" "read $IN/a/f5.txt: ok line 5" run -- "$T/bin/fbtool" read "$IN/a/f5.txt"
expect "direct open(2) brokered" "rawopen $IN/a/f6.txt: ok line 6" run -- "$T/bin/fbtool" rawopen "$IN/a/f6.txt"
expect "direct open(2) of a denied file" "rawopen $W/secret.txt: EACCES" run -- "$T/bin/fbtool" rawopen "$W/secret.txt"
expect "direct stat(2) of a hidden file: ENOENT" "rawstat /etc/shadow: ENOENT" run -- "$T/bin/fbtool" rawstat /etc/shadow
expect "threads in an unmodified worker" "threads .*: ok" run -- "$T/bin/fbtool" threads 8 100 "$IN/a/f1.txt"
expect "fork in an unmodified worker" "fork .*: ok" run -- "$T/bin/fbtool" fork "$IN/a/f1.txt"
expect "8 threads x 200 direct open(2) calls" "threads .*: ok" run -- "$T/bin/fbtool" rawthreads 8 200 "$IN/a/f1.txt"
expect "posix_spawn (vfork) and exec: the child is brokered too" "^line 9 needle\$" \
	run -- "$T/bin/fbtool" spawn /usr/bin/cat "$IN/a/f9.txt"
expect "posix_spawn: the child's denial" "Permission denied" \
	run -- "$T/bin/fbtool" spawn /usr/bin/cat "$W/secret.txt"

expect "a signal storm during brokered calls: no failure, no leak" "signals .*: ok 2000 opens, [1-9][0-9]* signals" \
	run -- "$T/bin/fbtool" signals 2000 "$IN/a/f1.txt"
status "a worker killed while blocked in brokered calls" 137 \
	run -- sh -c "'$T/bin/fbtool' threads 4 100000 '$IN/a/f1.txt' & sleep 0.3; kill -9 \$!; wait \$!"

# Without root: the broker runs as an ordinary user and the worker keeps
# that uid, confined all the same.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	nr() { (cd "$W" && setpriv --reuid=65534 --regid=65534 --clear-groups -- "$FB" run --policy "$P" "$@"); }
	expect "without root: a brokered read" "^line 8 needle$" nr -- cat "$IN/a/f8.txt"
	expect "without root: a denied read" "Permission denied" nr -- cat "$W/secret.txt"
	expect "without root: the worker keeps the caller's uid" "^65534$" nr -- id -u
fi

# The audit trail says which mode, process and thread: through the filter
# (--trap-all: cat's opens would otherwise take the preload library's
# lane, lane.sh, whose records are explicit ones).
A=$T/audit.jsonl
(cd "$W" && "$FB" run --trap-all --policy "$P" --audit "$A" -- cat "$IN/a/f1.txt" "$W/secret.txt") >/dev/null 2>&1
if command -v python3 >/dev/null; then
	expect "transparent records: mode, pid, tid, decision" "^transparent [0-9]+ [0-9]+ allow deny$" \
		python3 -c '
import json, sys
recs = [r for r in map(json.loads, open(sys.argv[1])) if "event" not in r]
a = [r for r in recs if r["path"].endswith("f1.txt")][0]
d = [r for r in recs if r["path"].endswith("secret.txt")][0]
print(a["mode"], a["pid"], a["tid"], a["decision"], d["decision"])
' "$A"
fi

# Explicit mode: path system calls fail; libfilebroker still works.
if [ -x "$T/bin/fbtool-static" ]; then
	expect "explicit mode: libfilebroker works" "read $IN/a/f1.txt: ok line 1" \
		run --explicit -- "$T/bin/fbtool-static" read "$IN/a/f1.txt"
	expect "explicit mode: direct open(2) refused" "rawopen $IN/a/f1.txt: EACCES" \
		run --explicit -- "$T/bin/fbtool-static" rawopen "$IN/a/f1.txt"
fi
# Placement: by default (spread) the worker (and what it starts) has every
# CPU; --placement shared keeps it on the broker's one CPU (placement.sh
# checks more).  The CPUs are those this test may use (its affinity), not
# the machine's.
ncpu=$(nproc)
# cpus: the CPUs of this shell's affinity mask, one a line.
cpus() {
	sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/$$/status | tr ',' '\n' |
		awk -F- '{ for (c = $1; c <= ($2 == "" ? $1 : $2); c++) print c }'
}
if [ "$ncpu" -gt 1 ]; then
	expect "placement shared: the worker has one CPU" "^1$" run --placement shared -- nproc
	expect "placement shared: so do its children" "^1$" run --placement shared -- sh -c 'nproc'
	expect "placement spread (default): the worker has every CPU" "^$ncpu$" run -- nproc
	two=$(cpus | tail -n 2 | paste -sd, -)
	if command -v taskset >/dev/null; then
		expect "placement shared within taskset's CPUs ($two)" "^1$" \
			taskset -c "$two" "$FB" run --policy "$P" --placement shared -- nproc
		expect "placement spread within taskset's CPUs ($two)" "^2$" \
			taskset -c "$two" "$FB" run --policy "$P" -- nproc
	else
		echo "SKIP placement within taskset's CPUs: no taskset (util-linux)"
	fi
else
	echo "SKIP placement: this test may use one CPU only ($(cpus | paste -sd, -))"
fi
expect "--placement with a bad value is refused" "not shared or spread" \
	run --placement everywhere -- true

# Times far from now, as the kernel stores them: before 1970 with a
# fraction (floor division: -302486400 s and 0.5 s, not -302486399 and
# -0.5), and past 2262 (the nanoseconds since 1970 overflow 64 bits: the
# broker once multiplied them out, a signed overflow a sanitizer build
# aborts on).  Transparent mode writes the kernel's struct stat and statx;
# explicit mode's wire carries nanoseconds, saturated.
mkdir -p "$W/times"
TZ=UTC touch -d '1960-06-01 00:00:00.5' "$W/times/old"
TZ=UTC touch -d '2446-01-01 00:00:00.25' "$W/times/future"
chmod -R go+rX "$W/times"
PT=$T/times.policy
{ cat "$P"; echo "allow read,exec /usr/bin/stat"; echo "allow read,stat,list $W/times/**"; } >"$PT"
# same NAME WANT CMD...: the first line CMD prints is exactly WANT.
same() {
	name=$1 want=$2
	shift 2
	got=$("$@" 2>&1 | head -n 1)
	if [ "$got" = "$want" ]; then
		pass "$name"
	else
		fail "$name: want '$want', got '$got'"
	fi
}
for f in old future; do
	same "stat(1) of a file dated $f shows what the kernel says" \
		"$(TZ=UTC stat -c '%y %x' "$W/times/$f")" \
		sh -c "cd '$W' && TZ=UTC '$FB' run --policy '$PT' -- stat -c '%y %x' '$W/times/$f'"
	same "stat(1) of a file dated $f: seconds and nanoseconds" \
		"$(TZ=UTC stat -c '%.9Y %.9X' "$W/times/$f")" \
		sh -c "cd '$W' && TZ=UTC '$FB' run --policy '$PT' -- stat -c '%.9Y %.9X' '$W/times/$f'"
	[ -x /usr/bin/python3 ] && same "stat(2) (struct stat, not statx) of a file dated $f" \
		"$(/usr/bin/python3 -c 'import os,sys; print(os.stat(sys.argv[1]).st_mtime_ns)' "$W/times/$f")" \
		sh -c "cd '$W' && '$FB' run --policy '$PT' -- /usr/bin/python3 -c 'import os,sys; print(os.stat(sys.argv[1]).st_mtime_ns)' '$W/times/$f' 2>/dev/null"
done
if [ -x "$B/tests/helpers/fbtool-static" ]; then
	expect "fb_stat of a file dated 1960-06-01 00:00:00.5 (explicit)" \
		"^mtime $W/times/old: ok $(TZ=UTC date -d '1960-06-01' +%s) 500000000\$" \
		"$FB" run --explicit --policy "$PT" -- "$B/tests/helpers/fbtool-static" mtime "$W/times/old"
	expect "fb_stat of a file dated 2446 saturates, nothing wraps (explicit)" \
		"^mtime $W/times/future: ok 9223372036 854775807\$" \
		"$FB" run --explicit --policy "$PT" -- "$B/tests/helpers/fbtool-static" mtime "$W/times/future"
fi

# mknod(2): a FIFO under create on its name, given to the worker like a
# new file, and opened by a reader and a writer under an exact rule (a
# FIFO is never opened under a wildcard); devices stay EPERM.
mkdir -p "$W/fifo" && chmod 777 "$W/fifo"
PF=$T/fifo.policy
{
	cat "$P"
	echo "allow read,exec /usr/bin/mkfifo"
	echo "allow read,exec /usr/bin/mknod"
	echo "allow read,exec /usr/bin/stat"
	echo "allow read,write /dev/null"
	echo "allow create,delete,stat,list $W/fifo/** mode=0640"
	echo "allow read,write $W/fifo/pipe"
} >"$PF"
runf() { (cd "$W" && "$FB" run --policy "$PF" "$@"); }
status "mkfifo under create" 0 runf --audit "$T/fifo.jsonl" -- mkfifo "$W/fifo/pipe"
expect "mkfifo made a FIFO, its mode bound by the rule" "^fifo 640\$" \
	sh -c "stat -c '%F %a' '$W/fifo/pipe' | sed 's/^fifo (named pipe)/fifo/'"
[ "$(id -u)" -eq 0 ] && wuser=nobody || wuser=$(id -un)
expect "mkfifo: the FIFO is the worker's, like a created file" "^$wuser\$" stat -c %U "$W/fifo/pipe"
expect "mkfifo is recorded as mknod" '"op":"mknod".*"decision":"allow"' cat "$T/fifo.jsonl"
# The reader first: the broker opens a FIFO without blocking, so a writer
# with no reader yet gets ENXIO rather than a wait.
expect "a reader and a writer meet at the FIFO (exact rule)" "^through the fifo\$" \
	runf -- sh -c "exec 3<'$W/fifo/pipe'; echo 'through the fifo' >'$W/fifo/pipe'; cat <&3"
expect "mkfifo where the policy allows no create" "Permission denied" \
	runf -- mkfifo "$W/nofifo"
expect "mkfifo of a name taken" "File exists" runf -- mkfifo "$W/fifo/pipe"
expect "mknod of a device stays EPERM" "Operation not permitted" \
	runf -- mknod "$W/fifo/null" c 1 3
[ -e "$W/fifo/null" ] && fail "mknod made a device" || pass "mknod made no device"
status "mknod p (FIFO) under create" 0 runf -- mknod "$W/fifo/other" p
expect "a FIFO under a wildcard rule is not opened" "Permission denied" \
	runf -- sh -c "echo x >'$W/fifo/other'"

# A name the worker may not see in a folder it may list: the listing shows
# it, so its stat says EACCES, as the kernel says of what one may not
# reach, and a tree walker reports it instead of taking it for a file that
# vanished; a missing name there is ENOENT; where the folder may not be
# listed (stat only, an ancestor), the name stays hidden, ENOENT.
L=$W/listed
mkdir -p "$L/open/sub" "$L/shut"
echo "in reach" >"$L/open/f.txt"
echo "out of reach" >"$L/open/sub/deep.txt"
echo "never seen" >"$L/shut/y"
chmod -R go+rX "$L"
PL=$T/listed.policy
cat >"$PL" <<EOF
include @runtime
include @shell
allow read,list $L/open
allow read,list $L/open/*.txt
allow stat $L/shut/x
EOF
runl() { (cd "$W" && "$FB" run -q --policy "$PL" "$@"); }
SL='import errno, os, sys
def s(p):
    try:
        os.lstat(p)
        return "0"
    except OSError as e:
        return errno.errorcode[e.errno]
print(*[s(p) for p in sys.argv[1:]])'
if [ -x /usr/bin/python3 ]; then
	echo "include @python3" >>"$PL"
	expect "lstat: a hidden name in a listed folder EACCES, a missing one ENOENT, in a folder not listed ENOENT" \
		"^EACCES ENOENT ENOENT ENOENT\$" runl -- /usr/bin/python3 -c "$SL" \
		"$L/open/sub" "$L/open/none" "$L/shut/y" "$L/shut/x"
fi
expect "find reports the name it may not reach" "find: .$L/open/sub.: Permission denied" \
	runl -- find "$L/open"
expect "tar reports it" "tar: .*open/sub: Cannot stat: Permission denied" \
	runl -- tar -cf /dev/null "$L/open"
status "tar's status says so" 2 runl -- tar -cf /dev/null "$L/open"

expect "--print-sandbox describes the worker" "^seccomp path: open openat" "$FB" run --policy "$P" --print-sandbox
expect "--print-sandbox: the path calls go to the broker" "^ +-> broker \(SECCOMP_RET_USER_NOTIF\)$" \
	"$FB" run --policy "$P" --print-sandbox
expect "--print-sandbox names every brokered call" " inotify_add_watch link linkat mknod mknodat$" \
	"$FB" run --policy "$P" --print-sandbox

finish
