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
# And the broker's own answer still works from every CPU: a worker thread
# on each CPU opens files (a file in this folder, as the default policy
# allows) -- the threads of cpuspread need none, so a shell loop on each.
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
expect "a worker on any CPU is answered" "^hello hello\$" \
	sh -c "'$FB' run --policy p.policy -- sh -c 'taskset -c 0 cat f.txt & taskset -c 1 cat f.txt; wait' | tr '\\n' ' ' | sed 's/ \$//'"
finish
