# Shared by the integration tests: sourced, not run.
#   B       the build folder (default build)
#   FB      the filebroker binary
#   T       a fresh folder for this test, removed at exit; world-readable so
#           that a worker running as nobody can execute the helpers in $T/bin
B=${B:-build}
FB=$(pwd)/$B/filebroker
T=$(mktemp -d "${TMPDIR:-/tmp}/fbtest.XXXXXX")
chmod 755 "$T"
mkdir -p "$T/bin"
for h in "$B"/tests/helpers/* "$B"/examples/*; do
	[ -f "$h" ] && cp "$h" "$T/bin/"
done
trap 'rm -rf "$T"' EXIT
npass=0
nfail=0

pass() { npass=$((npass + 1)); echo "PASS $*"; }
fail() { nfail=$((nfail + 1)); echo "FAIL $*"; }
skip_all() { echo "SKIP $*"; echo "$*"; exit 77; }

# expect NAME PATTERN CMD...: run CMD; its output (stdout and stderr) must
# match the extended regular expression PATTERN.
expect() {
	name=$1 pattern=$2
	shift 2
	out=$("$@" 2>&1)
	if printf '%s\n' "$out" | grep -Eq -- "$pattern"; then
		pass "$name"
	else
		fail "$name: expected /$pattern/, got:"
		printf '%s\n' "$out" | sed 's/^/      /' | head -n 20
	fi
}

# refute NAME PATTERN CMD...: the output must not match PATTERN.
refute() {
	name=$1 pattern=$2
	shift 2
	out=$("$@" 2>&1)
	if printf '%s\n' "$out" | grep -Eq -- "$pattern"; then
		fail "$name: must not match /$pattern/, got:"
		printf '%s\n' "$out" | sed 's/^/      /' | head -n 20
	else
		pass "$name"
	fi
}

# status NAME WANT CMD...: the exit status of CMD must be WANT.
status() {
	name=$1 want=$2
	shift 2
	"$@" >"$T/.status-out" 2>&1
	got=$?
	if [ "$got" -eq "$want" ]; then
		pass "$name"
	else
		fail "$name: exit status $got, wanted $want"
		sed 's/^/      /' "$T/.status-out" | head -n 20
	fi
}

# wait_socket PATH: until PATH is a socket (a daemon listening), 5 s at most.
wait_socket() {
	i=0
	while [ ! -S "$1" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

finish() {
	echo "$npass passed, $nfail failed"
	[ "$nfail" -eq 0 ]
	exit $?
}
