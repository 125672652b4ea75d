#!/bin/sh
# The preload library's lane (client/preload/lane.c, design.md "The
# preload lane"): a dynamically linked program's opens go to the broker on
# a channel of its session instead of through seccomp, with the same
# answers, and every one recorded.  laneprobe (tests/helpers/laneprobe.c)
# makes the opens; what it prints must not depend on the way they went.
. tests/integration/lib.sh
need_run lane.sh
[ -f "$B/filebroker-preload.so" ] || skip_all "lane.sh: no $B/filebroker-preload.so"

D=$T/data
mkdir -p "$D/sub" "$D/hidden"
for i in 0 1 2 3 4 5 6 7; do echo "file $i" >"$D/f$i"; done
echo "in sub" >"$D/sub/g"
echo secret >"$D/hidden/secret"
ln -s f2 "$D/link"
: >"$D/w"
chmod -R a+rX "$D"
chmod a+w "$D/w"
cat >"$T/p.policy" <<EOF
include @runtime
allow read,exec $T/bin/laneprobe
allow read,list $D/**
allow write $D/w
allow read,list /proc/self/**
deny read $D/hidden/**
EOF
policy_safe "$T"
# probe [RUN OPTION...] LANEPROBE ARGS...
probe() {
	set -- "$@" --
	while [ "$1" != -- ]; do
		case $1 in
		-*) set -- "$@" "$1" ;;
		*) break ;;
		esac
		shift
	done
	n=0
	for a; do [ "$a" = -- ] && break; n=$((n + 1)); done
	# "$@" is now: probe args, --, run options
	args= opts= seen=
	for a; do
		if [ -z "$seen" ] && [ "$a" = -- ]; then seen=1; continue; fi
		if [ -z "$seen" ]; then args="$args '$a'"; else opts="$opts '$a'"; fi
	done
	eval "\"\$FB\" run $opts --policy \"\$T/p.policy\" -- \"\$T/bin/laneprobe\" $args"
}

# -v says which way the opens go.
expect "-v: opens go by the lane" "opens of dynamically linked programs go to the broker by the preload library's lane" \
	probe -v opens "$D"
refute "--trap-all: no lane" "preload library's lane" probe -v --trap-all opens "$D"
refute "--no-preload: no lane" "preload library's lane" probe -v --no-preload opens "$D"

# The same answers by the lane as through seccomp (--trap-all), case by
# case: descriptors and their close-on-exec flag, errnos, relative paths,
# paths from a folder's descriptor, links, /proc/self.
probe opens "$D" >"$T/lane.out" 2>"$T/lane.err"
probe --trap-all opens "$D" >"$T/trap.out" 2>"$T/trap.err"
if [ -s "$T/lane.out" ] && cmp -s "$T/lane.out" "$T/trap.out"; then
	pass "every kind of open answers as through seccomp ($(wc -l <"$T/lane.out") cases)"
else
	fail "the lane answers differently from seccomp:"
	diff "$T/trap.out" "$T/lane.out" | sed 's/^/      /' | head -n 30
fi
expect "the cases are what they should be" \
	"absolute: fd cloexec=0 read=file 0" cat "$T/lane.out"
expect "O_CLOEXEC kept" "absolute, O_CLOEXEC: fd cloexec=1 read=file 0" cat "$T/lane.out"
expect "a denied file: EACCES" "^denied: EACCES" cat "$T/lane.out"
expect "relative to a folder's descriptor" "^from a folder: fd cloexec=0 read=in sub" cat "$T/lane.out"
expect "relative to the working folder" "^relative: fd cloexec=0 read=file 1" cat "$T/lane.out"
expect "the denial's line" "denied open of \"$D/hidden/secret\" \\(read\\) for pid [0-9]+: rule $T/p.policy:6" cat "$T/lane.err"
if sed 's/pid [0-9]*/pid N/' "$T/lane.err" | cmp -s - "$T/trap.err.n" 2>/dev/null ||
	{ sed 's/pid [0-9]*/pid N/' "$T/trap.err" >"$T/trap.err.n" &&
		sed 's/pid [0-9]*/pid N/' "$T/lane.err" | cmp -s - "$T/trap.err.n"; }; then
	pass "the same denial lines as through seccomp"
else
	fail "the denial lines differ from seccomp's:"
	sed 's/pid [0-9]*/pid N/' "$T/lane.err" | diff "$T/trap.err.n" - | sed 's/^/      /' | head
fi

