#!/bin/sh
# explain decides as run does (filebroker(1), explain --resolve, the
# default): through the symlinks on this disk, ".." taken physically, the
# path asked and the canonical one both shown; what does not exist decided
# as written, and said; --lexical as before.
. tests/integration/lib.sh

mkdir -p "$T/real/sub"
echo data >"$T/real/f"
ln -s real "$T/link"
ln -s "$T/real/f" "$T/abs"
chmod -R go+rX "$T"
cat >"$T/p.policy" <<EOF
include @runtime
allow read,list $T/real/**
EOF
cat >"$T/through-link.policy" <<EOF
include @runtime
allow read,list $T/link/**
EOF

expect "a path through a symlink: allowed, both paths shown" \
	"^allow  read  $T/link/f -> $T/real/f  \\($T/p.policy:2\\)\$" \
	"$FB" explain --policy "$T/p.policy" "$T/link/f"
expect "an absolute symlink" "^allow  read  $T/abs -> $T/real/f  " \
	"$FB" explain --policy "$T/p.policy" "$T/abs"
expect "'..' is physical: link/sub/.. is real" "^allow  read  $T/link/sub/../f -> $T/real/f  " \
	"$FB" explain --policy "$T/p.policy" "$T/link/sub/../f"
expect "a relative path" "^allow  read  link/f -> $T/real/f  " \
	sh -c "cd '$T' && '$FB' explain --policy p.policy link/f"
expect "a rule written through a symlink matches nothing" \
	"^deny   read  $T/link/f -> $T/real/f  \\(default\\)\$" \
	"$FB" explain --policy "$T/through-link.policy" "$T/link/f"
expect "--lexical: as written" "^deny   read  $T/link/f  \\(default\\)\$" \
	"$FB" explain --lexical --policy "$T/p.policy" "$T/link/f"
expect "a missing name: said, and decided as written" \
	"note: '$T/real/new' does not exist \\(yet\\): decided as written
allow  read  $T/link/new -> $T/real/new  " \
	"$FB" explain --policy "$T/p.policy" "$T/link/new"
expect "--json: the canonical path, the one asked, whether it exists" \
	"^\\{\"path\":\"$T/real/f\",\"given\":\"$T/link/f\",\"exists\":true,\"access\":\"read\",\"decision\":\"allow\"" \
	"$FB" explain --json --policy "$T/p.policy" "$T/link/f"
expect "/proc is not resolved: /proc/self is the worker's" \
	"^allow  read  /proc/self/status -> /proc/4242/status  " \
	sh -c "printf 'allow read /proc/self/status\n' >'$T/proc.policy' &&
	       '$FB' explain --policy '$T/proc.policy' --pid 4242 /proc/self/status"

# What explain says, run does.
need_run "explain.sh (running workers)"
for pol in p through-link; do
	for path in "$T/link/f" "$T/abs" "$T/real/f"; do
		d=$("$FB" explain --policy "$T/$pol.policy" "$path" 2>/dev/null | cut -d' ' -f1)
		if "$FB" run --policy "$T/$pol.policy" -- cat "$path" >/dev/null 2>&1; then r=allow; else r=deny; fi
		if [ "$d" = "$r" ]; then
			pass "$pol.policy, ${path#"$T"/}: explain and run agree ($d)"
		else
			fail "$pol.policy, ${path#"$T"/}: explain says $d, run did $r"
		fi
	done
done
if [ -e /usr/share/misc/magic.mgc ] && command -v file >/dev/null; then
	printf 'include @runtime\nallow read /usr/lib/file/**\nallow read %s/**\n' "$T/real" >"$T/file.policy"
	expect "magic.mgc through its symlink: explain allows" "^allow  read  /usr/share/misc/magic.mgc -> " \
		"$FB" explain --policy "$T/file.policy" /usr/share/misc/magic.mgc
	refute "magic.mgc through its symlink: run allows" "denied open of \"/usr/share/misc/magic.mgc\"" \
		"$FB" run --policy "$T/file.policy" -- file "$T/real/f"
fi

# check says of a rule whose literal part is, or leads through, a symlink
# that it matches nothing there, and what to write; not of a path that
# does not exist, nor of the built-in profiles' rules.
expect "check: a rule through a symlinked folder matches nothing there" \
	"through-link.policy:2:1: warning: $T/link is $T/real on this machine \\(through a symlink\\).*this rule matches the link itself only.*write $T/real in its place" \
	"$FB" check "$T/through-link.policy"
cat >"$T/links.policy" <<EOF
allow read $T/link/f
allow read $T/abs
deny read $T/link/sub/**
allow read $T/nothing/here
allow read $T/real/sub/g
EOF
"$FB" check "$T/links.policy" >"$T/links.out" 2>&1
expect "check: a rule for a file below a symlinked folder" \
	"links.policy:1:1: warning: $T/link/f is $T/real/f .*matches nothing there; write $T/real/f in its place" \
	cat "$T/links.out"
expect "check: a rule naming a symlink to a file" \
	"links.policy:2:1: warning: $T/abs is $T/real/f .*matches the link itself only" cat "$T/links.out"
printf 'allow read,list %s/real/**\ndeny read %s/link/sub/**\n' "$T" "$T" >"$T/deny.policy"
expect "check: a deny rule that another rule's allow makes dead" \
	"deny.policy:2:1: warning: $T/link/sub is $T/real/sub " "$FB" check "$T/deny.policy"
refute "check: not a deny rule whose canonical path is denied anyway" "links.policy:3" \
	cat "$T/links.out"
refute "check: nothing of a path that does not exist" "links.policy:4" cat "$T/links.out"
refute "check: nothing of a canonical path" "links.policy:5" cat "$T/links.out"
expect "check: the warnings count" "links.policy: 2 warnings" cat "$T/links.out"
printf 'allow read %s/link/f\nallow read %s/real/f\n' "$T" "$T" >"$T/both.policy"
expect "check: nothing when another rule names the canonical path" "both.policy: ok" \
	"$FB" check "$T/both.policy"
"$FB" check --print "$T/p.policy" | grep -v '^/' >"$T/printed.policy"
expect "check: @runtime printed out checks clean (its /lib rules beside the /usr ones)" \
	"printed.policy: ok" "$FB" check "$T/printed.policy"
refute "check: nothing of @runtime's /lib rules" "warning" "$FB" check "$T/p.policy"

finish
