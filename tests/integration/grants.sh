#!/bin/sh
# One-off grants on run's command line (filebroker(1), --read, --write,
# --exec, --allow, --print-policy): what they allow and nothing more, paths
# made canonical and escaped when read, clear errors, and a printed policy
# that loads to the same decisions.
. tests/integration/lib.sh

D=$T/data
O=$T/out
mkdir -p "$D/sub" "$T/other" "$T/odd/a b*[x]"
echo "in data" >"$D/a.txt"
echo "deeper" >"$D/sub/b.txt"
echo "secret" >"$T/other/s.txt"
echo "odd" >"$T/odd/a b*[x]/f.txt"
ln -s data "$T/link"
chmod -R go+rX "$T"

# --print-policy needs no worker: these run anywhere.
expect "--print-policy: a folder is read and listed below it" \
	"^allow read,list $D/\\*\\*	# \\(command line\\):1\$" "$FB" run --read "$D" --print-policy
expect "--print-policy: a file is read exactly" "^allow read $D/a.txt	# \\(command line\\):1\$" \
	"$FB" run --read "$D/a.txt" --print-policy
expect "--print-policy: a symlink is resolved when read" "^allow read,list $D/\\*\\*	" \
	"$FB" run --read "$T/link" --print-policy
expect "--print-policy: a relative path is made absolute" "^allow read $D/a.txt	" \
	sh -c "cd '$T' && '$FB' run --read data/./sub/../a.txt --print-policy"
expect "--print-policy: special characters are escaped" \
	"^allow read,list $T/odd/a\\\\ b\\\\\\*\\\\\\[x\\\\\\]/\\*\\*	" \
	"$FB" run --read "$T/odd/a b*[x]" --print-policy
expect "--print-policy: --write of a folder still to be made" \
	"^allow read,write,create,delete,list $O/new/deeper/\\*\\*	# \\(command line\\):3\$" \
	"$FB" run --write "$O/new/deeper" --print-policy
expect "--print-policy: and its missing parents may be made" \
	"^allow create $O	# \\(command line\\):1
allow create $O/new	# \\(command line\\):2\$" \
	"$FB" run --write "$O/new/deeper" --print-policy
expect "--print-policy: --exec of a file" "^allow read,exec /usr/bin/env	" \
	"$FB" run --exec /usr/bin/env --print-policy
expect "--print-policy: --allow as written" "^allow read,list $D/\\*\\*/\\*.txt mode=0640	" \
	"$FB" run --allow "read,list $D/**/*.txt mode=0640" --print-policy
expect "--print-policy: says which option each line is" "^# \\(command line\\):2 is from --write $O\$" \
	"$FB" run --read "$D" --write "$O" --print-policy
expect "--print-policy: grants alone come with @runtime" "	# @runtime:" \
	"$FB" run --read "$D" --print-policy
refute "--print-policy: grants alone do not grant the current folder" "allow read,list $T/\\*\\*" \
	sh -c "cd '$T' && '$FB' run --read '$D' --print-policy"
printf 'allow read /etc/hostname\n' >"$T/base.policy"
expect "--print-policy: grants add to --policy" "^allow read /etc/hostname	# $T/base.policy:1\$" \
	"$FB" run --policy "$T/base.policy" --read "$D" --print-policy
refute "--print-policy: --policy brings no @runtime of its own" "@runtime" \
	"$FB" run --policy "$T/base.policy" --read "$D" --print-policy
expect "--print-policy: the default policy without either" "^allow read,list $T/\\*\\*	" \
	sh -c "cd '$T' && '$FB' run --print-policy"
expect "--print-policy: --include of a profile" "^allow read /etc/ssl/openssl.cnf	# @tls:" \
	"$FB" run --include @tls --read "$D" --print-policy
expect "--print-policy: says --include's line" "^# \\(command line\\):1 is from --include @tls\$" \
	"$FB" run --include @tls --print-policy
expect "--print-policy: --include of a policy file, by its canonical name" \
	"^allow read /etc/hostname	# $T/base.policy:1\$" \
	sh -c "cd '$T' && '$FB' run --include base.policy --read '$D' --print-policy"
expect "--include of an unknown profile: the error, its option and the profiles" \
	"unknown built-in profile '@nothing' \\(the built-in ones are .*@tls.*\\)" \
	"$FB" run --include @nothing -- true
expect "--include of an unknown profile: which option" "\\(command line\\):1 is from --include @nothing" \
	"$FB" run --include @nothing -- true
status "--include of an unknown profile: exit 125" 125 "$FB" run --include @nothing -- true
expect "--include of a missing file: says so and what it takes" \
	"--include $T/missing: no such file \\(--include takes a built-in profile, @NAME, or a policy file\\)" \
	"$FB" run --include "$T/missing" -- true

# The printed policy loads, and decides as the grants do.
"$FB" run --read "$D" --write "$O/new" --exec /usr/bin/env --allow "stat $T/other" \
	--print-policy >"$T/printed.policy"
