#!/bin/sh
# make fuzz and make fuzz-merge, over the libFuzzer targets the Makefile
# built into $FUZZ_B.
#
#	sh scripts/fuzz.sh run TARGET...    (make fuzz)
#	sh scripts/fuzz.sh merge TARGET...  (make fuzz-merge)
#
# run: each target fuzzes for FUZZ_SECONDS on its working corpus,
# $FUZZ_CORPUS/TARGET (default build-fuzz/corpus/TARGET), which the seeds of
# tests/fuzz/corpus/TARGET are copied into first and which keeps what every
# run finds, so that the next run goes on from there.  It reports its
# executions, its findings and its coverage (libFuzzer's edges "cov" and
# features "ft") at the start and the end.  A crash, leak or sanitizer
# report is a finding: the reproducer is kept in $FUZZ_B/findings/TARGET/
# and the run fails.
#
# merge: adds to tests/fuzz/corpus/TARGET the inputs of the working corpus
# that reach edges the seeds do not (libFuzzer's -merge=1, which keeps the
# smallest inputs that do; FUZZ_MERGE_FLAGS, default -use_counters=0, makes
# it count edges and not how often each is hit: empty it to keep those
# too, at ten times the files), and says how many; the seeds there are
# kept as they are.  Commit them: CI's fuzz run starts from the committed
# seeds, so that is how coverage carries over from one run to the next.
set -u
FUZZ_B=${FUZZ_B:-build-fuzz}
FUZZ_CORPUS=${FUZZ_CORPUS:-$FUZZ_B/corpus}
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
# Edges only, not how often each is hit: the smallest set of inputs that
# reaches every edge (a fuzz run finds the hit counts again in seconds).
FUZZ_MERGE_FLAGS=${FUZZ_MERGE_FLAGS--use_counters=0}
mode=${1:-}
[ $# -gt 0 ] && shift
case $mode in
run | merge) ;;
*)
	echo "usage: sh scripts/fuzz.sh run|merge TARGET..." >&2
	exit 2
	;;
esac

# cov: N ft: N corp: N of libFuzzer's first INITED or last DONE line.
coverage() {
	sed -n "s/^#[0-9]*[[:space:]]*$1[[:space:]]*cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/cov \1, ft \2, \3 inputs/p" "$2" |
		tail -n 1
}

failed=0
for t in "$@"; do
	seeds=tests/fuzz/corpus/$t
	work=$FUZZ_CORPUS/$t
	log=$FUZZ_B/$t.$mode.log
	if [ "$mode" = merge ]; then
		if [ ! -d "$work" ]; then
			echo "fuzz-merge: $t: no working corpus in $work: run make fuzz first"
			continue
		fi
		mkdir -p "$seeds"
		before=$(find "$seeds" -type f | wc -l)
		# shellcheck disable=SC2086 # FUZZ_MERGE_FLAGS: words
		"$FUZZ_B/$t" -merge=1 $FUZZ_MERGE_FLAGS -close_fd_mask=3 "$seeds" "$work" >"$log" 2>&1
		st=$?
		after=$(find "$seeds" -type f | wc -l)
		if [ "$st" -ne 0 ]; then
			echo "fuzz-merge: $t: failed (exit $st); see $log"
			failed=1
			continue
		fi
		echo "fuzz-merge: $t: $((after - before)) inputs added to $seeds ($after in all):" \
			"$(sed -n 's/^MERGE-OUTER: //p' "$log" | tail -n 1)"
		continue
	fi
	found=$FUZZ_B/findings/$t
	mkdir -p "$work" "$found"
	[ -d "$seeds" ] && cp -r "$seeds/." "$work/"
	"$FUZZ_B/$t" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 \
		-artifact_prefix="$found/" -close_fd_mask=3 "$work" >"$log" 2>&1
	st=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	nfound=$(find "$found" -type f | wc -l)
	cov="coverage $(coverage INITED "$log") -> $(coverage DONE "$log")"
	if [ "$st" -eq 0 ] && [ "$nfound" -eq 0 ]; then
		echo "fuzz: $t: ${execs:-?} executions, 0 findings; $cov"
	else
		echo "fuzz: $t: ${execs:-?} executions, $nfound findings (exit $st); see $log and $found/"
		failed=1
	fi
done
exit $failed
