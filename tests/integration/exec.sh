#!/bin/sh
# What the worker may exec is what the policy says, as `filebroker explain
# --access exec` says it: a deny rule wins over an allow rule, a wildcard
# grants what it matches and nothing beside it, a symlink runs only what
# the policy allows at its target, a hard link of a denied program is not a
# way around the deny.  exec never reaches the broker (the kernel checks
# Landlock's EXECUTE), so the exec rules are Landlock grants built from the
# policy's own decisions (broker/run/exec_grants.c).
#
# The worker is fbtool (COMMAND always runs); it posix_spawn()s each
# program, a copy of fbtool run as "fbtool sleep 0", and says ok or the
# errno.
. tests/integration/lib.sh

X=$T/x
mkdir -p "$X/bin/sub" "$X/lib"
for f in py1 py2 pz other id sub/py3 sub/deep; do
	cp "$T/bin/fbtool" "$X/bin/$f"
done
cp "$T/bin/fbtool" "$X/lib/tool"
ln -s id "$X/bin/link-to-id"
ln "$X/bin/id" "$X/bin/hardlink-of-id"
chmod -R go+rX "$T"

# spawn POLICY PROGRAM: ok, or the errno, as the worker saw it.
spawn() {
	"$FB" run --policy "$1" -- "$T/bin/fbtool" spawn "$2" sleep 0 2>&1 |
		sed -n "s|^spawn $2: ||p"
}

# agree NAME POLICY PATH...: for each PATH, explain's exec decision and
# what the worker could run must be the same.
agree() {
	name=$1 policy=$2
	shift 2
	bad=
	for path in "$@"; do
		d=$("$FB" explain --policy "$policy" --access exec "$path" 2>/dev/null | cut -d' ' -f1)
		r=$(spawn "$policy" "$path")
		case "$d:$r" in
		allow:ok | deny:EACCES) ;;
		*) bad="$bad ${path#"$X"/}(explain $d, run ${r:-nothing})" ;;
		esac
	done
	if [ -z "$bad" ]; then
		pass "$name: explain and run agree on $# programs"
	else
		fail "$name: explain and run disagree:$bad"
	fi
}

ALL="$X/bin/py1 $X/bin/py2 $X/bin/pz $X/bin/other $X/bin/id $X/bin/sub/py3 $X/bin/sub/deep $X/lib/tool"

P1=$T/deny.policy
cat >"$P1" <<EOF
include @runtime
allow exec $X/**
deny exec $X/bin/id
EOF
expect "deny exec wins over allow exec $X/**" "^EACCES$" spawn "$P1" "$X/bin/id"
expect "the rest of the tree runs" "^ok$" spawn "$P1" "$X/bin/other"
expect "a symlink to a denied program runs nothing" "^EACCES$" spawn "$P1" "$X/bin/link-to-id"
expect "a hard link of a denied program runs nothing (deny wins)" "^EACCES$" \
	spawn "$P1" "$X/bin/hardlink-of-id"
# shellcheck disable=SC2086 # ALL is a list of paths without blanks
agree "deny below allow" "$P1" $ALL

P2=$T/glob.policy
cat >"$P2" <<EOF
include @runtime
allow exec $X/bin/py*
EOF
expect "a glob grants what it matches" "^ok$" spawn "$P2" "$X/bin/py2"
expect "a glob grants nothing beside it (same folder)" "^EACCES$" spawn "$P2" "$X/bin/other"
expect "a glob grants nothing below it" "^EACCES$" spawn "$P2" "$X/bin/sub/py3"
# shellcheck disable=SC2086
agree "py*" "$P2" $ALL

P3=$T/mixed.policy
cat >"$P3" <<EOF
include @runtime
allow exec $X/**/p*
allow exec $X/lib/**
deny exec $X/**/*2
deny exec $X/bin/sub/**
EOF
# shellcheck disable=SC2086
agree "**/p* minus **/*2 and a folder" "$P3" $ALL

P4=$T/literal.policy
cat >"$P4" <<EOF
include @runtime
allow exec $X/bin/other
allow exec $X/bin/link-to-id
allow exec $X/bin
EOF
# shellcheck disable=SC2086
agree "literal rules" "$P4" $ALL
expect "a literal rule naming a symlink: the target is decided, with a warning" \
	"link-to-id is $X/bin/id \(through a symlink\)" "$FB" run --policy "$P4" -- true
expect "a literal rule naming a folder grants nothing beneath it" "^EACCES$" \
	spawn "$P4" "$X/bin/py1"

# COMMAND always runs, unless a deny rule denies it.
status "COMMAND denied by a deny rule: refused (126)" 126 "$FB" run --policy "$P1" -- "$X/bin/id" sleep 0
expect "COMMAND denied by a deny rule: the rule is named" "exec of $X/bin/id is denied by rule .*deny.policy:3" \
	"$FB" run --policy "$P1" -- "$X/bin/id" sleep 0

# Only the subtrees a deny rule (or a wildcard) could reach are walked: a
# deny rule deep in one folder leaves the rest of the file system one
# folder grant each.
P5=$T/wide.policy
cat >"$P5" <<EOF
include @runtime
allow exec /**
deny exec $X/bin/id
EOF
expect "allow exec /** with one deny: the rest is folder grants" \
	"exec grants: [0-9]+ files, [0-9]+ folders" "$FB" run -v --policy "$P5" -- true
expect "allow exec /** with one deny: programs elsewhere run" "^ok$" spawn "$P5" /usr/bin/true
expect "allow exec /** with one deny: the denied program does not run" "^EACCES$" \
	spawn "$P5" "$X/bin/id"
# The walk is bounded: a deny rule that could match anywhere below an
# allow rule over the whole file system is an error naming the rule, not a
# start-up that reads the disk.
P6=$T/wider.policy
cat >"$P6" <<EOF
include @runtime
allow exec /**
deny exec /**/id
EOF
expect "allow exec /** with deny exec /**/id: a clear error naming the rule" \
	"exec rule .*wider.policy:2 \(/\*\*\): deciding exec file by file under / takes more than" \
	"$FB" run --policy "$P6" -- true
