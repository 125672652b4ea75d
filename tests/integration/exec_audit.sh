#!/bin/sh
# Exec in the audit trail (issue 19 item 3): in transparent mode every
# execve and execveat the worker makes is recorded (op "exec") with the
# decision of the worker's own Landlock exec grants, by which rule, or
# refused; the kernel then goes on with the call.  What is recorded must
# be what Landlock decided: each case compares the record with what the
# worker saw.  Each record names the asking process's program ("exe"),
# which changes when that very process execs.  learn turns exec records
# into exec rules, a script's interpreter included, and the learned
# policy runs the program.
. tests/integration/lib.sh

need_run "exec_audit.sh"

X=$T/x
mkdir -p "$X/dir" "$T/p"
cp "$T/bin/fbtool" "$X/ok"
cp "$T/bin/fbtool" "$X/denied"
cp "$T/bin/fbtool" "$X/dir/tool"
printf '#!/bin/sh\nexit 0\n' >"$X/s.sh"
printf '#!/bin/sh\n%s sleep 0\n' "$X/ok" >"$X/run.sh"
chmod 755 "$X/s.sh" "$X/run.sh"
chmod -R go+rX "$T"
chmod 777 "$X/dir"
policy_safe "$X"
A=$T/a.jsonl

# recs OP CANON: the records of OP on CANON in $A, one a line.
recs() { grep "\"op\":\"$1\"" "$A" | grep -F "\"canon\":\"$2\""; }

# check NAME CANON PATTERN: the exec record of CANON matches PATTERN.
check() {
	if recs exec "$2" | grep -Eq -- "$3"; then
		pass "$1"
	else
		fail "$1: no exec record of $2 matching /$3/ in:"
		grep '"op":"exec"' "$A" | cut -c 1-400 | sed 's/^/      /' | head -n 20
	fi
}

# run_a ARG...: filebroker run --audit $A ARG..., a fresh $A, output kept.
run_a() {
	rm -f "$A"
	"$FB" run --audit "$A" "$@" >"$T/out" 2>&1
}

# 1. A shell and the programs it runs, under the built-in default policy.
run_a -- /bin/sh -c "ls / >/dev/null; /bin/true; $X/nothing-here; exit 0"
check "sh: its own exec is recorded, as COMMAND" /usr/bin/dash \
	'"exe":"[^"]*/filebroker".*"path":"/bin/sh".*"decision":"allow","rule":"[^"]+","errno":null'
check "sh: ls is recorded as allowed, with its rule, asked by dash" /usr/bin/ls \
	'"exe":"/usr/bin/dash".*"access":"exec".*"decision":"allow","rule":"@shell:[0-9]+","errno":null'
check "sh: /bin/true is recorded at its canonical path" /usr/bin/true \
	'"path":"/bin/true".*"decision":"allow"'
check "sh: a missing program is recorded with the kernel's ENOENT" "$X/nothing-here" \
	'"decision":"error","rule":null,"errno":"ENOENT"'
status "sh: filebroker audit reads every record back" 0 "$FB" audit "$A"