# Every open recorded, by the lane as an explicit request of the process
# that sent it.
rm -f "$T/a.jsonl"
"$FB" run --audit "$T/a.jsonl" --policy "$T/p.policy" -- "$T/bin/laneprobe" opens "$D" >/dev/null 2>&1
if grep '"op":"open"' "$T/a.jsonl" | grep "\"path\":\"$D/f0\"" | grep -q '"mode":"explicit"' &&
	grep "\"path\":\"$D/f0\"" "$T/a.jsonl" | grep -q '"exe":"[^"]*laneprobe"' &&
	grep "\"canon\":\"$D/hidden/secret\"" "$T/a.jsonl" | grep -q '"decision":"deny"'; then
	pass "lane opens are recorded (explicit, the program named, the denial too)"
else
	fail "no record of a lane open, or not as expected:"
	grep "$D/" "$T/a.jsonl" | head -n 5 | sed 's/^/      /'
fi
expect "the session's first record says the lane is on" '"lane":true' grep session-start "$T/a.jsonl"
rm -f "$T/a.jsonl"
"$FB" run --trap-all --audit "$T/a.jsonl" --policy "$T/p.policy" -- "$T/bin/laneprobe" opens "$D" >/dev/null 2>&1
if grep "\"path\":\"$D/f0\"" "$T/a.jsonl" | grep -q '"mode":"transparent"'; then
	pass "--trap-all: the same opens recorded as transparent"
else
	fail "--trap-all: no transparent record of $D/f0"
fi
refute "--trap-all: no lane key" '"lane"' grep session-start "$T/a.jsonl"

# A refusal by the lane counts as any other: --deny-status makes the run
# fail although laneprobe exits 0.
status "--deny-status: a lane open's refusal counts" 3 probe --deny-status=3 opens "$D"

# Processes, threads, a signal handler that opens while an open is under
# way, a program that closes every descriptor or takes the channel's.
for c in "fork 400" "threads 400" "signal 2000" closeall dup200; do
	set -- $c
	expect "$1: every open gets its own file" "^ok $1" probe "$1" "$D" ${2:-}
done
# The program's own descriptor on a channel's number (dup2 over it, or a
# number it reused after closing it) is never closed for it: not when the
# thread whose channel it was ends, nor in a fork's child.
expect "takeover: a channel's number taken by the program stays its own" "^ok takeover" \
	probe takeover "$D"
# The channel is out of the way of the numbers opens get, also under a
# small RLIMIT_NOFILE.
probe rlimit "$D" >"$T/rl.lane" 2>&1
probe --trap-all rlimit "$D" >"$T/rl.trap" 2>&1
if grep -q '^rlimit: descriptors' "$T/rl.lane" && cmp -s "$T/rl.lane" "$T/rl.trap"; then
	pass "RLIMIT_NOFILE 64: the same descriptor numbers as through seccomp"
else
	fail "RLIMIT_NOFILE 64: $(cat "$T/rl.lane") against $(cat "$T/rl.trap")"
fi
# A script's "exec 200>FILE" (flock(1)'s idiom) finds no channel there:
# bash keeps a close-on-exec descriptor it finds on the number and drops
# the script's file.
bash=$(command -v bash 2>/dev/null) && bash=$(readlink -f "$bash")
if [ -n "$bash" ]; then
	cat >"$T/b.policy" <<EOF
include @runtime
allow read,exec $bash
allow read,list $D/**
allow write $D/w
EOF
	policy_safe "$T"
	expect "bash: exec 200>FILE, then opens: 200 stays the file" "^200 ok 200 ok$" \
		"$FB" run -q --policy "$T/b.policy" -- "$bash" -c \
		"exec 200>>$D/w; echo a >&200 && printf '200 ok '; read l <$D/f0; echo b >&200 && echo '200 ok'"
else
	echo "SKIP bash: no bash to run"
fi
# /proc/thread-self by a spelling that does not start "/proc/": the
# thread's own, as through the filter (the broker would see the process).
cat >"$T/ts.policy" <<EOF
include @runtime
allow read,exec $T/bin/laneprobe
allow list /
allow read /proc/**
EOF
policy_safe "$T"
expect "a thread's /proc/thread-self, however spelled, is its own" "^ok threadself" \
	"$FB" run -q --policy "$T/ts.policy" -- "$T/bin/laneprobe" threadself "$D"
expect "--placement shared: the lane without polling" "^ok threads" \
	probe --placement=shared threads "$D" 200
expect "-v, one CPU: the lane, no polling" "preload library's lane \(--trap-all" \
	probe -v --placement=shared opens "$D"

finish
