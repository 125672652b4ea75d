#!/bin/sh
# bench.sh: the driver of `make bench` and `make bench-deps`; docs/bench.md.
#
#   sh scripts/bench.sh          run every figure (B= the build folder), print
#                                the table, write $B/bench/results.json and
#                                $B/bench/ratios.svg
#   sh scripts/bench.sh deps     install the peer sandboxes and the workloads'
#                                programs (root), or print the apt-get
#                                command that would
#
# Environment: BENCH_ROUNDS (default 3) repeats the micro figures that many
# times, interleaved; BENCH_QUICK=1 makes every figure short (a smoke test,
# numbers not meant to be quoted); BENCH_ONLY=serve measures the daemon
# (section 6) alone, BENCH_ONLY=workloads the real workloads (section 4).
set -eu

# The peer sandboxes, strace (system calls per request), and the programs
# of the real workloads that a build machine may lack (clamscan; Debian's
# python3 at /usr/bin/python3).
PEERS="bubblewrap proot firejail runsc strace clamav python3"

if [ "${1:-}" = deps ]; then
	missing=
	for p in $PEERS; do
		dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
			missing="$missing $p"
	done
	if [ -z "$missing" ]; then
		echo "bench-deps: all installed:$(printf ' %s' $PEERS)"
		exit 0
	fi
	cmd="apt-get install -y --no-install-recommends$missing"
	if [ "$(id -u)" -eq 0 ]; then
		echo "bench-deps: $cmd"
		apt-get update -qq || true
		DEBIAN_FRONTEND=noninteractive $cmd
	else
		echo "bench-deps: not root; run as root:"
		echo "    $cmd"
		exit 1
	fi
	exit 0
fi

B=${B:-build}
command -v python3 >/dev/null 2>&1 || {
	echo "bench: python3 is needed for the driver (apt-get install python3)" >&2
	exit 1
}
exec python3 "$(dirname "$0")/bench_driver.py" --build "$B"
