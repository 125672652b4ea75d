#!/bin/sh
# make demo: run the bundled example worker under filebroker with the
# example policy, showing an allowed and a denied access and their audit
# records.  Usage: scripts/demo.sh BUILD_DIR
set -eu
B=${1:-build}
FB=$(pwd)/$B/filebroker
D=$(mktemp -d "${TMPDIR:-/tmp}/fbdemo.XXXXXX")
trap 'rm -rf "$D"' EXIT
chmod 755 "$D"
mkdir -p "$D/inbox" "$D/private"
cp "$B/examples/fbcat" "$D/fbcat"
echo "Hello from a file the policy allows." >"$D/inbox/report.txt"
echo "You should never see this line." >"$D/private/key.txt"
chmod -R go+rX "$D"
cat >"$D/demo.policy" <<POLICY
# The worker may read the inbox, and nothing else.
include @runtime
allow read,list $D/inbox/**
POLICY

# Bold headings on a terminal only, and not under NO_COLOR (no-color.org):
# into a pipe or a file the demo writes plain text.
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-dumb}" != dumb ]; then
	say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
else
	say() { printf '\n%s\n' "$*"; }
fi
say "The policy ($D/demo.policy):"
sed 's/^/    /' "$D/demo.policy"
if [ "$(id -u)" -eq 0 ]; then
	say "Running as root: the worker runs as 'nobody'; the broker opens files for it."
fi
say "\$ filebroker run --policy demo.policy --audit audit.jsonl -- fbcat inbox/report.txt private/key.txt"
set +e
(cd "$D" && "$FB" run --policy demo.policy --audit audit.jsonl -- ./fbcat inbox/report.txt private/key.txt)
st=$?
set -e
say "fbcat exited with status $st (1: one file was denied)."
say "The audit records, one JSON object per request:"
sed 's/^/    /' "$D/audit.jsonl"
say "The same denial without --audit prints one line on stderr:"
(cd "$D" && "$FB" run --policy demo.policy -- ./fbcat private/key.txt) 2>&1 | sed 's/^/    /' || true
say "And 'filebroker explain' says why:"
"$FB" explain --policy "$D/demo.policy" "$D/inbox/report.txt" "$D/private/key.txt" | sed 's/^/    /' || true
