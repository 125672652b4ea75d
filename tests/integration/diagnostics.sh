#!/bin/sh
# Diagnostics that teach (filebroker(1), DENIALS): a denial line ends with
# the rule that would allow it, or names the deny rule that won; it shows
# where a path led only where the worker may know; -q keeps the lines off
# the terminal and a summary always ends a run with denials; --deny-status
# makes a denial a failing exit; and a COMMAND that cannot run (a script
# whose interpreter, a program whose loader, has no exec rule) or a worker
# that exits 126 or 127 gets the rule it needs named.
. tests/integration/lib.sh

need_run "diagnostics.sh"

D=$T/data
mkdir -p "$D" "$T/hidden" "$T/secret" "$T/prog/bin" "$T/private"
echo "data" >"$D/a.txt"
echo "k9" >"$T/secret/k9target.txt"
ln -s "$T/secret/k9target.txt" "$T/hidden/link"
ln -s "$D/a.txt" "$T/hidden/to-visible"
printf '#!/bin/sh\necho from-sh\n' >"$D/s.sh"
printf '#!/bin/sh\necho unread\n' >"$T/private/u.sh"
printf '#!/usr/bin/python3\nprint("from-py")\n' >"$D/s.py"
printf '#!/usr/bin/env python3\nprint("from-env")\n' >"$D/e.py"
printf '#!/nonexistent/interp\n' >"$D/m.sh"
printf '#!/bin/sh\nexec "%s/prog/bin/mytool" "$@"\n' "$T" >"$D/wrap.sh"
cp /bin/true "$T/prog/bin/mytool"
chmod 755 "$D"/*.sh "$D"/*.py "$T/private/u.sh" "$T/prog/bin/mytool"
chmod -R go+rX "$T"

cat >"$T/p.policy" <<EOF
include @runtime
include @shell
allow read,list $D/**
deny read $D/denied.txt
EOF
echo "no" >"$D/denied.txt"
P=$T/p.policy
run() { (cd "$D" && "$FB" run --policy "$P" "$@"); }

# The smallest rule, a built-in profile that allows it, a deny rule named.
expect "a denial ends with the rule that allows it" \
	'denied open of "/etc/hostname" \(read\) for pid [0-9]+: rule default; hint: allow read /etc/hostname$' \
	run -- cat /etc/hostname
if [ -r /etc/ssl/openssl.cnf ]; then
	expect "a built-in profile that allows it is named" \
		'hint: allow read /etc/ssl/openssl.cnf, or include @tls$' run -- cat /etc/ssl/openssl.cnf
fi
expect "a deny rule that won is named as written" \
	"rule $P:4 \\(deny read $D/denied.txt\\), which wins over every allow rule\$" \
	run -- cat "$D/denied.txt"
expect "a write to a readable file asks for write alone" "hint: allow write $D/a.txt\$" \
	run -- sh -c "echo x >>'$D/a.txt'"

# Where a path led: shown only where the worker may know (the regression:
# the target of a link it may not read showed in the line).
run -- cat "$T/hidden/link" >"$T/leak.out" 2>&1
refute "a hidden link's target is not shown" "k9target|$T/secret" cat "$T/leak.out"
expect "a hidden link's denial says the path led elsewhere" \
	"denied open of \"$T/hidden/link\" \\(resolved elsewhere, hidden from the worker\\) \\(read\\).*filebroker explain -p POLICY --access read $T/hidden/link shows where" \
	cat "$T/leak.out"
printf 'include @runtime\ninclude @shell\nallow stat %s/a.txt\n' "$D" >"$T/stat.policy"
expect "a target the worker may stat is shown, with its rule" \
	"denied open of \"$T/hidden/to-visible\" \\(resolved \"$D/a.txt\"\\) \\(read\\).*hint: allow read $D/a.txt\$" \
	sh -c "cd '$D' && '$FB' run --policy '$T/stat.policy' -- cat '$T/hidden/to-visible'"
# A link the worker may stat: readlink would tell it where it leads (read
# of /etc and /etc/os-release, a link to /usr/lib/os-release).
ln -s "$T/secret/k9target.txt" "$D/to-secret"
expect "a link the worker may read is followed in the line, with its rule" \
	"denied open of \"$D/to-secret\" \\(resolved \"$T/secret/k9target.txt\"\\) \\(read\\).*hint: allow read $T/secret/k9target.txt\$" \
	run -- cat "$D/to-secret"
expect "\"..\" is no secret" "\\(resolved \"/etc/hostname\"\\).*hint: allow read /etc/hostname\$" \
	run -- cat "$D/../../../../../../../../etc/hostname"

# Probes, the working folder, and one line per path.
expect "a probe is said" 'denied l?stat of "/root" \(stat\) .*: rule default \(a probe\); hint: allow stat /root$' \
	run -- sh -c 'test -e /root/x || ls -d /root'
expect "a probe of the working folder is named" \
	"denied stat of \"$T/private\" \\(stat\\) .*\\(a probe of the working folder\\)" \
	sh -c "cd '$T/private' && '$FB' run --policy '$P' -- sh -c 'ls \"\$PWD\"'"
run -- sh -c "cat /etc/hostname; head -n 1 /etc/hostname; cat /etc/../etc/hostname" >"$T/fold.out" 2>&1
expect "another name or operation of one path: one line" "^1\$" \
	sh -c "grep -c 'denied open of' '$T/fold.out'"
expect "the summary counts every request" \
	"^filebroker: 3 requests denied, 1 distinct path; each line above is printed once; --audit FILE records every request\$" \
	tail -n 1 "$T/fold.out"

# -q: no line, the summary anyway; with --audit, every record.
run -q --audit "$T/q.jsonl" -- sh -c "cat /etc/hostname; cat /etc/hostname" >"$T/q.out" 2>&1
refute "-q: no denial line" "denied open" cat "$T/q.out"
expect "-q: the summary, naming the audit" \
	"^filebroker: 2 requests denied, 1 distinct path; the audit records each\$" cat "$T/q.out"
expect "-q: the audit records each" "^2\$" sh -c "grep -c '\"decision\":\"deny\"' '$T/q.jsonl'"
expect "-q without --audit: says how to see them" \
	"^filebroker: 1 request denied, 1 distinct path; -q kept their lines off; --audit FILE records every request\$" \
	run --quiet -- cat /etc/hostname
refute "no denial, no summary" "requests? denied" run -- cat "$D/a.txt"

# --deny-status: a worker that exits 0 after a denial fails the run.
status "--deny-status: a denial with exit 0 gives N" 3 \
	run --deny-status 3 -- sh -c "cat /etc/hostname 2>/dev/null; exit 0"
expect "--deny-status: says why" "exit status 3 \\(--deny-status\\), not the worker's 0: 1 request was denied" \
	run --deny-status 3 -- sh -c "cat /etc/hostname 2>/dev/null; exit 0"
status "--deny-status: a worker that failed keeps its status" 5 \
	run --deny-status 3 -- sh -c "cat /etc/hostname 2>/dev/null; exit 5"
status "--deny-status: no denial, the worker's 0" 0 run --deny-status 3 -- cat "$D/a.txt"
status "--deny-status: would-denials refuse nothing" 0 \
	run --complain --deny-status 3 -- sh -c "cat /etc/hostname >/dev/null"
status "without --deny-status: the worker's 0" 0 \
	run -- sh -c "cat /etc/hostname 2>/dev/null; exit 0"
for bad in 0 125 256 x ""; do
	status "--deny-status '$bad': refused" 125 run --deny-status "$bad" -- true
done
# The policy's own deny-status line: the same, unless the command line says
# another; the exit line names the policy's line.
{
	echo "deny-status 4"
	cat "$P"
} >"$T/ds.policy"
chmod 644 "$T/ds.policy"
status "a policy's deny-status: a denial with exit 0 gives N" 4 \
	"$FB" run --policy "$T/ds.policy" -- sh -c "cat /etc/hostname 2>/dev/null; exit 0"
expect "a policy's deny-status: says which line" \
	"exit status 4 \\(deny-status of $T/ds.policy:1\\), not the worker's 0" \
	"$FB" run --policy "$T/ds.policy" -- sh -c "cat /etc/hostname 2>/dev/null; exit 0"
status "--deny-status wins over the policy's" 6 \
	"$FB" run --deny-status 6 --policy "$T/ds.policy" -- sh -c "cat /etc/hostname 2>/dev/null; exit 0"
status "a policy's deny-status: no denial, the worker's 0" 0 \
	"$FB" run --policy "$T/ds.policy" -- cat "$D/a.txt"
expect "check --print shows the policy's deny-status first" "^deny-status 4	# $T/ds.policy:1\$" \
	sh -c "'$FB' check --print '$T/ds.policy' | sed -n 2p"

# A COMMAND that cannot run: the interpreter or loader and its profile.
printf 'allow read,list %s/**\n' "$D" >"$T/bare.policy"
expect "a dynamic COMMAND without @runtime: include @runtime" \
	"'/bin/true' needs exec of [^ ]*ld-linux[^ ]* \\(the loader\\): add 'include @runtime'\$" \
	"$FB" run --policy "$T/bare.policy" -- /bin/true
status "a dynamic COMMAND without @runtime: 126" 126 "$FB" run --policy "$T/bare.policy" -- /bin/true
printf 'include @runtime\nallow read,list %s/**\n' "$D" >"$T/rt.policy"
expect "a #!/bin/sh script without an exec rule for sh: include @shell" \
	"'$D/s.sh' needs exec of /usr/bin/dash \\(its #! interpreter\\): add 'include @shell'\$" \
	"$FB" run --policy "$T/rt.policy" -- "$D/s.sh"
expect "a script no rule names: its interpreter may read it (rule @command), only the exec rule" \
	"'$T/private/u.sh' needs exec of /usr/bin/dash \\(its #! interpreter\\): add 'include @shell'\$" \
	"$FB" run --policy "$T/rt.policy" -- "$T/private/u.sh"
expect "with the rules it names, the script runs" "^from-sh\$" run -- "$D/s.sh"
expect "a shell wrapper (as 7z's): the program it execs, when the worker exits 126" \
	"the worker exited 126; '$D/wrap.sh' needs exec of $T/prog/bin/mytool \\(a program the script execs\\): add 'allow exec $T/prog/bin/mytool'\$" \
	run -- "$D/wrap.sh"
expect "a wrapper that cannot start: what it needs once it runs too" \
	"'$D/wrap.sh' needs exec of /usr/bin/dash \\(its #! interpreter\\): add 'include @shell'; once it runs, it needs exec of $T/prog/bin/mytool" \
	"$FB" run --policy "$T/rt.policy" -- "$D/wrap.sh"
expect "a missing interpreter is named" \
	"'$D/m.sh' needs its #! interpreter /nonexistent/interp, which does not exist" \
	run -- "$D/m.sh"
status "a missing interpreter: 127" 127 run -- "$D/m.sh"
if [ -x /usr/bin/python3.11 ]; then
	expect "a #!/usr/bin/python3 script: include @python3" \
		"'$D/s.py' needs exec of /usr/bin/python3.11 \\(its #! interpreter\\): add 'include @python3'\$" \
		run -- "$D/s.py"
	expect "#!/usr/bin/env python3: the worker's 126 names what env runs" \
		"the worker exited 126; '$D/e.py' needs exec of /usr/bin/python3.11 \\(the program env runs\\): add 'include @python3'\$" \
		run -- "$D/e.py"
fi
if [ "$(id -u)" -eq 0 ]; then
	chmod 700 "$T/private"
	expect "a COMMAND the worker's user may not reach: the folder named" \
		"may not enter $T/private \\(mode 0700.*, or give another --user$" run -- "$T/private/u.sh"
	chmod 755 "$T/private"
	# COMMAND on PATH as the worker's user finds it: a root broker's PATH
	# that names a folder only root may enter (/root/bin) is passed over.
	mkdir -p "$T/rootbin" "$T/pubbin"
	printf '#!/bin/sh\necho from-rootbin\n' >"$T/rootbin/fbwhich"
	printf '#!/bin/sh\necho from-pubbin\n' >"$T/pubbin/fbwhich"
	chmod 755 "$T/rootbin/fbwhich" "$T/pubbin/fbwhich" "$T/pubbin"
	chmod 700 "$T/rootbin"
	expect "COMMAND found on PATH as the worker's user would: past a folder it may not enter" \
		"^from-pubbin\$" env PATH="$T/rootbin:$T/pubbin:$PATH" sh -c "cd '$D' && '$FB' run --policy '$P' -- fbwhich"
fi

# The worker's own /proc/PID is named as a policy names it, for every worker.
expect "a hint for the asker's own /proc files says /proc/self" \
	"denied stat of \"/proc/self/environ\".*hint: allow stat /proc/self/environ\$" \
	run -- sh -c 'test -e /proc/self/environ'
expect "and /proc/thread-self as /proc/self/task/*" \
	"denied stat of \"/proc/thread-self/environ\".*hint: allow stat /proc/self/task/\\*/environ\$" \
	run -- sh -c 'test -e /proc/thread-self/environ'

