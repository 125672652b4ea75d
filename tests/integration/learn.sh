#!/bin/sh
# filebroker learn makes a policy that keeps working: learned from one
# input set, it runs the program on another (new names, deeper folders,
# its output replaced) with zero denials and the output of unsandboxed;
# temporary names and inputs are folded into patterns, sensitive grants
# are said, and every rule names the first record it came from.
. tests/integration/lib.sh

need_run "learn.sh"
[ -x /usr/bin/python3.11 ] || skip_all "learn.sh: no /usr/bin/python3.11 (Debian 12's python3)"

W=$T/w
mkdir -p "$W/setA/x" "$W/setA/y" "$W/setB/p/q/r" "$W/setB/s" "$W/out" "$W/tmp" "$W/in1" "$W/in2"
for i in 1 2 3; do
	echo "needle $i" >"$W/setA/x/m$i.eml"
	echo "hay" >"$W/setA/y/h$i.eml"
	echo "line $i" >"$W/in1/a$i.txt"
done
for n in alpha beta gamma delta; do
	echo "needle needle" >"$W/setB/p/q/r/$n.msg"
	echo "needle" >"$W/setB/s/$n.eml"
	echo "row $n" >"$W/in2/$n.txt"
done
cat >"$W/parse.py" <<'EOF'
import os, sys, tempfile
src, out = sys.argv[1], sys.argv[2]
n = 0
for root, dirs, files in sorted(os.walk(src)):
    for f in sorted(files):
        with open(os.path.join(root, f)) as fh:
            n += fh.read().count("needle")
# $SCRATCH: a folder of the user's (in $TMPDIR, run's private folder, it
# would need no rule)
with tempfile.NamedTemporaryFile("w", dir=os.environ["SCRATCH"]) as scratch:
    scratch.write(str(n))
    scratch.flush()
fd, tmp = tempfile.mkstemp(dir=os.path.dirname(out), prefix=".out.")
with os.fdopen(fd, "w") as fh:
    fh.write("%d needles\n" % n)
os.replace(tmp, out)                                 # replace the output
print(n)
EOF
chmod -R a+rwX "$W"
printf 'include @runtime\ninclude @python3\n' >"$T/base.policy"

# learn on set A
(cd "$W" && SCRATCH=$W/tmp "$FB" learn --base "$T/base.policy" --audit "$T/a.jsonl" -o "$T/parse.policy" \
	-- /usr/bin/python3 "$W/parse.py" "$W/setA" "$W/out/report.txt") >"$T/learn.out" 2>&1
status "learn: the learned policy checks clean" 0 "$FB" check "$T/parse.policy"
expect "learn: the input tree is one rule" "^allow read,list +$W/\\*\\* " cat "$T/parse.policy"
expect "learn: Python's temporary file is folded" "^allow read,write,create,delete $W/tmp/tmp\\* .*temporary name" \
	cat "$T/parse.policy"
# The output folder was there: what the run made in it (mkstemp's name
# beside the output, the output it replaced) is its tree, for the next
# run's other names.
expect "learn: the output folder is one tree, mkstemp's name and the output in it" \
	"^allow read,write,create,delete,list $W/out/\\*\\*  # [0-9]+ uses of 2 paths" cat "$T/parse.policy"
refute "learn: no rule names the output alone" "^allow .*$W/out/(report|\\.out)" \
	sh -c "grep -v '^#' '$T/parse.policy' | sed 's/  #.*//'"
refute "learn: no random name is left" "tmp[a-z0-9_]{8}|\\.out\\.[a-z0-9_]{8}" \
	sh -c "grep -v '^#' '$T/parse.policy' | sed 's/  #.*//'"
# (a change's record is its outcome; its intent, the line before, says
# only that it was about to be made)
line=$(grep -n '"path":"'"$W"'/tmp/tmp' "$T/a.jsonl" | grep -v '"phase":"intent"' | head -n 1 |
	cut -d: -f1)
expect "learn: a rule names its first record, file and line" \
	"$W/tmp/tmp\\*  # 2 uses of 1 temporary name; first: open $W/tmp/tmp[a-z0-9_]{8} \\($T/a.jsonl:$line\\)\$" \
	cat "$T/parse.policy"

# run on set B: other names, deeper, the output there already
want=$(cd "$W" && SCRATCH=$W/tmp /usr/bin/python3 "$W/parse.py" "$W/setB" "$W/out/want.txt")
(cd "$W" && SCRATCH=$W/tmp "$FB" run --policy "$T/parse.policy" --audit "$T/b.jsonl" -- \
	/usr/bin/python3 "$W/parse.py" "$W/setB" "$W/out/report.txt") >"$T/b.out" 2>"$T/b.err"
st=$?
if [ $st -eq 0 ] && [ "$(cat "$T/b.out")" = "$want" ] && ! grep -q '"decision":"deny"' "$T/b.jsonl" &&
	[ "$(cat "$W/out/report.txt")" = "$want needles" ]; then
	pass "learned on one input set, run on another: same output, output replaced, zero denials"
else
	fail "run on set B: exit $st, printed '$(cat "$T/b.out")' (want '$want')"
	grep '"decision":"deny"' "$T/b.jsonl" | cut -c 1-300 | head -n 5 | sed 's/^/      /'
	sed 's/^/      /' "$T/b.err" | head -n 5
fi

# inputs a shell's glob named one by one: DIR/*.EXT; the output replaced
(cd "$W" && "$FB" learn -o "$T/sort.policy" -- sort -o "$W/out/merged.txt" "$W/in1/a1.txt" \
	"$W/in1/a2.txt" "$W/in1/a3.txt") >/dev/null 2>&1
expect "learn: files named one by one become DIR/*.EXT" "^allow read +$W/in1/\\*\\.txt " cat "$T/sort.policy"
sed -i "s|$W/in1/|$W/in2/|" "$T/sort.policy"
status "learn: the sort policy (inputs moved) replaces its output, zero denials" 0 \
	sh -c "cd '$W' && '$FB' run --policy '$T/sort.policy' --audit '$T/s.jsonl' -- sort -o '$W/out/merged.txt' $W/in2/*.txt &&
	       ! grep -q '\"decision\":\"deny\"' '$T/s.jsonl'"
expect "learn: the sorted output is there" "^row alpha\$" head -n 1 "$W/out/merged.txt"

# --exact: one rule a path
"$FB" learn --exact --from "$T/a.jsonl" >"$T/exact.policy" 2>/dev/null
refute "learn --exact: no wildcard" '\*' grep -v '^#' "$T/exact.policy"
expect "learn --exact: one rule a path" "^allow read +$W/setA/x/m1.eml " cat "$T/exact.policy"
status "learn --audit FILE that exists: refused" 2 "$FB" learn --audit "$T/a.jsonl" -- true

# a grant of the password hashes is marked and said
if [ "$(id -u)" -eq 0 ] && [ -r /etc/shadow ]; then
	"$FB" learn -o "$T/shadow.policy" -- cat /etc/shadow >/dev/null 2>"$T/shadow.err"
	expect "learn: a sensitive grant is marked in the policy" \
		"^# SENSITIVE: the password hashes; keep this rule only if the program must
allow read +/etc/shadow " cat "$T/shadow.policy"
	expect "learn: and said on stderr" \
		"learn: warning: the policy grants read of /etc/shadow \\(the password hashes\\): review it" \
		cat "$T/shadow.err"
fi

finish