# 2. Allowed by a rule, denied by the default, denied by a deny rule under
# an allow rule; what the worker saw must be what was recorded.
P=$T/p/exec.policy
cat >"$P" <<EOF
include @runtime
allow exec $X/ok
allow read $X/ok
allow read $X/denied
allow exec $X/dir/*
deny exec $X/dir/bad
allow write,create,delete $X/dir/*
allow exec /usr/bin/dash
allow read $X/s.sh
EOF
policy_safe "$T/p"
PC=$(cd "$T/p" && pwd -P)/exec.policy
run_a --policy "$P" -- "$T/bin/fbtool" spawn "$X/ok" sleep 0
expect "allowed: the worker ran it" "^spawn $X/ok: ok" cat "$T/out"
check "allowed: recorded with its rule, by canonical path and line" "$X/ok" \
	"\"decision\":\"allow\",\"rule\":\"$PC:2\",\"errno\":null"
run_a --policy "$P" -- "$T/bin/fbtool" spawn "$X/denied" sleep 0
expect "denied: the worker got EACCES" "^spawn $X/denied: EACCES" cat "$T/out"
check "denied: recorded as denied by the default, EACCES" "$X/denied" \
	'"decision":"deny","rule":"default","errno":"EACCES"'
expect "denied: counted in the run's summary" "1 request denied" cat "$T/out"

# A file made after the start in a folder decided file by file: Landlock
# has no grant for it, though the policy allows its path (rule
# @exec-grant).
run_a --policy "$P" -- "$T/bin/fbtool" create "$X/dir/late" "$(printf '#!/bin/sh\nexit 0')" 755 \
	:: spawn "$X/dir/late" sleep 0
expect "made since the start: the worker got EACCES" "^spawn $X/dir/late: EACCES" cat "$T/out"
check "made since the start: recorded as refused by the grants (@exec-grant)" "$X/dir/late" \
	'"decision":"deny","rule":"@exec-grant","errno":"EACCES"'
run_a --policy "$P" -- "$T/bin/fbtool" spawn "$X/dir/tool" sleep 0
expect "in a folder decided file by file: runs" "^spawn $X/dir/tool: ok" cat "$T/out"
check "in a folder decided file by file: recorded with the wildcard rule" "$X/dir/tool" \
	"\"decision\":\"allow\",\"rule\":\"$PC:5\""

# 3. execveat(fd, "", AT_EMPTY_PATH): the descriptor's file, by its name.
run_a --policy "$P" -- "$T/bin/fbtool" fexec "$X/ok" sleep 0
expect "execveat AT_EMPTY_PATH: the worker ran it" "^fexec $X/ok: ok" cat "$T/out"
check "execveat AT_EMPTY_PATH: recorded by the descriptor's path" "$X/ok" \
	"\"path\":\"$X/ok\".*\"decision\":\"allow\",\"rule\":\"$PC:2\""
run_a --policy "$P" -- "$T/bin/fbtool" fexec "$X/denied" sleep 0
expect "execveat AT_EMPTY_PATH of a denied program: EACCES" "^fexec $X/denied: EACCES" cat "$T/out"
check "execveat AT_EMPTY_PATH of a denied program: recorded denied" "$X/denied" \
	'"decision":"deny","rule":"default","errno":"EACCES"'

# 4. A #! script: its interpreter is decided too (Landlock checks both).
P2=$T/p/noshell.policy
grep -v '/usr/bin/dash' "$P" >"$P2"
echo "allow exec $X/s.sh" >>"$P2"
policy_safe "$T/p"
run_a --policy "$P2" -- "$T/bin/fbtool" spawn "$X/s.sh"
expect "script, interpreter not allowed: EACCES" "^spawn $X/s.sh: EACCES" cat "$T/out"
check "script, interpreter not allowed: recorded denied, naming the interpreter" "$X/s.sh" \
	'"interp":"/usr/bin/dash".*"decision":"deny","rule":"default","errno":"EACCES"'
echo "allow exec /usr/bin/dash" >>"$P2"
run_a --policy "$P2" -- "$T/bin/fbtool" spawn "$X/s.sh"
expect "script and interpreter allowed: runs" "^spawn $X/s.sh: ok" cat "$T/out"
check "script and interpreter allowed: recorded allowed" "$X/s.sh" \
	'"interp":"/usr/bin/dash".*"decision":"allow","rule":"[^"]+","errno":null'

# 5. Complain mode lets a denied exec run and records it as would-deny.
run_a --complain --policy "$P" -- "$T/bin/fbtool" spawn "$X/denied" sleep 0
expect "complain: the denied program runs" "^spawn $X/denied: ok" cat "$T/out"
check "complain: recorded would-deny, no errno" "$X/denied" \
	'"decision":"would-deny","rule":"default","errno":null.*"complain":true'

# 6. exe: what the asking process runs, and after its own exec, the new
# program (the same pid).
run_a -- /bin/sh -c "read x </etc/hostname; exec cat /etc/hostname"
pid=$(grep '"op":"exec"' "$A" | grep -F '"canon":"/usr/bin/cat"' | sed -n 's/.*"pid":\([0-9]*\),.*/\1/p' | head -n 1)
if [ -n "$pid" ] &&
	grep "\"pid\":$pid," "$A" | grep '"op":"open"' | grep -F '"canon":"/etc/hostname"' |
	sed -n 's/.*"exe":"\([^"]*\)".*/\1/p' | tr '\n' ' ' | grep -q '^/usr/bin/dash /usr/bin/cat $'; then
	pass "exe: the shell's open, then cat's in the same process after its exec"
else
	fail "exe: expected the opens of pid $pid by /usr/bin/dash then /usr/bin/cat:"
	grep '"canon":"/etc/hostname"' "$A" | cut -c 1-300 | sed 's/^/      /'
fi

# 7. learn: exec rules from a run, the script's interpreter's too; the
# learned policy runs the script, which @runtime alone does not.
L=$T/p/learned.policy
"$FB" learn -o "$L" -- "$X/run.sh" >"$T/learn.out" 2>&1
policy_safe "$T/p"
expect "learn: an exec rule for the program the script ran" "^allow exec +$X/ok " cat "$L"
expect "learn: an exec rule for the script's interpreter" "^allow exec +/usr/bin/dash " cat "$L"
status "learn: the learned policy runs the script" 0 "$FB" run --policy "$L" -- "$X/run.sh"
status "learn: @runtime alone does not" 126 "$FB" run -- "$X/run.sh"

finish
