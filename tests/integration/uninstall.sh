#!/bin/sh
# make install and make uninstall into a scratch DESTDIR: uninstall leaves
# the tree exactly as it was before install (folders that were there, even
# empty, stay; an admin's serve.policy is never overwritten nor removed); the
# binary is rebuilt for the PREFIX it is installed to; the units, the
# logrotate example and serve.policy name the same paths; make alone never
# runs scripts/deps.sh.  Built in a folder of its own, so the build under
# test is left as it is.
. tests/integration/lib.sh

command -v make >/dev/null || skip_all "uninstall.sh needs make"
[ "$B" = build-san ] && skip_all "packaging is the same in every build: tested with the plain one"

BB=$T/build
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -j2 B="$BB" "$@"; }

# listing ROOT: every path with its type, mode and (for files) contents' sum.
listing() {
	(cd "$1" && find . -printf '%y %m %p\n' | sort) | while read -r y m p; do
		if [ "$y" = f ]; then
			echo "$y $m $p $(sha256sum <"$1/$p" | cut -d' ' -f1)"
		else
			echo "$y $m $p"
		fi
	done
}

# same NAME A B: the listings A and B must be equal.
same() {
	if cmp -s "$2" "$3"; then
		pass "$1"
	else
		fail "$1:"
		diff "$2" "$3" | sed 's/^/      /' | head -n 30
	fi
}

# make's own exit status for a failed recipe is 2.

# --- make alone never installs packages
expect "make -n deps runs scripts/deps.sh" "scripts/deps.sh build" mk -n deps
refute "make -n all does not run scripts/deps.sh" "deps\.sh" mk -n all
expect "make -n demo runs scripts/deps.sh first" "scripts/deps.sh build" mk -n demo

# --- the build remembers its paths
mk all >"$T/out" 2>&1 || { fail "make all"; sed 's/^/      /' "$T/out" | tail -n 20; finish; }
expect "config.h holds the default LIBDIR" '^#define FB_LIBDIR "/usr/local/lib"$' cat "$BB/gen/config.h"
mk all >"$T/out" 2>&1
refute "a second make compiles nothing" " -c -o " cat "$T/out"

R=$T/root
P=/opt/fbx
# What the scratch tree holds before: folders install uses (one empty, one
# not), and an admin's policy for the second round.
mkdir -p "$R$P/include" "$R$P/share/man/man1" "$R$P/bin"
echo "not ours" >"$R$P/share/man/man1/other.1"
listing "$R" >"$T/before"

mk install DESTDIR="$R" PREFIX=$P >"$T/out" 2>&1
st=$?
[ $st -eq 0 ] && pass "make install PREFIX=$P: exit 0" || { fail "make install: exit $st"; sed 's/^/      /' "$T/out"; finish; }
expect "a changed PREFIX rebuilds what embeds it" " -c -o .*broker/run/run\.o" cat "$T/out"
expect "the installed binary was built for PREFIX" "$P/lib/filebroker" grep -ao "$P/lib/filebroker" "$R$P/bin/filebroker"
refute "and for no other" "/usr/local/lib/filebroker" grep -ao "/usr/local/lib/filebroker" "$R$P/bin/filebroker"

# --- what install put, and that its pieces agree
U=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null)
[ -n "$U" ] || U=$P/lib/systemd/system
svc=$R$U/filebroker.service
expect "SYSCONFDIR is PREFIX/etc: the policy is there" "^profile group=filebroker$" \
	cat "$R$P/etc/filebroker/serve.policy"
expect "the service names that policy" \
	"^ExecStart=$P/bin/filebroker serve --policy $P/etc/filebroker/serve.policy " grep '^ExecStart=' "$svc"
expect "the installed policy names its own path" "filebroker check $P/etc/filebroker/serve.policy" \
	cat "$R$P/etc/filebroker/serve.policy"
audit=$(sed -n 's/^ExecStart=.* --audit \([^ ]*\).*/\1/p' "$svc")
expect "the service audits to a file" "^/var/log/filebroker/audit\.jsonl$" echo "$audit"
expect "the logrotate example rotates that file" "^$audit \{" \
	cat "$R$P/share/doc/filebroker/examples/logrotate.d/filebroker"
expect "the service has systemd make its folder" "^LogsDirectory=filebroker$" grep '^LogsDirectory=' "$svc"
expect "the socket's group is the one serve.policy serves" "^SocketGroup=filebroker$" \
	grep '^SocketGroup=' "$R$U/filebroker.socket"
expect "the example copy of the policy" "^include @runtime$" \
	cat "$R$P/share/doc/filebroker/examples/serve.policy"
# serve.policy passes check where the group exists (make install creates it
# on the live system): here in a mount namespace whose /etc/group has it.
if [ "$(id -u)" -eq 0 ]; then ns="unshare -m"; else ns="unshare -rm"; fi
{ cat /etc/group; echo "filebroker:x:64999:"; } >"$T/group"
if $ns true 2>/dev/null; then
	expect "filebroker check accepts the shipped serve.policy" "serve\.policy: ok \([0-9]+ rules, 1 profile\)" \
		$ns sh -c 'mount --bind "$1" /etc/group && "$2" check "$3"' sh "$T/group" "$FB" \
		"$R$P/etc/filebroker/serve.policy"
