#!/bin/sh
# Runs every test `make check` knows: the cmocka unit binaries, the fuzz
# mutation loops, the golden files and the integration scripts.  Prints one
# PASS/FAIL/SKIP line per test and a closing "N passed, N failed, N skipped";
# an integration script's own lines are shown below it, "KNOWN FAILING"
# ones among them (a case it runs that fails today for a cause it names).
#
# Environment: B (build dir, default build), MUTATE_ITERATIONS.
set -u
B=${B:-build}
MUTATE_ITERATIONS=${MUTATE_ITERATIONS:-20000}
export B

passed=0
failed=0
skipped=0
failures=""
log=$(mktemp -d "${TMPDIR:-/tmp}/fbcheck.XXXXXX")
trap 'rm -rf "$log"' EXIT

count() {
	# count NAME STATUS OUTPUT_FILE: 0 pass, 77 skip, else fail
	case "$2" in
	0) passed=$((passed + 1)); echo "PASS $1" ;;
	77) skipped=$((skipped + 1)); echo "SKIP $1: $(tail -n 1 "$3")" ;;
	*) failed=$((failed + 1)); failures="$failures $1"
	   echo "FAIL $1 (exit $2)"; sed 's/^/    /' "$3" | tail -n 60 ;;
	esac
}

echo "== unit tests"
for t in "$B"/tests/test_*; do
	[ -x "$t" ] || continue
	name=unit/$(basename "$t")
	# A test that hangs fails (124) instead of stopping the run.
	timeout 600 "$t" >"$log/out" 2>&1
	st=$?
	grep -E '^\[  (PASSED|FAILED)|^\[ *SKIPPED' "$log/out" | sed 's/^/    /'
	count "$name" "$st" "$log/out"
done

echo "== fuzz mutation loops ($MUTATE_ITERATIONS inputs each)"
for t in "$B"/tests/mutate_fuzz_*; do
	[ -x "$t" ] || continue
	name=${t##*/mutate_}
	corpus=tests/fuzz/corpus/$name
	if [ ! -d "$corpus" ]; then
		echo "no seed corpus in $corpus" >"$log/out"
		count "fuzz/$name" 1 "$log/out"
		continue
	fi
	"$t" "$corpus" "$MUTATE_ITERATIONS" >"$log/out" 2>&1
	st=$?
	sed 's/^/    /' "$log/out" | tail -n 1
	count "fuzz/$name" "$st" "$log/out"
done

echo "== golden files"
if [ -f tests/golden/run.sh ]; then
	sh tests/golden/run.sh "$B" >"$log/out" 2>&1
	st=$?
	grep -c '^PASS' "$log/out" | sed 's/^/    cases passed: /'
	count golden "$st" "$log/out"
fi

echo "== integration tests"
for t in tests/integration/*.sh; do
	[ -f "$t" ] || continue
	case "$t" in */lib.sh) continue ;; esac
	name=integration/$(basename "$t" .sh)
	timeout 600 sh "$t" >"$log/out" 2>&1
	st=$?
	grep -E '^(PASS|FAIL|SKIP|KNOWN FAILING) ' "$log/out" | sed 's/^/    /'
	count "$name" "$st" "$log/out"
done

echo
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
