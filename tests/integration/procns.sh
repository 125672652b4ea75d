#!/bin/sh
# The worker's /proc in its PID namespace (docs/design.md, "Processes"):
# the worker is pid 2 there, and its /proc is a procfs of that namespace,
# on /proc in its own mount namespace and the one the broker resolves its
# /proc paths in.  So getpid(), the Pid of /proc/self/status and the target
# of /proc/self agree, asked of the broker or made as system calls, in
# transparent and explicit mode, in a forked child too, as root (the worker
# as nobody) and as a user (in a user namespace); a shell's /proc/$$ is
# the shell; a working folder under /proc is the worker's; /proc/1 is the
# namespace's init, kept from the worker by @proc; a listing of /proc shows
# the worker's processes and nothing of the host's.  Where the mount on
# /proc is refused (Landlock before ABI 6, which tests/helpers/fblandlocked.c
# imposes), the broker still answers from that procfs.
. tests/integration/lib.sh

command -v bash >/dev/null || skip_all "procns.sh needs bash"
command -v python3 >/dev/null || skip_all "procns.sh needs python3 (to read the records)"

P=$T/procns.policy
cat >"$P" <<EOF
include @runtime
allow read,list /proc/self/**
allow list,stat /proc
allow stat /proc/*
allow read /proc/1/status
allow read,exec $T/bin/**
allow read,exec /usr/bin/**
allow read $T/data
EOF
echo secret >"$T/data"
chmod 644 "$T/data"
cp "$FB" "$T/bin/filebroker"
B2=$T/bin/filebroker

# consistent FILE PID: every "getpid A status B readlink C" line of FILE has
# A = B = C, and the first has A = PID; prints "N consistent".
consistent() {
	awk -v want="$2" '/getpid / {
		n++
		for (i = 1; i <= NF; i++) {
			if ($i == "getpid") a = $(i + 1)
			if ($i == "status") b = $(i + 1)
			if ($i == "readlink") c = $(i + 1)
		}
		if (a != b || b != c) { print "inconsistent: " $0; bad = 1 }
		if (n == 1 && a != want) { print "first is " a ", not " want; bad = 1 }
	} END { if (!bad) print n " consistent" }' "$1"
}

# scenario WHO DIR RUNAS...: the checks, with the broker run by RUNAS
# (empty: root) and writing its records in DIR.  (expect() has $name.)
scenario() {
	who=$1 dir=$2
	shift 2
	ns=$("$@" "$B2" run --print-sandbox --policy "$P" | grep '^pid namespace: no')
	if [ -n "$ns" ]; then
		echo "SKIP $who: $ns"
		return
	fi
	expect "$who: --print-sandbox names the worker's own /proc" \
		"^/proc: +the worker's own: a procfs of its PID namespace, on /proc in its mount" \
		"$@" "$B2" run --print-sandbox --policy "$P"

	"$@" "$B2" run --policy "$P" --audit "$dir/t.jsonl" -- "$T/bin/fbtool" ident fb :: \
		ident raw :: forkident fb :: forkident raw >"$T/t.out" 2>&1
	expect "$who, transparent: getpid() = Pid of /proc/self/status = readlink /proc/self = 2, forked child too" \
		"^6 consistent$" consistent "$T/t.out" 2
	expect "$who, transparent: the record has the host's pid and the worker's own" \
		"^nspid 2 host [0-9]+$" python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if "event" not in r and r["path"] == "/proc/self/status" and r.get("nspid") == 2 and r["pid"] != 2:
        print("nspid", r["nspid"], "host", r["pid"]); break' "$dir/t.jsonl"

	expect "$who: learn writes the worker's own /proc/2 as /proc/self" \
		"^allow read +/proc/self/status " "$B2" learn --from "$dir/t.jsonl"

	"$@" "$B2" run --explicit --policy "$P" -- "$T/bin/fbtool-static" ident fb :: \
		forkident fb >"$T/e.out" 2>&1
	expect "$who, explicit: getpid() = Pid of /proc/self/status = readlink /proc/self = 2, forked child too" \
		"^3 consistent$" consistent "$T/e.out" 2

	# bash's $$ is getpid(): the shell's own /proc/$$ (read by the shell
	# itself, or by what it became with exec).
	expect "$who: bash lists /proc/\$\$/fd itself" "^/proc/2/fd/0 /proc/2/fd/1 /proc/2/fd/2" \
		"$@" "$B2" run --policy "$P" -- bash -c 'echo /proc/$$/fd/*'
	expect "$who: ls exec'd by bash lists /proc/\$\$/fd" "^2$" \
		"$@" "$B2" run --policy "$P" -- bash -c 'exec ls /proc/$$/fd'
	# A working folder under /proc is the worker's: the kernel's chdir
	# and the broker's relative paths agree.
	expect "$who: cd /proc/self, and a relative path there is the worker's" \
		"^Name:.bash$" "$@" "$B2" run --policy "$P" -- \
		bash -c 'cd /proc/self && read -r l < status && echo "$l"'
	expect "$who: cd /proc/self is /proc/2" "^/proc/2$" "$@" "$B2" run --policy "$P" -- \
		bash -c 'cd /proc/self && pwd -P'
	expect "$who: find walks /proc/self from its descriptors" "^/proc/self/status$" \
		"$@" "$B2" run --policy "$P" -- bash -c 'exec find /proc/self/ -maxdepth 1 -name status'

	# /proc/1 is the namespace's init, not the asker: @proc, whatever the
	# policy says; /proc lists the worker's processes only.
	"$@" "$B2" run --policy "$P" --audit "$dir/one.jsonl" -- "$T/bin/fbtool" \
		read /proc/1/status :: stat /proc/1 :: ls /proc >"$T/one.out" 2>&1
	expect "$who: /proc/1 (the init) may be seen" "^stat /proc/1: ok dir" cat "$T/one.out"
	expect "$who: but not read" "^read /proc/1/status: EACCES$" cat "$T/one.out"
	expect "$who: refused by @proc" '"path":"/proc/1/status".*"decision":"deny","rule":"@proc"' \
		cat "$dir/one.jsonl"
	expect "$who: /proc lists the init and the worker, nothing of the host's" \
		"^ls /proc: ok 1 2 [a-z]" cat "$T/one.out"
	# Its magic links are refused as the host's are (the policy allows
	# what they lead to).
	expect "$who: /proc/self/root is a magic link: refused" \
		"^read /proc/self/root$T/data: EACCES$" "$@" "$B2" run --policy "$P" -- \
		"$T/bin/fbtool" read "/proc/self/root$T/data"
	expect "$who: and /proc/1/root" "^read /proc/1/root$T/data: EACCES$" \
		"$@" "$B2" run --policy "$P" -- "$T/bin/fbtool" read "/proc/1/root$T/data"

	# Landlock before ABI 6 refuses the mount on /proc: the broker still
	# answers from the worker's procfs, and says what the worker's own
	# lookups see.
	"$T/bin/fblandlocked" true
	if [ $? -eq 77 ]; then
		echo "SKIP $who: no Landlock to refuse the mount on /proc"
		return
	fi
	expect "$who, mount on /proc refused: --print-sandbox says so" \
		"^/proc: .*not on /proc in its mount namespace: mount\(/, MS_SLAVE\): Operation not permitted" \
		"$@" "$T/bin/fblandlocked" "$B2" run --print-sandbox --policy "$P"
	"$@" "$T/bin/fblandlocked" "$B2" run --policy "$P" -- "$T/bin/fbtool" ident fb :: \
		ident raw :: forkident raw >"$T/l.out" 2>&1
	expect "$who, mount on /proc refused: the broker's answers still agree" \
		"^4 consistent$" consistent "$T/l.out" 2
}

scenario "root" "$T"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
	mkdir "$T/u"
	chown 65534:65534 "$T/u"
	scenario "not root (user namespace)" "$T/u" setpriv --reuid=65534 --regid=65534 --clear-groups
fi

# A user namespace may not make a procfs while part of the host's /proc is
# hidden by another mount (a container's masked paths): no namespace then,
# and the host's numbers throughout, consistent.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1 &&
	unshare -m true 2>/dev/null && [ -e /proc/timer_list ]; then
	unshare -m sh -c "mount --make-rprivate / && mount --bind /dev/null /proc/timer_list &&
		setpriv --reuid=65534 --regid=65534 --clear-groups '$B2' run --print-sandbox \
			--policy '$P' &&
		setpriv --reuid=65534 --regid=65534 --clear-groups '$B2' run --policy '$P' -- \
			'$T/bin/fbtool' ident fb :: ident raw" >"$T/m.out" 2>&1
	expect "part of /proc hidden: no PID namespace, and why" \
		"^pid namespace: no \(the worker's /proc: fsmount\(proc\): Operation not permitted \(part of /proc is hidden by another mount\)\)" \
		cat "$T/m.out"
	pid=$(sed -n 's/^ident fb: getpid \([0-9]*\) .*/\1/p' "$T/m.out")
	expect "part of /proc hidden: the host's numbers, consistent" "^2 consistent$" \
		consistent "$T/m.out" "$pid"
else
	echo "SKIP part of /proc hidden: needs root, setpriv, unshare -m and /proc/timer_list"
fi

# Without a namespace (--no-pid-namespace), the host's numbers throughout.
"$B2" run --no-pid-namespace --policy "$P" -- "$T/bin/fbtool" ident fb :: ident raw \
	>"$T/n.out" 2>&1
pid=$(sed -n 's/^ident fb: getpid \([0-9]*\) .*/\1/p' "$T/n.out")
expect "--no-pid-namespace: the host's numbers, consistent" "^2 consistent$" \
	consistent "$T/n.out" "$pid"

finish