status "allow exec /** with deny exec /**/id: nothing runs (125)" 125 "$FB" run --policy "$P6" -- true
# @runtime allows exec of the dynamic loader only: a library that is also a
# program (libc.so.6 prints its version) does not run, dynamic programs do.
RT=$T/runtime.policy
cat >"$RT" <<EOF
include @runtime
allow read $X/**
allow exec /usr/bin/dash
allow exec /usr/bin/cat
allow exec /usr/bin/python3*
allow stat /usr/bin
allow read,list /usr/lib/python3/**
allow read,list /usr/lib/python3.11/**
allow stat,list /usr/local/lib
allow read,list /usr/local/lib/python3.11/**
EOF
libc=$(realpath /lib/x86_64-linux-gnu/libc.so.6 2>/dev/null)
if [ -n "$libc" ] && "$libc" >/dev/null 2>&1; then
	expect "@runtime: a library is not a program (libc.so.6)" "^EACCES$" spawn "$RT" "$libc"
fi
echo "runtime ok" >"$X/hello.txt"
chmod 644 "$X/hello.txt"
expect "@runtime: a dynamic program runs (dash, cat)" "^runtime ok$" \
	"$FB" run --policy "$RT" -- /usr/bin/dash -c "/usr/bin/cat $X/hello.txt"
if [ -x /usr/bin/python3 ]; then
	expect "@runtime: a dynamic program runs (python3)" "^3$" \
		"$FB" run --policy "$RT" -- /usr/bin/python3 -c 'import json; print(len(json.dumps([1])))'
fi
# What a read grant implies (docs/threat-model.md): the loader, which every
# dynamic program needs, runs a readable ELF file that is not executable.
cp "$T/bin/fbtool" "$X/plain"
chmod 644 "$X/plain"
expect "documented: a read grant lets the loader run a readable ELF (ld.so FILE)" \
	"^spawn /lib64/ld-linux-x86-64.so.2: ok$" "$FB" run --policy "$RT" -- \
	"$T/bin/fbtool" spawn /lib64/ld-linux-x86-64.so.2 "$X/plain" sleep 0

printf 'include @runtime\nallow exec /**\n' >"$T/all.policy"
expect "allow exec /** alone is one folder grant" "landlock rule: /: execute" \
	"$FB" run --policy "$T/all.policy" --print-sandbox

# A script COMMAND (#!): COMMAND may always run, and so its interpreter
# may read it (rule @command); the interpreter needs its own exec rule, and
# a deny rule of the script still wins.  Nothing else of its folder.
if have_run_worker; then
	mkdir -p "$T/tools"
	printf '#!/bin/sh\necho from-the-script\n' >"$T/tools/hello"
	echo "beside it" >"$T/tools/other.txt"
	chmod -R go+rX "$T/tools"
	chmod 755 "$T/tools/hello"
	printf 'include @runtime\ninclude @shell\n' >"$T/sh.policy"
	expect "a script COMMAND runs, read by its interpreter" "^from-the-script\$" \
		"$FB" run --policy "$T/sh.policy" -- "$T/tools/hello"
	refute "a script COMMAND: no denial" "denied" \
		sh -c "cd / && '$FB' run --policy '$T/sh.policy' -- '$T/tools/hello'"
	expect "a script COMMAND found on PATH" "^from-the-script\$" \
		env PATH="$T/tools:$PATH" "$FB" run --policy "$T/sh.policy" -- hello
	"$FB" run --policy "$T/sh.policy" --audit "$T/cmd.jsonl" -- "$T/tools/hello" >/dev/null 2>&1
	expect "records name the rule @command" "\"canon\":\"$T/tools/hello\".*\"decision\":\"allow\",\"rule\":\"@command\"" \
		cat "$T/cmd.jsonl"
	expect "--print-policy shows it" "^allow read $T/tools/hello	# @command\$" \
		"$FB" run --policy "$T/sh.policy" --print-policy -- "$T/tools/hello"
	refute "not for a program that is no script" "@command" \
		"$FB" run --policy "$T/sh.policy" --print-policy -- /usr/bin/true
	expect "nothing else of its folder" "denied open of \"$T/tools/other.txt\"" \
		"$FB" run --policy "$T/sh.policy" -- sh -c "cat $T/tools/other.txt"
	printf 'include @runtime\ninclude @shell\ndeny read %s/tools/*\n' "$T" >"$T/deny-script.policy"
	expect "a deny rule of the script wins" "denied open of \"$T/tools/hello\"" \
		"$FB" run --policy "$T/deny-script.policy" -- "$T/tools/hello"
fi

finish
