#!/bin/sh
# Stat without a round trip (filebroker(1), design.md): where the policy
# allows stat of every path and denies it nowhere, the worker's stat and
# readlink go to the kernel, unrecorded, and answer as unsandboxed; the
# session record names them; --trap-all, a deny stat rule, complain mode,
# and a folder the worker's user may not search on the way to a rule's tree
# keep them with the broker.  Opens are brokered either way.
. tests/integration/lib.sh
need_run kernel_stat.sh

chmod 755 "$T"
D=$T/data
mkdir -p "$D/sub"
echo hello >"$D/a.txt"
ln -s a.txt "$D/link"
cd "$T" || exit 1

base() {
	echo "include @runtime"
	echo "include @shell"
	echo "allow read,list $D/**"
}
{
	base
	echo "allow stat /**"
} >"$T/all.policy"
{
	base
	echo "allow stat /**"
	echo "deny stat $D/sub"
} >"$T/deny.policy"
chmod 644 "$T"/*.policy

# What the worker does: stats, readlinks, an fstat, an open.
cat >"$D/probe.sh" <<EOF
stat -c '%n %s %F' $D/a.txt $D/link /usr/bin /etc/hostname
stat -L -c '%n %s' $D/link
readlink $D/link /bin
wc -c <$D/a.txt
cat $D/a.txt
EOF
chmod -R go+rX "$D"
sh "$D/probe.sh" >"$T/want" 2>&1

ops() { sed -n 's/.*"op":"\([a-z]*\)".*/\1/p' "$1" | sort -u | tr '\n' ' '; }

# The policy allows stat of every path: the kernel answers.
expect "--print-sandbox: stat and readlink reach the kernel" \
	"^stat: +newfstatat statx stat lstat readlink readlinkat reach the kernel" \
	"$FB" run --print-sandbox --policy "$T/all.policy" -- true
expect "-v names the rule" \
	"stat and readlink go to the kernel, without a round trip or a record: rule $T/all.policy:4 allows stat of every path" \
	"$FB" run -v --policy "$T/all.policy" -- true
rm -f "$T/a.jsonl"
"$FB" run --audit "$T/a.jsonl" --policy "$T/all.policy" -- sh "$D/probe.sh" >"$T/got" 2>&1
if cmp -s "$T/want" "$T/got"; then
	pass "stat /**: the answers of unsandboxed"
else
	fail "stat /**: the answers differ"
	diff "$T/want" "$T/got" | sed 's/^/      /' | head -n 10
fi
o=$(ops "$T/a.jsonl")
case " $o " in
*" stat "* | *" readlink "*) fail "stat /**: stat or readlink recorded ($o)" ;;
*) pass "stat /**: no stat or readlink record" ;;
esac
case " $o " in
*" open "*) pass "stat /**: opens are brokered and recorded" ;;
*) fail "stat /**: no open record ($o)" ;;
esac
expect "stat /**: the session record names the calls left unrecorded" \
	'"unbrokered":"newfstatat statx stat lstat readlink readlinkat"' grep session-start "$T/a.jsonl"
expect "stat /**: an open the policy does not allow is still refused" "Permission denied" \
	"$FB" run --policy "$T/all.policy" -- cat /etc/shadow
expect "stat /**: readlink /proc/self/exe is the program's" "^/usr/bin/readlink\$" \
	"$FB" run -q --policy "$T/all.policy" -- readlink /proc/self/exe

# The preload library answers an open of a missing path itself (ENOENT, no
# record); without it, or with --trap-all, the broker does.
missing_open() {
	rm -f "$T/m.jsonl"
	"$FB" run "$@" --audit "$T/m.jsonl" --policy "$T/all.policy" -- cat "$D/missing" >"$T/m.out" 2>&1
	grep -c "\"path\":\"$D/missing\"" "$T/m.jsonl"
}
expect "stat /**: cat of a missing file says so" "No such file or directory" \
	"$FB" run --policy "$T/all.policy" -- cat "$D/missing"
expect "stat /**: the preload library answers it, no record" "^0\$" missing_open
expect "--no-preload: the broker answers it, recorded" "^1\$" missing_open --no-preload
expect "--trap-all: the broker answers it, recorded" "^1\$" missing_open --trap-all
expect "stat /**: an existing file's open is brokered" "^hello\$" \
	"$FB" run -q --policy "$T/all.policy" -- cat "$D/a.txt"

# --trap-all: the broker's again, recorded.
rm -f "$T/b.jsonl"
"$FB" run --trap-all --audit "$T/b.jsonl" --policy "$T/all.policy" -- sh "$D/probe.sh" >"$T/got" 2>&1
o=$(ops "$T/b.jsonl")
case " $o " in
*" stat "*) case " $o " in *" readlink "*) pass "--trap-all: stat and readlink recorded" ;;
	*) fail "--trap-all: no readlink record ($o)" ;; esac ;;
*) fail "--trap-all: no stat record ($o)" ;;
esac
refute "--trap-all: no unbrokered key" unbrokered grep session-start "$T/b.jsonl"
if cmp -s "$T/want" "$T/got"; then
	pass "--trap-all: the same answers"
else
	fail "--trap-all: the answers differ"
fi
expect "--trap-all: --print-sandbox says brokered" "^stat: +brokered and recorded" \
	"$FB" run --trap-all --print-sandbox --policy "$T/all.policy" -- true

# A deny stat rule: the broker decides, and refuses.
expect "deny stat: -v says which rule keeps them brokered" \
	"stat and readlink go to the broker: rule $T/deny.policy:5 denies stat somewhere" \
	"$FB" run -v --policy "$T/deny.policy" -- true