# The worker's own 127 and 126: the program it was refused.
expect "exit 127: the program a shell was refused, and its rule" \
	"the worker exited 127, as a shell does for a program it may not see, and was refused $T/prog/bin/mytool: .*'allow exec $T/prog/bin/mytool'" \
	run -- sh -c "PATH='$T/prog/bin'; mytool"
printf 'include @runtime\ninclude @shell\nallow read %s/prog/bin/mytool\n' "$T" >"$T/r.policy"
expect "exit 126: the program a shell was refused exec of (recorded), and its rule" \
	"the worker exited 126, as a shell does for a program it may not run, and was refused $T/prog/bin/mytool: .*'allow exec $T/prog/bin/mytool'" \
	sh -c "cd '$D' && '$FB' run --policy '$T/r.policy' -- sh -c '$T/prog/bin/mytool'"
expect "exit 126 in a run of one-off grants: the option that adds the rule" \
	"the worker exited 126, as a shell does for a program it may not run, and was refused $T/prog/bin/mytool: .*--allow 'exec $T/prog/bin/mytool'" \
	sh -c "cd '$D' && '$FB' run --include @runtime --include @shell --read '$T/prog/bin/mytool' -- sh -c '$T/prog/bin/mytool'"
expect "exit 126 without a denial: what Landlock refuses unasked" \
	"the worker exited 126, as a shell does for a program it may not run, and nothing was refused: .*Landlock refuses exec without asking the broker" \
	sh -c "cd '$D' && '$FB' run --policy '$T/r.policy' -- sh -c 'exit 126'"
refute "another exit status: nothing" "the worker exited" run -- sh -c "exit 1"

finish
