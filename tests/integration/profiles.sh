#!/bin/sh
# The built-in profiles (filebroker.policy(5), BUILT-IN PROFILES): each runs
# a real program with the profile plus rules for its data only, with the
# same output as unsandboxed and no denial line; `filebroker check` says
# which include a policy that allows an interpreter lacks.
. tests/integration/lib.sh

need_run "profiles.sh"

D=$T/data
mkdir -p "$D"
printf '{"name": "filebroker", "rules": [1, 2, 3]}\n' >"$D/in.json"
chmod -R go+rX "$D"

# same NAME POLICY CMD...: CMD (run from $D) prints the same under the
# policy as unsandboxed, exits 0 both ways, and no line says "denied" (bash
# opens /dev/tty at start whatever it runs: that line alone is let pass,
# with the summary that counts it; and it stats $OLDPWD, the folder
# before, which is unset here).
same() {
	name=$1 pol=$2
	shift 2
	(cd "$D" && "$@") >"$T/want" 2>&1
	wst=$?
	(cd "$D" && unset OLDPWD && "$FB" run --policy "$pol" -- "$@") >"$T/got" 2>"$T/err"
	gst=$?
	grep -v -e 'denied open of "/dev/tty" (read,write)' \
		-e '^filebroker: 1 request denied, 1 distinct path;' "$T/err" >"$T/err2"
	if [ $wst -eq 0 ] && [ $gst -eq 0 ] && cmp -s "$T/want" "$T/got" && ! grep -q denied "$T/err2"; then
		pass "$name: the output of unsandboxed, no denial line"
	else
		fail "$name: exit $gst (unsandboxed $wst)"
		diff "$T/want" "$T/got" | sed 's/^/      /' | head -n 10
		sed 's/^/      /' "$T/err" | head -n 10
	fi
}

# profile NAME...: a policy of @runtime, those profiles and read of $D.
profile() {
	f=$T/p-$(echo "$*" | tr ' ' '-').policy
	{
		echo "include @runtime"
		for p in "$@"; do echo "include @$p"; done
		echo "allow read,list $D/**"
	} >"$f"
	echo "$f"
}

if [ -x /usr/bin/python3.11 ]; then
	P=$(profile python3)
	same "@python3: python3 parses a JSON file" "$P" /usr/bin/python3 -c \
		'import json; d = json.load(open("in.json")); print(d["name"], sum(d["rules"]))'
	same "@python3: python3 -I, the standard library" "$P" /usr/bin/python3 -I -c \
		'import csv, datetime, hashlib, re, collections; print(hashlib.sha256(b"x").hexdigest()[:8])'
	expect "without @python3, python3 cannot start" "denied|Permission denied|No module" \
		"$FB" run --policy "$(profile)" -- /usr/bin/python3 -c 'import json'
	if [ -r /etc/ssl/openssl.cnf ]; then
		same "@python3 @tls: ssl.create_default_context() loads the CA certificates" \
			"$(profile python3 tls)" /usr/bin/python3 -c \
			'import ssl; c = ssl.create_default_context(); print(c.cert_store_stats()["x509_ca"] > 0)'
	fi
else
	echo "SKIP @python3: no /usr/bin/python3.11 (Debian 12's python3)"
fi

if [ -x /usr/bin/perl ] && [ -r /usr/share/perl/5.36/JSON/PP.pm ]; then
	same "@perl: perl with JSON::PP, Data::Dumper, POSIX and File::Find (Cwd)" "$(profile perl)" /usr/bin/perl \
		-MJSON::PP -MData::Dumper -MPOSIX -MFile::Find -e \
		'local $/; open(my $f, "<", "in.json") or die; my $d = decode_json(<$f>);
		 $Data::Dumper::Indent = 0; $Data::Dumper::Sortkeys = 1;
		 print Dumper($d), " ", POSIX::floor(2.5), " $^X\n"'
else
	echo "SKIP @perl: no Debian 12 perl (5.36)"
fi

cat >"$D/script.sh" <<'EOF'
set -eu
n=$(wc -l <in.json)
for f in *.json; do
	printf '%s %s\n' "$(basename "$f" .json)" "$(sha256sum "$f" | cut -c1-12)"
done | sort | tr a-z A-Z
echo "lines $n, $(date -u -d @0 +%Y) $(dirname /a/b) $(expr 1 + 2) $(seq 3 | paste -sd+)"
echo "$(echo x | sed s/x/y/) $(printf 'a\nb\n' | grep -c .) $(echo 3 4 | awk '{ print $1 * $2 }')"
find . -name '*.json' | xargs ls -d | head -n 1
[ -f in.json ] && test -r in.json && echo ok
EOF
chmod 644 "$D/script.sh"
same "@shell: a sh script with coreutils, grep, sed, awk, find, xargs" "$(profile shell)" \
	sh script.sh
# bash sets SHELL and HOME from the user's passwd entry when they are not in
# its environment (CI starts the suite without SHELL): fixed here, and the
# lookup without them is its own case below.
same "@shell: the same script under bash" "$(profile shell)" \
	env SHELL=/bin/sh HOME="$D" bash script.sh
