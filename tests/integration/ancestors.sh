#!/bin/sh
# Ancestors are visible, and exec implies stat (filebroker.policy(5),
# "Ancestors"): tools that walk from / to the tree they are allowed
# (mkdir -p, realpath, git) reach it, a shell's PATH search finds the
# programs an exec rule allows, and a deny rule still wins.
. tests/integration/lib.sh

need_run "ancestors.sh"

O=$T/srv/out
mkdir -p "$O" "$T/srv/other"
echo "plain words" >"$O/notes.txt"
chmod -R go+rwX "$T/srv"

P=$T/walk.policy
cat >"$P" <<EOF
include @runtime
allow exec /usr/bin/**
allow all $O/**
EOF

# run_in POLICY CMD...: CMD under POLICY, from $O (the worker's cwd).
run_in() {
	pol=$1
	shift
	(cd "$O" && "$FB" run --policy "$pol" -- "$@")
}

status "mkdir -p into an allowed tree" 0 run_in "$P" mkdir -p "$O/x/y"
if [ -d "$O/x/y" ]; then pass "mkdir -p made $O/x/y"; else fail "mkdir -p made nothing"; fi
refute "mkdir -p: no folder above the tree is hidden" "denied (stat|access)" \
	run_in "$P" mkdir -p "$O/x/y/z"
# Its mkdir of each folder above the tree (/, $T, ...) answers EEXIST, as
# the kernel does to anyone who may stat it: not a denial.
refute "mkdir -p: no denial for the folders that exist" "denied|requests? denied" \
	run_in "$P" mkdir -p "$O/x/y/w"
(cd "$O" && "$FB" run --policy "$P" --audit "$T/mk.jsonl" -- mkdir -p "$O/x/v") >/dev/null 2>&1
expect "mkdir of a folder above the tree: recorded as an allowed stat with EEXIST" \
	"\"op\":\"mkdir\",\"path\":\"$T\",\"canon\":\"$T\",\"access\":\"stat\",\"flags\":null,\"decision\":\"allow\",\"rule\":\"@ancestor of [^\"]*\",\"errno\":\"EEXIST\"" \
	cat "$T/mk.jsonl"
refute "mkdir -p: no record denies" "\"decision\":\"deny\"" cat "$T/mk.jsonl"
# Where the worker may not see the folder, the denial as before.
expect "mkdir of a hidden folder: still denied, EACCES" "Permission denied" \
	run_in "$P" mkdir "$T/srv/other"
expect "realpath of an allowed path" "^$O/x/y\$" run_in "$P" realpath "$O/x/y"
ln -s x "$O/lnk"
expect "realpath through a symlink and .." "^$O/x/y\$" run_in "$P" realpath "$O/lnk/../x/y"

# A shell's PATH search stats each candidate: exec implies stat.
if command -v file >/dev/null; then
	cat >"$T/file.policy" <<EOF
include @runtime
allow exec /usr/bin/**
allow read /etc/magic
allow read /etc/magic.mgc
allow read,list /usr/lib/file/**
allow read,list /usr/share/file/**
allow read,list $O/**
EOF
	want=$(cd "$O" && file notes.txt)
	expect "sh -c 'file x' finds file by its PATH search (exec implies stat)" "^$want\$" \
		run_in "$T/file.policy" sh -c 'file notes.txt'
	refute "sh -c 'file x': no denial line" "denied" run_in "$T/file.policy" sh -c 'file notes.txt'
else
	echo "SKIP sh -c 'file x': no file(1)"
fi

if command -v git >/dev/null; then
	cat >"$T/git.policy" <<EOF
include @runtime
allow exec /usr/bin/**
allow exec /usr/lib/git-core/**
allow read,list /usr/share/git-core/**
allow all $O/**
EOF
	(cd "$O" && HOME=$O GIT_CONFIG_NOSYSTEM=1 "$FB" run --policy "$T/git.policy" -- \
		git init -q "$O/repo") >"$T/git.out" 2>&1
	st=$?
	if [ $st -eq 0 ] && [ -f "$O/repo/.git/HEAD" ]; then
		pass "git init into an allowed tree"
	else
		fail "git init: exit $st"
		sed 's/^/      /' "$T/git.out" | head -n 20
	fi
else
	echo "SKIP git init: no git"
fi

# Still only stat, on the way only, and a deny rule wins.
cat >"$T/deny.policy" <<EOF
include @runtime
allow exec /usr/bin/**
allow all $O/**
deny stat $T/srv
EOF
status "a deny stat rule on an ancestor wins: realpath fails" 1 \
	run_in "$T/deny.policy" realpath "$O/x/y"
expect "an ancestor cannot be listed" "denied open of \"$T/srv\" \\(list\\)" \
	run_in "$P" ls "$T/srv"
expect "a sibling of the tree stays hidden" "denied l?stat of \"$T/srv/other\"" \
	run_in "$P" stat "$T/srv/other"
expect "explain names the ancestor rule" "^allow  stat  $T/srv  \\(@ancestor of $P:3\\)\$" \
	"$FB" explain --policy "$P" --access stat "$T/srv"

finish