else
	echo "SKIP serve.policy check: no mount namespace to give it a group filebroker"
fi
expect "the manifest lists what was put" "^file $P/bin/filebroker$" cat "$R$P/lib/filebroker/install.manifest"
[ -f "$R$P/share/bash-completion/completions/filebroker" ] && pass "the bash completion is installed" ||
	fail "no bash completion in $P/share/bash-completion/completions"
refute "not the folders that were there" "^dir $P/include$" cat "$R$P/lib/filebroker/install.manifest"
refute "no ldconfig or group under DESTDIR" "ldconfig|group" cat "$T/out"

# --- uninstall: the tree as it was before
mk uninstall DESTDIR="$R" PREFIX=$P >"$T/out" 2>&1
st=$?
[ $st -eq 0 ] && pass "make uninstall: exit 0" || { fail "make uninstall: exit $st"; sed 's/^/      /' "$T/out"; }
listing "$R" >"$T/after"
same "after uninstall the tree is as before install" "$T/before" "$T/after"
status "a second uninstall finds no manifest" 2 mk uninstall DESTDIR="$R" PREFIX=$P
expect "and says so" "no manifest .*nothing removed" cat "$T/.status-out"

# --- twice installed, once uninstalled: the folders the first made go too
mk install DESTDIR="$R" PREFIX=$P >/dev/null 2>&1
mk install DESTDIR="$R" PREFIX=$P >"$T/out" 2>&1 || fail "second make install"
refute "a reinstall replaces its own serve.policy" "kept" cat "$T/out"
mk uninstall DESTDIR="$R" PREFIX=$P >/dev/null 2>&1
listing "$R" >"$T/after"
same "install, install, uninstall: the tree as before" "$T/before" "$T/after"

# --- an admin's configuration is never overwritten nor removed
mkdir -p "$R$P/etc/filebroker"
printf 'profile any\nallow read /srv/mine/**\n' >"$R$P/etc/filebroker/serve.policy"
listing "$R" >"$T/before2"
mk install DESTDIR="$R" PREFIX=$P >"$T/out" 2>&1 || fail "make install over an admin's policy"
expect "install keeps an admin's serve.policy, and says so" "kept .*/etc/filebroker/serve\.policy" cat "$T/out"
expect "its content untouched" "^allow read /srv/mine/\*\*$" cat "$R$P/etc/filebroker/serve.policy"
mk uninstall DESTDIR="$R" PREFIX=$P >/dev/null 2>&1
listing "$R" >"$T/after"
same "uninstall leaves the admin's policy and its folder" "$T/before2" "$T/after"
rm -r "$R$P/etc"

mk install DESTDIR="$R" PREFIX=$P >/dev/null 2>&1
echo "allow read /srv/added/**" >>"$R$P/etc/filebroker/serve.policy"
mk uninstall DESTDIR="$R" PREFIX=$P >"$T/out" 2>&1
expect "a policy edited after install is kept by uninstall, which says so" \
	"kept .*serve\.policy: changed since it was installed" cat "$T/out"
rm -r "$R$P/etc"
listing "$R" >"$T/after"
same "and nothing else is left" "$T/before" "$T/after"

# --- a manifest someone else could have written is not trusted
mk install DESTDIR="$R" PREFIX=$P >/dev/null 2>&1
chmod o+w "$R$P/lib/filebroker/install.manifest"
status "uninstall refuses a world-writable manifest" 2 mk uninstall DESTDIR="$R" PREFIX=$P
expect "and says why" "writable by others" cat "$T/.status-out"
[ -x "$R$P/bin/filebroker" ] && pass "nothing was removed" || fail "uninstall removed files anyway"
chmod o-w "$R$P/lib/filebroker/install.manifest"
mk uninstall DESTDIR="$R" PREFIX=$P >/dev/null 2>&1
listing "$R" >"$T/after"
same "then uninstall cleans up" "$T/before" "$T/after"

# --- bad paths are refused before anything is made
status "a PREFIX with a blank is refused" 2 mk install DESTDIR="$R" PREFIX="/opt/f b"
expect "saying which and why" "LIBDIR='/opt/f b/lib': an absolute path of letters, digits" cat "$T/.status-out"
listing "$R" >"$T/after"
same "and nothing was made" "$T/before" "$T/after"

# --- PREFIX=/usr: the configuration goes to /etc
R2=$T/root2
mk install DESTDIR="$R2" PREFIX=/usr >/dev/null 2>&1 || fail "make install PREFIX=/usr"
[ -f "$R2/etc/filebroker/serve.policy" ] && pass "PREFIX=/usr: SYSCONFDIR is /etc" ||
	fail "PREFIX=/usr: no $R2/etc/filebroker/serve.policy"
expect "and the service names /etc/filebroker/serve.policy" "--policy /etc/filebroker/serve\.policy " \
	grep '^ExecStart=' "$R2$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /usr/lib/systemd/system)/filebroker.service"

finish
