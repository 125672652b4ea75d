#!/bin/sh
# Strict modes (filebroker.policy(5), STRICT MODES): a root broker (run,
# serve, serve's reload) refuses a policy, an include or a folder on their
# way that another user could change, and says which, why and how to fix
# it; `filebroker check` warns the same way; an unprivileged run does not
# refuse its own user's files.
. tests/integration/lib.sh

[ "$(id -u)" -eq 0 ] || skip_all "strict.sh: strict modes are a root broker's (not root)"

P=$T/pol
mkdir -p "$P/inc" "$T/run"
printf 'include @runtime\ninclude inc/more.policy\n' >"$P/p.policy"
printf 'allow read /etc/hostname\n' >"$P/inc/more.policy"
printf 'include @runtime\nprofile any\nallow read /etc/hostname\n' >"$P/serve.policy"
chmod 755 "$T" "$P" "$P/inc"
chmod 644 "$P"/*.policy "$P/inc/more.policy"

load() { "$FB" run --policy "$1" --print-policy >/dev/null; }

status "a policy only root can change loads" 0 load "$P/p.policy"
status "check: no warning" 0 "$FB" check "$P/p.policy"

chmod 664 "$P/p.policy"
status "a group-writable policy: refused (125)" 125 load "$P/p.policy"
expect "... says which file, why and the fix" \
	"^$P/p.policy: error: $P/p.policy is writable by its group 0 \\(root\\) \\(mode 0664\\), whose members could change the policy a root broker enforces: a root broker refuses it; fix: chmod g-w $P/p.policy\$" \
	load "$P/p.policy"
expect "check warns the same way" \
	"^$P/p.policy: warning: $P/p.policy is writable by its group 0 \\(root\\)" "$FB" check "$P/p.policy"
status "check: exit 1 for the warning" 1 "$FB" check "$P/p.policy"
chmod 644 "$P/p.policy"

chmod 777 "$P/inc"
expect "a world-writable folder on an include's way: refused" \
	"^$P/p.policy:2:9: error: include $P/inc/more.policy: the folder $P/inc is writable by anyone \\(mode 0777\\).*fix: chmod o-w $P/inc\$" \
	load "$P/p.policy"
chmod 1777 "$P/inc"
status "a sticky folder (as /tmp) is fine" 0 load "$P/p.policy"
chmod 755 "$P/inc"

other=$(free_ids 1)
chown "$other" "$P/inc/more.policy"
expect "an include owned by another user: refused" \
	"include $P/inc/more.policy: $P/inc/more.policy is owned by uid $other, who could change.*fix: chown root $P/inc/more.policy\$" \
	load "$P/p.policy"
chown 0 "$P/inc/more.policy"
chown "$other" "$P"
expect "a folder owned by another user: refused" "the folder $P is owned by uid $other" load "$P/p.policy"
chown 0 "$P"

# A symlink on the way lies in the folder it is in: one anyone may write
# could be pointed elsewhere.
mkdir -p "$T/open" && chmod 777 "$T/open"
ln -s "$P" "$T/open/link"
expect "through a symlink in a world-writable folder: refused" \
	"the folder $T/open is writable by anyone" load "$T/open/link/p.policy"
ln -s "$P" "$T/link"
status "through a symlink in a safe folder: fine" 0 load "$T/link/p.policy"

# A relative name: the current folder and every one above it count.
expect "a relative name under a world-writable folder: refused" "the folder \\.\\. is writable by anyone" \
	sh -c "mkdir -p '$T/open/sub' && cp '$P/p.policy' '$T/open/sub/' && cp -r '$P/inc' '$T/open/sub/' &&
	       chmod 755 '$T/open/sub' && cd '$T/open/sub' && '$FB' run --policy p.policy --print-policy"
status "a relative name under safe folders: fine" 0 sh -c "cd '$P' && '$FB' run --policy p.policy --print-policy"

# The one-off grants' include of --policy is checked too.
chmod 666 "$P/p.policy"
expect "--policy with one-off grants: the file is checked too" "include $P/p.policy: .*writable by anyone" \
	"$FB" run --policy "$P/p.policy" --read /etc/hostname --print-policy
chmod 644 "$P/p.policy"

# Without root, a broker's own user's files are its own business.
if command -v setpriv >/dev/null; then
	mkdir -p "$T/user" && cp "$P/p.policy" "$T/user/" && cp -r "$P/inc" "$T/user/" &&
		chown -R "$other" "$T/user" && chmod 664 "$T/user/p.policy"
	status "an unprivileged broker loads its own user's group-writable policy" 0 \
		setpriv --reuid="$other" --regid="$other" --clear-groups "$FB" run \
		--policy "$T/user/p.policy" --print-policy
	expect "and check, not root, does not warn of it" "^$T/user/p.policy: ok " \
		setpriv --reuid="$other" --regid="$other" --clear-groups "$FB" check "$T/user/p.policy"
	status "check as root does" 1 "$FB" check "$T/user/p.policy"
else
	echo "SKIP unprivileged broker: no setpriv"
fi

# serve: at start, and at a reload, which keeps the policy in force.
LOG=$T/serve.log
chmod 664 "$P/serve.policy"
status "serve refuses a group-writable policy at start" 1 \
	"$FB" serve --policy "$P/serve.policy" --socket "$T/run/s.sock"
chmod 644 "$P/serve.policy"
"$FB" serve -v --policy "$P/serve.policy" --socket "$T/run/s.sock" --control none 2>"$LOG" &
DPID=$!
trap 'kill -9 $DPID 2>/dev/null; rm -rf "$T"' EXIT
if wait_log "serving .* on $T/run/s.sock"; then
	chmod 666 "$P/serve.policy"
	kill -HUP $DPID
	if wait_log "reload: .* not loaded; the policy loaded before stays in force"; then
		pass "serve's reload refuses a world-writable policy and keeps the old one"
	else
		fail "serve's reload: no refusal logged"
		sed 's/^/      /' "$LOG" | tail -n 5
	fi
	expect "serve's reload says why" "$P/serve.policy is writable by anyone \\(mode 0666\\)" cat "$LOG"
	# The confined daemon names the group and the owner (NSS) and lives.
	chmod 664 "$P/serve.policy"
	kill -HUP $DPID
	wait_log "$P/serve.policy is writable by its group 0 \\(root\\)" &&
		pass "serve's reload names the group" || fail "serve's reload: no group named"
	chmod 644 "$P/serve.policy"
	chown "$other" "$P/serve.policy"
	kill -HUP $DPID
	wait_log "$P/serve.policy is owned by uid $other" &&
		pass "serve's reload names the owner" || fail "serve's reload: no owner named"
	chown 0 "$P/serve.policy"
	kill -HUP $DPID
	wait_log "reload: .* loaded \\(" && pass "serve's reload loads it once fixed" ||
		fail "serve's reload after the fix: not loaded"
	kill -TERM $DPID
	wait $DPID
else
	fail "serve did not start"
	sed 's/^/      /' "$LOG" | tail -n 5
fi

finish