status "--print-policy: the output checks clean" 0 "$FB" check "$T/printed.policy"
expect "--print-policy: the output decides as the grants" "^allow  read,write,create  $O/new/x  " \
	"$FB" explain --policy "$T/printed.policy" --access read,write,create "$O/new/x"
expect "--print-policy: nothing beside the grants" "^deny   read  $T/other/s.txt  \\(default\\)" \
	"$FB" explain --policy "$T/printed.policy" "$T/other/s.txt"

# Errors: said before anything runs, exit 125.
status "--read of a missing path: exit 125" 125 "$FB" run --read "$T/missing" -- true
expect "--read of a missing path: says so and how" \
	"--read $T/missing: no such file or folder \\(--read takes a path that exists; --write may name one that is made later\\)" \
	"$FB" run --read "$T/missing" -- true
status "--exec of a missing path: exit 125" 125 "$FB" run --exec "$T/missing" -- true
expect "--write of a path under a file: refused" "--write $D/a.txt/x: Not a directory" \
	"$FB" run --write "$D/a.txt/x" -- true
expect "--allow with a bad access: the error and its option" \
	"\\(command line\\):2:7: error: unknown access 'reed'.*
filebroker: \\(command line\\):2 is from --allow 'reed /x'" \
	"$FB" run --read "$D" --allow "reed /x" -- true
status "--allow with a bad access: exit 125" 125 "$FB" run --allow "reed /x" -- true
expect "--allow of two lines: refused" "one rule a line" "$FB" run --allow "read /x
include /etc/passwd" -- true
expect "--read of a name with a newline: refused" "cannot be written" sh -c \
	"mkdir -p '$T/nl
x' && '$FB' run --read '$T/nl
x' -- true"
expect "--allow through a symlink: warned, with the canonical folder" \
	"--allow 'read,list $T/link/\\*\\*': $T/link is $D \\(through a symlink\\).*write $D in its place" \
	"$FB" run --allow "read,list $T/link/**" --print-policy

need_run "grants.sh (running workers)"

expect "--read: the worker reads the folder" "^in data\$" "$FB" run --read "$D" -- cat "$D/a.txt"
expect "--read: and lists it" "^sub\$" "$FB" run --read "$D" -- ls "$D"
expect "--read: nothing else" "denied open of \"$T/other/s.txt\" \\(read\\).*rule default" \
	"$FB" run --read "$D" -- cat "$T/other/s.txt"
expect "--read: the denial of a write names no grant" "denied open of \"$D/a.txt\" \\(write\\)" \
	"$FB" run --read "$D" -- sh -c "echo x >'$D/a.txt'"
expect "--read of a file: that file" "^deeper\$" "$FB" run --read "$D/sub/b.txt" -- cat "$D/sub/b.txt"
status "--write: mkdir -p of a folder still to be made" 0 \
	"$FB" run --write "$O/new" -- mkdir -p "$O/new/x"
status "--write: a file in it" 0 "$FB" run --write "$O/new" -- sh -c "echo made >'$O/new/x/f'"
expect "--write: the file is there" "^made\$" cat "$O/new/x/f"
status "--write: and removed" 0 "$FB" run --write "$O/new" --audit "$T/w.jsonl" -- rm "$O/new/x/f"
expect "--write: records name the grant" "\"op\":\"unlink\".*\"rule\":\"\\(command line\\):1\"" \
	cat "$T/w.jsonl"
expect "--exec: a script runs, read by its interpreter" "^hello\$" sh -c \
	"printf '#!/bin/sh\necho hello\n' >'$T/hello.sh' && chmod 755 '$T/hello.sh' &&
	 '$FB' run --exec '$T/hello.sh' --exec /usr/bin/dash -- sh -c '$T/hello.sh'"
if [ -r /etc/ssl/openssl.cnf ] && [ -x /usr/bin/openssl ]; then
	expect "--include @tls: openssl reads its configuration" "^OpenSSL " \
		"$FB" run --include @tls -- openssl version
	refute "--include @tls: no denial" "denied" "$FB" run --include @tls -- openssl version
fi
# A denial's hint, for a run of one-off grants, is the option to add.
expect "one-off grants: the hint is the option to add" \
	"denied open of \"/etc/hostname\" \\(read\\) .*hint: --allow 'read /etc/hostname'\$" \
	"$FB" run --read "$D" -- cat /etc/hostname
printf 'include @runtime\ninclude @shell\n' >"$T/sh.policy"
expect "a policy file: the hint is the rule to write" "hint: allow read /etc/hostname\$" \
	"$FB" run --policy "$T/sh.policy" -- cat /etc/hostname
expect "--policy and grants together" "^in data\$" \
	"$FB" run --policy "$T/base.policy" --allow "read /usr/**" --read "$D" -- \
	/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 /usr/bin/cat "$D/a.txt"

finish
