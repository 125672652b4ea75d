# Shared by the integration tests: sourced, not run.
#   B       the build folder (default build)
#   FB      the filebroker binary
#   T       a fresh folder for this test, removed at exit; world-readable so
#           that a worker running as nobody can execute the helpers in $T/bin
B=${B:-build}
FB=$(pwd)/$B/filebroker
# $T goes unescaped into policies, regular expressions and Unix socket
# addresses (108 bytes): a TMPDIR with characters other than letters,
# digits and / . _ - (a blank ends a policy word), or longer than 64
# bytes, is passed over for /tmp, and said so.
tmp=${TMPDIR:-/tmp}
case $tmp in
[!/]*) tmp_why="not an absolute path" ;;
*[!A-Za-z0-9/._-]*) tmp_why="characters the tests' policies would have to escape" ;;
*) [ ${#tmp} -le 64 ] && tmp_why= || tmp_why="longer than 64 bytes, too long for socket paths" ;;
esac
if [ -n "$tmp_why" ]; then
	echo "SKIP TMPDIR=$tmp: $tmp_why; /tmp instead"
	tmp=/tmp
fi
# Never an empty $T: everything below would land in / (a missing TMPDIR).
T=$(mktemp -d "$tmp/fbtest.XXXXXX") && [ -n "$T" ] || {
	echo "FAIL no folder for the test in $tmp"
	exit 1
}
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

# free_ids N: N numbers, from 59000 up, that no user and no group holds,
# for workers that need a uid of their own but no account (setpriv, the
# policy's profile lines and `filebroker serve` take numbers): tests must
# not count on accounts such as daemon or staff.  Below 65536, so that a
# container's usual uid map has them.
free_ids() {
	n=$1 id=59000 ids=
	while [ "$n" -gt 0 ] && [ "$id" -lt 61000 ]; do
		if ! getent passwd "$id" >/dev/null 2>&1 && ! getent group "$id" >/dev/null 2>&1 &&
			! grep -q "^[^:]*:[^:]*:$id:" /etc/passwd /etc/group 2>/dev/null; then
			ids="$ids $id"
			n=$((n - 1))
		fi
		id=$((id + 1))
	done
	echo $ids
}

# policy_safe DIR: what a root broker's strict modes ask of the policies in
# DIR (filebroker.policy(5), STRICT MODES): its folders that others may
# write get the sticky bit (as /tmp: workers still write there, and nobody
# can replace another's file), its policy files (*.policy, *.rules) are
# writable by their owner only.
policy_safe() {
	find "$1" -type d -perm /022 -exec chmod +t {} +
	find "$1" -type f \( -name '*.policy' -o -name '*.rules' \) -exec chmod go-w {} +
}

# have_run_worker: `filebroker run` as root gives its worker the user nobody
# (unless --user names another): true unless root on a system without it.
have_run_worker() { [ "$(id -u)" -ne 0 ] || getent passwd nobody >/dev/null 2>&1; }

# have_sandbox: the kernel has what the worker sandbox needs (Landlock ABI 6,
# seccomp notification with ADDFD_SEND and WAIT_KILLABLE_RECV), without
# which `filebroker run` and fb_sandbox_enter() refuse; else false, with
# the reason in $sandbox_why.
have_sandbox() {
	sandbox_why=$("$T/bin/escape" --probe 2>&1) && return 0
	sandbox_why=$(printf '%s\n' "$sandbox_why" | tail -n 1)
	return 1
}

# need_run WHAT: skip WHAT where `filebroker run` cannot start a worker.
need_run() {
	have_run_worker || skip_all "$1: no user nobody, the worker's user of filebroker run as root"
	have_sandbox || skip_all "$1: the kernel lacks what the worker sandbox needs: $sandbox_why"
}

# wait_socket PATH: until PATH is a socket (a daemon listening), 30 s at most.
wait_socket() {
	i=0
	while [ ! -S "$1" ] && [ $i -lt 600 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

# wait_log PATTERN: until the file $LOG matches the extended regular
# expression PATTERN (a daemon's log line), 5 s at most; 1 if it never did.
wait_log() {
	i=0
	while ! grep -Eq -- "$1" "$LOG" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.05
	done
}

finish() {
	echo "$npass passed, $nfail failed"
	[ "$nfail" -eq 0 ]
	exit $?
}
