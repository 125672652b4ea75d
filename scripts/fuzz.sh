#!/bin/sh
# make fuzz: run each libFuzzer target (built by the Makefile into
# $FUZZ_B) for FUZZ_SECONDS on a copy of its seed corpus, and report its
# executions and findings.  A crash, leak or sanitizer report is a finding:
# the reproducer is kept in $FUZZ_B/findings/TARGET/ and the run fails.
#
#	FUZZ_B=build-fuzz FUZZ_SECONDS=60 sh scripts/fuzz.sh fuzz_proto ...
set -u
FUZZ_B=${FUZZ_B:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
failed=0
for t in "$@"; do
	seeds=tests/fuzz/corpus/$t
	work=$FUZZ_B/corpus/$t
	found=$FUZZ_B/findings/$t
	mkdir -p "$work" "$found"
	[ -d "$seeds" ] && cp -r "$seeds/." "$work/"
	log=$FUZZ_B/$t.log
	"$FUZZ_B/$t" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 \
		-artifact_prefix="$found/" -close_fd_mask=3 "$work" >"$log" 2>&1
	st=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	nfound=$(find "$found" -type f | wc -l)
	if [ "$st" -eq 0 ] && [ "$nfound" -eq 0 ]; then
		echo "fuzz: $t: ${execs:-?} executions, 0 findings"
	else
		echo "fuzz: $t: ${execs:-?} executions, $nfound findings (exit $st); see $log and $found/"
		failed=1
	fi
done
exit $failed