same "@shell @users: bash without SHELL looks its user up, quietly" \
	"$(profile shell users)" env -u SHELL HOME="$D" bash script.sh
expect "@shell: bash without SHELL, no @users: the denial line says include @users" \
	"include @users" env -u SHELL "$FB" run --policy "$(profile shell)" -- bash -c 'echo $SHELL'

if [ -x /usr/bin/openssl ] && [ -r /etc/ssl/certs/ca-certificates.crt ]; then
	cert=$(find /usr/share/ca-certificates -name '*.crt' | sort | head -n 1)
	cp "$cert" "$D/ca.pem" && chmod 644 "$D/ca.pem"
	same "@tls: openssl x509 -in a certificate" "$(profile tls)" \
		openssl x509 -in ca.pem -noout -subject -enddate
	same "@tls: openssl verify against the system's CA certificates" "$(profile tls)" \
		openssl verify ca.pem
else
	echo "SKIP @tls: no openssl or no CA certificates"
fi

if [ -x /usr/bin/file ] && [ -r /usr/lib/file/magic.mgc ]; then
	printf '\211PNG\r\n\032\n\0\0\0\rIHDR\0\0\0\1\0\0\0\1\010\002\0\0\0' >"$D/img.png"
	chmod 644 "$D/img.png"
	same "@file: file names each file's type" "$(profile file)" file in.json img.png script.sh
	same "@file @shell: a shell finds file on PATH" "$(profile shell file)" sh -c 'file in.json'
else
	echo "SKIP @file: no file(1) with Debian's magic database"
fi

if command -v git >/dev/null && [ -d /usr/lib/git-core ]; then
	mkdir -p "$D/git/home"
	{
		echo "include @runtime"
		echo "include @shell"
		echo "include @git"
		echo "allow all $D/git/**"
	} >"$T/git.policy"
	# The repository is made anew each time; HOME is one the policy allows.
	same "@git: git init, add, commit and log" "$T/git.policy" sh -c '
		cd git && export HOME=$PWD/home && rm -rf repo && git init -q -b main repo &&
		cd repo && echo hello >a.txt && git add a.txt &&
		GIT_AUTHOR_DATE=2026-01-01T00:00:00Z GIT_COMMITTER_DATE=2026-01-01T00:00:00Z \
		git -c user.name=T -c user.email=t@example.org commit -q -m one &&
		git log --format="%H %s" && git status --short'
else
	echo "SKIP @git: no git"
fi

if have_run_worker; then
	same "@users: id names users and their groups" "$(profile users)" id root
	expect "@users: id names the worker's own user" "^uid=[0-9]+\\([a-z]" \
		"$FB" run --policy "$(profile users)" -- id
	touch "$D/owned" && chown 0:0 "$D/owned"
	same "@users: ls -l names the owner" "$(profile shell users)" sh -c 'ls -l owned | cut -d" " -f3,4'
	expect "without @users, ls -l shows numbers" "^0 0\$" \
		"$FB" run --policy "$(profile shell)" -- sh -c 'cd '"$D"' && ls -l owned | cut -d" " -f3,4'
fi

# check suggests the profile for a rule naming an interpreter.
cat >"$T/suggest.policy" <<EOF
include @runtime
allow exec /usr/bin/python3*
allow exec /usr/bin/perl
allow exec /usr/bin/**
EOF
expect "check suggests include @python3 for allow exec /usr/bin/python3*" \
	"suggest.policy:2:1: warning: .*python3.*add 'include @python3'" "$FB" check "$T/suggest.policy"
expect "check suggests include @perl" "suggest.policy:3:1: warning: .*add 'include @perl'" \
	"$FB" check "$T/suggest.policy"
printf 'include @runtime\nallow read,exec /usr/bin/git\n' >"$T/git-suggest.policy"
expect "check suggests include @git" "git-suggest.policy:2:1: warning: .*add 'include @git'" \
	"$FB" check "$T/git-suggest.policy"
printf 'include @runtime\nallow exec /usr/bin/file\n' >"$T/file-suggest.policy"
expect "check suggests include @file" "file-suggest.policy:2:1: warning: .*add 'include @file'" \
	"$FB" check "$T/file-suggest.policy"
refute "check: a rule for a whole folder suggests nothing" "suggest.policy:4" \
	"$FB" check "$T/suggest.policy"
printf 'include @runtime\ninclude @python3\nallow exec /usr/bin/python3*\n' >"$T/ok.policy"
expect "check: no suggestion once included" "ok.policy: ok" "$FB" check "$T/ok.policy"
expect "an unknown profile names the built-in ones" \
	"unknown built-in profile '@python' \\(the built-in ones are @runtime, @python3, @perl, @shell, @git, @tls, @file and @users\\)" \
	sh -c "printf 'include @python\n' >'$T/bad.policy'; '$FB' check '$T/bad.policy'"

finish
