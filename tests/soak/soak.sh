#!/bin/sh
# The soak test: a broker serving an honest worker while hostile ones flood
# it with garbage.  `make soak` runs it for SOAK_SECONDS (default 180);
# tests/integration/soak.sh runs a 10-second version inside `make check`.
#
#	sh tests/soak/soak.sh DURATION		(from the top of the tree; B=build)
#
# Two runs of DURATION seconds each, under the same policy:
#   quiet   filebroker run -- soak_worker D PATH       (the honest worker alone)
#   loaded  filebroker run -- sh -c 'soak_worker D PATH &
#               soak_hostile DELAY H PAR fbraw PATH & wait'
# soak_worker (tests/helpers/soak_worker.c) times fb_open+read+close of a
# small file in a loop; soak_hostile (tests/helpers/soak_hostile.c) runs
# fbraw violations / flood 2000 / noread 1000 over and over in PAR parallel
# loops.  The hostile load starts DELAY s after the honest worker and stops
# 3 s before it, so that the broker is sampled from outside (/proc/PID/status
# VmRSS, /proc/PID/fd) in the same quiet state at start and at end:
# start = once the honest worker is up, before the hostile load; end = once
# the hostile load is over, with the honest worker still being served.
#
# Prints a table, then PASS/FAIL lines and "N passed, N failed".  Asserts:
# honest errors = 0 in both runs, honest requests > 0 under load, the
# broker's descriptor count at end <= at start (each the fewest of several
# readings, so a descriptor in flight is not counted; a leak shows as more
# at end), its RSS at end <= start +
# 8 MiB, every hostile fbraw run behaved (broker still serving after the
# violations, every flood reply back), the broker exited 0 and the protocol
# violations were logged.  Environment: B, SOAK_PAR (hostile loops, default 1).
# One loop, because fbraw talks raw on the session's shared bootstrap socket
# (FILEBROKER_FD, inherited by every process of the session): two fbraw runs
# at once read each other's replies there and fail, by design of the
# protocol (client/channel.c), not through any fault of the broker.
. tests/integration/lib.sh
need_run soak

D=${1:-180}
PAR=${SOAK_PAR:-1}
case $D in '' | *[!0-9]*) echo "usage: soak.sh SECONDS" >&2; exit 2 ;; esac
[ "$D" -ge 8 ] || { echo "soak.sh: SECONDS must be at least 8" >&2; exit 2; }
DELAY=3               # hostile load starts this long after the honest worker
H=$((D - DELAY - 3))  # and lasts this long: it ends 3 s before the worker

for h in soak_worker soak_hostile fbraw; do
	[ -x "$T/bin/$h" ] || skip_all "no $B/tests/helpers/$h (make $B/tests/helpers/$h)"
done