expect "deny stat: the denied folder cannot be stat-ed" "Permission denied" \
	"$FB" run --policy "$T/deny.policy" -- stat "$D/sub"

# Stat named only: a lazy read of everything implies stat but keeps the calls
# with the broker (a root broker shows more than the worker's user may).
printf 'include @runtime\nallow read,list /**\n' >"$T/lazy.policy"
chmod 644 "$T/lazy.policy"
expect "allow read,list /** alone: brokered" "^stat: +brokered and recorded" \
	"$FB" run --print-sandbox --policy "$T/lazy.policy" -- true

# A run made mostly of stat round trips, under a policy without the rule,
# says at its end what would spare them; with the rule, nothing to say.
if [ -x /usr/bin/python3 ]; then
	printf 'include @runtime\ninclude @python3\n' >"$T/py.policy"
	chmod 644 "$T/py.policy"
	loop='import os
for _ in range(21000): os.stat("/usr")'
	expect "many stats: the run ends saying allow stat /** would spare them" \
		"run: 2[0-9]{4} of the worker's 2[0-9]{4} requests were stat or readlink, a round trip each: a policy line 'allow stat /\\*\\*'" \
		"$FB" run --policy "$T/py.policy" -- /usr/bin/python3 -c "$loop"
	{
		cat "$T/py.policy"
		echo "allow stat /**"
	} >"$T/py2.policy"
	chmod 644 "$T/py2.policy"
	refute "many stats under allow stat /**: nothing to say" "round trip each" \
		"$FB" run --policy "$T/py2.policy" -- /usr/bin/python3 -c "$loop"
else
	echo "SKIP the end-of-run hint: no /usr/bin/python3"
fi

# A deny-status (the policy's or --deny-status) keeps them with the broker:
# such a run must fail on every refusal, and the kernel's EACCES in a folder
# the worker's user may not search is none the broker would see.
{
	echo "deny-status 3"
	cat "$T/all.policy"
} >"$T/ds.policy"
chmod 644 "$T/ds.policy"
expect "the policy's deny-status: -v says why they stay with the broker" \
	"stat and readlink go to the broker: a deny-status is set" \
	"$FB" run -v --policy "$T/ds.policy" -- true
expect "--deny-status: brokered" "^stat: +brokered and recorded" \
	"$FB" run --deny-status 3 --print-sandbox --policy "$T/all.policy" -- true
if [ "$(id -u)" = 0 ]; then
	# The scanner's case: a folder inside the allowed tree that the
	# worker's user may not search.  Its files' lstat (a scanner's walk)
	# is the kernel's EACCES with the fast path; with a deny-status it is
	# the broker's, which the policy allows.
	mkdir -p "$D/locked"
	echo x >"$D/locked/f"
	chmod 700 "$D/locked"
	expect "stat /**: a folder the worker may not search is the kernel's EACCES" \
		"Permission denied" "$FB" run -q --policy "$T/all.policy" -- stat -c %n "$D/locked/f"
	expect "deny-status: the same folder is the broker's, the file seen" "^$D/locked/f\$" \
		"$FB" run -q --policy "$T/ds.policy" -- stat -c %n "$D/locked/f"
	rm -rf "$D/locked"
fi

# Complain mode records every request: brokered.
expect "complain: --print-sandbox says brokered" "^stat: +brokered and recorded" \
	"$FB" run --complain --print-sandbox --policy "$T/all.policy" -- true

# As root, for a worker of another user: a rule's tree behind a folder that
# user may not search stays with the broker, which may (and says why).
if [ "$(id -u)" = 0 ]; then
	H=$T/hidden
	mkdir -p "$H/in"
	echo secret-but-allowed >"$H/in/f"
	chmod 700 "$H"
	chmod -R go+rX "$H/in"
	{
		cat "$T/all.policy"
		echo "allow read $H/in/**"
	} >"$T/h.policy"
	chmod 644 "$T/h.policy"
	expect "root: a tree behind a folder the worker may not search keeps them brokered" \
		"stat and readlink go to the broker: the worker's user \\(uid [0-9]+\\) may not search $H, on the way to rule $T/h.policy:[0-9]+'s $H/in" \
		"$FB" run -v --policy "$T/h.policy" -- true
	expect "root: and the file there is stat-ed through the broker" "^$H/in/f 19\$" \
		"$FB" run -q --policy "$T/h.policy" -- stat -c '%n %s' "$H/in/f"
	# A working folder the worker may not search, likewise.
	expect "root: a working folder the worker may not search keeps them brokered" \
		"may not search $H, on the way to the working folder" \
		sh -c "cd '$H' && '$FB' run -v --policy '$T/all.policy' -- true"
else
	echo "SKIP the root broker's search check: not root"
fi

# Not root, in a user namespace that maps only the caller's uid and gid: the
# kernel would name root's files 65534's, so the broker answers (-v says why).
as_caller() { "$@"; }
if [ "$(id -u)" = 0 ]; then
	if command -v setpriv >/dev/null; then
		U=$(free_ids 1)
		as_caller() { setpriv --reuid="$U" --regid="$U" --clear-groups "$@"; }
	else
		as_caller() { return 77; }
	fi
fi
owner=$(stat -c %u /)
if as_caller true; then
	expect "not root: stat shows owners as unsandboxed" "^$owner\$" \
		as_caller "$FB" run -q --policy "$T/all.policy" -- stat -c %u /
	expect "not root: -v says the user namespace keeps them brokered" \
		"stat and readlink go to the broker: the worker's user namespace maps only uid" \
		as_caller "$FB" run -v --policy "$T/all.policy" -- true
else
	echo "SKIP the user namespace check: root without setpriv"
fi
finish
