#!/bin/sh
# Placement (filebroker(1) --placement, design.md "Placement"): by default
# the worker's programs get every CPU they would get unsandboxed, so that
# nproc, make -j and every parallel program keep their parallelism; only
# --placement shared confines broker and worker to one CPU.
. tests/integration/lib.sh
need_run placement.sh

outside=$(nproc)
[ "$outside" -ge 2 ] || skip_all "placement.sh: one CPU here ($outside), nothing to spread over"
cd "$T" || exit 1

# nproc goes by sched_getaffinity(): inside as outside.
expect "default placement: nproc inside is nproc outside ($outside)" "^$outside\$" \
	"$FB" run -- nproc
expect "--placement spread: nproc inside is nproc outside" "^$outside\$" \
	"$FB" run --placement spread -- nproc
expect "--placement shared: one CPU, as documented" "^1\$" \
	"$FB" run --placement shared -- nproc
# What each placement says it did, with -v.
expect "-v says the placement" "placement spread: the worker may run on $outside CPUs" \
	"$FB" run -v -- true
expect "-v says the CPU --placement shared chose" "placement shared: broker and worker share CPU [0-9]" \
	"$FB" run -v --placement shared -- true

# Two busy threads run at once on two CPUs: seen on different CPUs within
# 1 ms of each other (cpuspread.c).  Under a heavily loaded machine that
# can take a while; up to 10 s.
expect "default placement: two threads run on two CPUs at once" \
	"allowed $outside.*concurrent yes" sh -c "'$FB' run -- '$T/bin/cpuspread' 10 | tr '\n' ' '"
expect "--placement shared: two threads never run at once" \
	"allowed 1.*concurrent no" sh -c "'$FB' run --placement shared -- '$T/bin/cpuspread' 0.3 | tr '\n' ' '"
# The seccomp listener's own thread (design.md "Placement"): only a task
# blocked in RECV itself is woken on the asking thread's CPU, so on a
# kernel that has SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (Linux 6.6) the broker
# serves its worker from a second thread; -v says which it is.
line=$("$FB" run -v -- true 2>&1 | grep "transparent mode: the seccomp listener is")
case "$line" in
*"a thread of its own"*)
	pass "-v: the listener is read by a thread of its own"
	"$FB" run -- sleep 5 &
	pid=$!
	threads=0
	for i in $(seq 50); do
		threads=$(sed -n 's/^Threads:[[:space:]]*//p' /proc/$pid/status 2>/dev/null)
		[ "$threads" = 2 ] && break
		sleep 0.1
	done
	kill $pid 2>/dev/null
	wait $pid 2>/dev/null
	if [ "$threads" = 2 ]; then
		pass "the broker serves its worker with two threads (the loop, the listener's)"
	else
		fail "the broker serves its worker with two threads: it has ${threads:-none}"
	fi ;;
*"served from the event loop"*)
	pass "-v: the listener is served from the event loop ($line)" ;;
*)
	fail "-v says how the listener is served: no such line" ;;
esac

# And the broker answers a worker on every CPU: two processes, each pinned
# to a CPU of its own with taskset, open a file.
if command -v taskset >/dev/null; then
	echo hello >"$T/f.txt"
	chmod 644 "$T/f.txt"
	cat >"$T/p.policy" <<EOF
include @runtime
allow read,exec $(realpath "$(command -v taskset)")
allow read,exec $(realpath "$(command -v cat)")
allow read $T/f.txt
allow stat $T
EOF
	chmod 644 "$T/p.policy"
	# The first two CPUs this test may use (its affinity), not the machine's.
	set -- $(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/$$/status | tr ',' '\n' |
		awk -F- '{ for (c = $1; c <= ($2 == "" ? $1 : $2); c++) print c }' | head -n 2)
	expect "a worker on any CPU is answered (CPUs $1 and $2)" "^hello hello\$" \
		sh -c "'$FB' run --policy p.policy -- sh -c 'taskset -c $1 cat f.txt & taskset -c $2 cat f.txt; wait' | tr '\\n' ' ' | sed 's/ \$//'"
else
	echo "SKIP a worker on any CPU is answered: no taskset (util-linux)"
fi
finish