F=$T/data/file.txt
mkdir -p "$T/data"
echo "soak test file: honest workers read this" >"$F"
chmod -R go+rX "$T"
P=$T/soak.policy
cat >"$P" <<POL
include @runtime
allow read,stat $F
allow read,exec $T/bin/**
allow read,exec /usr/bin/dash
allow stat $T
POL

# rss PID / nfds PID: the broker's resident set (kB) and descriptor count.
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
nfds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }

# sample N: N readings of the loaded broker 0.2 s apart; sets sfds to the
# fewest descriptors seen and srss to the RSS at that reading.  A channel,
# set-up descriptor or hang-up in flight is there in one reading and gone
# in the next; a leaked descriptor is there in all of them.
sample() {
	sfds= srss=
	i=0
	while [ "$i" -lt "$1" ]; do
		f=$(nfds "$bpid") r=$(rss "$bpid")
		if [ -n "$r" ] && { [ -z "$sfds" ] || [ "$f" -lt "$sfds" ]; }; then
			sfds=$f srss=$r
		fi
		i=$((i + 1))
		sleep 0.2
	done
}

# waitfor FILE PATTERN SECONDS: poll FILE until a line matches PATTERN.
waitfor() {
	n=0
	while ! grep -Eq -- "$2" "$1" 2>/dev/null; do
		n=$((n + 1))
		[ "$n" -le $(($3 * 10)) ] || return 1
		sleep 0.1
	done
}

# reap PID SECONDS: wait for the broker, killing it if it overstays; sets st.
reap() {
	n=0
	while kill -0 "$1" 2>/dev/null && [ "$n" -le $(($2 * 10)) ]; do
		n=$((n + 1))
		sleep 0.1
	done
	if kill -0 "$1" 2>/dev/null; then
		echo "soak: broker $1 still running after ${2}s past the end: killing it"
		kill -KILL "$1"
	fi
	wait "$1"
	st=$?
}

# field FILE N: the Nth word of the soak-honest line.
field() { awk -v n="$2" '/^soak-honest:/ { print $n; exit }' "$1"; }

cd "$T" || exit 1

# ---- quiet run ------------------------------------------------------------
echo "soak: quiet run, ${D}s: soak_worker alone"
"$FB" run --policy "$P" -- "$T/bin/soak_worker" "$D" "$F" >"$T/quiet.out" 2>"$T/quiet.err" &
qpid=$!
reap "$qpid" $((D + 30))
qst=$st

# ---- loaded run -----------------------------------------------------------
echo "soak: loaded run, ${D}s: soak_worker + $PAR hostile fbraw loops for ${H}s"
"$FB" run --policy "$P" -- /bin/sh -c "'$T/bin/soak_worker' $D '$F' &
	'$T/bin/soak_hostile' $DELAY $H $PAR '$T/bin/fbraw' '$F' & wait" \
	>"$T/loaded.out" 2>"$T/loaded.err" &
bpid=$!
rss0= fds0= rss1= fds1=
if waitfor "$T/loaded.out" '^soak-worker: ' 10; then
	sample 5
	rss0=$srss fds0=$sfds
	grep -q '^soak-hostile: start' "$T/loaded.out" &&
		echo "soak: warning: the hostile load started before the start sample"
fi
if waitfor "$T/loaded.out" '^soak-hostile: done' $((D + 10)); then
	sleep 0.5
	sample 8
	rss1=$srss fds1=$sfds
fi
reap "$bpid" $((D + 30))
lst=$st

# ---- report ---------------------------------------------------------------
qn=$(field "$T/quiet.out" 2) qmed=$(field "$T/quiet.out" 5) qmax=$(field "$T/quiet.out" 8)
qerr=$(field "$T/quiet.out" 11)
ln=$(field "$T/loaded.out" 2) lmed=$(field "$T/loaded.out" 5) lmax=$(field "$T/loaded.out" 8)
lerr=$(field "$T/loaded.out" 11)
qp99=$(awk '/^soak-honest-p99:/ { print $2 }' "$T/quiet.out")
lp99=$(awk '/^soak-honest-p99:/ { print $2 }' "$T/loaded.out")
hline=$(grep '^soak-hostile: done' "$T/loaded.out")
hfail=$(printf '%s\n' "$hline" | awk '{ print $(NF - 1) }')
nviol=$(grep -c 'protocol violation' "$T/loaded.err")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b != "") printf "%.2fx", b / a; else print "-" }'; }
echo
echo "soak: ${D}s per run, $PAR hostile loops for ${H}s of the loaded run"
printf '  %-26s %14s %14s %10s\n' "" quiet loaded ratio
printf '  %-26s %14s %14s %10s\n' "honest requests" "${qn:--}" "${ln:--}" "$(ratio "$qn" "$ln")"
printf '  %-26s %14s %14s %10s\n' "honest requests/s" \
	"$(awk -v n="$qn" -v d="$D" 'BEGIN { printf "%.0f", n / d }')" \
	"$(awk -v n="$ln" -v d="$D" 'BEGIN { printf "%.0f", n / d }')" ""
printf '  %-26s %14s %14s %10s\n' "median latency (us)" "${qmed:--}" "${lmed:--}" "$(ratio "$qmed" "$lmed")"
printf '  %-26s %14s %14s %10s\n' "p99 latency (us)" "${qp99:--}" "${lp99:--}" "$(ratio "$qp99" "$lp99")"
printf '  %-26s %14s %14s %10s\n' "worst latency (us)" "${qmax:--}" "${lmax:--}" "$(ratio "$qmax" "$lmax")"
printf '  %-26s %14s %14s\n' "honest errors" "${qerr:--}" "${lerr:--}"
printf '  %-26s %14s %14s\n' "" start end
printf '  %-26s %14s %14s\n' "broker RSS (kB, loaded)" "${rss0:--}" "${rss1:--}"
printf '  %-26s %14s %14s\n' "broker fds (loaded)" "${fds0:--}" "${fds1:--}"
echo "  hostile: ${hline#soak-hostile: done, }"
echo "  protocol violations logged: $nviol"
echo "  broker exit status: quiet $qst, loaded $lst"
echo

check() { if eval "$2"; then pass "$1"; else fail "$1${3:+: $3}"; fi; }
check "quiet run: honest errors = 0" '[ "${qerr:-x}" = 0 ]' "errors ${qerr:-none reported}"
check "quiet run: honest requests > 0" '[ "${qn:-0}" -gt 0 ]'
check "loaded run: honest errors = 0" '[ "${lerr:-x}" = 0 ]' "errors ${lerr:-none reported}"
check "loaded run: honest requests > 0" '[ "${ln:-0}" -gt 0 ]'
check "broker fds at end <= at start ($fds0)" \
	'[ -n "$fds0" ] && [ -n "$fds1" ] && [ "$fds1" -le "$fds0" ]' \
	"start ${fds0:-?}, end ${fds1:-?}"
check "broker RSS at end <= start + 8 MiB" \
	'[ -n "$rss0" ] && [ -n "$rss1" ] && [ "$rss1" -le $((rss0 + 8192)) ]' \
	"start ${rss0:-?} kB, end ${rss1:-?} kB"
check "hostile runs all behaved" '[ -n "$hline" ] && [ "$hfail" = 0 ]' "${hline:-no hostile report}"
check "protocol violations logged" '[ "$nviol" -gt 0 ]'
check "broker exited 0 (quiet)" '[ "$qst" = 0 ]' "exit $qst"
check "broker exited 0 (loaded)" '[ "$lst" = 0 ]' "exit $lst"
if [ "$nfail" -gt 0 ]; then
	for f in quiet.err loaded.err; do
		echo "--- $f (filtered, last lines)"
		grep -v 'protocol violation' "$T/$f" | tail -n 15 | sed 's/^/      /'
	done
fi
finish
