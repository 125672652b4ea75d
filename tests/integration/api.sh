#!/bin/sh
# libfilebroker's calls beyond open and stat (fb_chmod, fb_truncate,
# fb_symlink, fb_realpath, fb_openat, fb_fstatat), end to end on both wire front ends: `filebroker
# run --explicit` and a `filebroker serve` peer of another uid.  Each call
# allowed, denied, and recorded under its own operation name.  Then
# fb_last_rule(): with --tell-rules it names the rule that refused the
# last call (the audit record's), and nothing after a success, for an
# ENOENT (a missing file, or a hidden one), an EPERM no rule gave, or
# without the option.
. tests/integration/lib.sh
need_run api.sh
[ "$(id -u)" = 0 ] || skip_all "api.sh needs root (workers of another uid)"
command -v setpriv >/dev/null || skip_all "api.sh needs setpriv (util-linux)"
command -v python3 >/dev/null || skip_all "api.sh needs python3 (audit records)"
# shellcheck disable=SC2046 # one number
set -- $(free_ids 1)
[ $# -eq 1 ] || skip_all "api.sh: no free id from 59000 up for the daemon's peer"
PEER=$1
NOBODY=$(id -u nobody)

P=$T/api.policy
S=$T/run/fb.sock
LOG=$T/serve.log
mkdir -p "$T/run"
DPID=
trap '[ -n "$DPID" ] && kill "$DPID" 2>/dev/null; rm -rf "$T"' EXIT

# fixture DIR OWNER: the files each mode's calls work on.
fixture() {
	rm -rf "$1"
	mkdir -p "$1/rw" "$1/ro" "$1/hidden"
	echo "0123456789" >"$1/rw/f"
	echo "0123456789" >"$1/ro/f"
	echo "secret" >"$1/ro/secret"
	echo "x" >"$1/hidden/f"
	ln -s rw/f "$1/link"
	chown -R "$2:$2" "$1"
	chmod -R go+rX "$1"
}

cat >"$P" <<EOF
include @runtime
allow stat $T
allow read,exec $T/bin/**
allow read,write,create,delete,list $T/*/rw/** mode=0750
allow read,list $T/*/ro/**
allow stat $T/*/link
allow list $T/x
allow list $T/y
deny  stat $T/*/hidden/**
deny  read $T/*/ro/secret
profile user=$PEER
EOF
policy_safe "$T"
# The deny rule's name, as the audit records and fb_last_rule() give it.
DENY="$(realpath "$P"):$(grep -n '^deny  read' "$P" | cut -d: -f1)"

# calls FRONT D AUDIT: every case, through front end FRONT ("explicit" or
# "daemon"), on fixture D; the audit records land in AUDIT.
calls() {
	f=$1 d=$2 a=$3
	expect "$f: chmod allowed" "chmod $d/rw/f: ok" w chmod "$d/rw/f" 0700
	expect "$f: chmod did it" "^700$" stat -c %a "$d/rw/f"
	expect "$f: chmod bounded by the rule's mode=" "chmod $d/rw/f: ok" w chmod "$d/rw/f" 0777
	expect "$f: ... to 0750" "^750$" stat -c %a "$d/rw/f"
	expect "$f: chmod denied (read-only)" "chmod $d/ro/f: EACCES" w chmod "$d/ro/f" 0600
	expect "$f: ... and unchanged" "^644$" stat -c %a "$d/ro/f"
	expect "$f: chmod set-user-ID: EPERM" "EPERM" w chmod "$d/rw/f" 04755
	expect "$f: truncate allowed" "truncate $d/rw/f: ok" w truncate "$d/rw/f" 4
	expect "$f: truncate did it" "^4$" stat -c %s "$d/rw/f"
	expect "$f: truncate denied (read-only)" "truncate $d/ro/f: EACCES" \
		w truncate "$d/ro/f" 0
	expect "$f: ... and unchanged" "^11$" stat -c %s "$d/ro/f"
	expect "$f: truncate to a negative length: EINVAL" "EINVAL" w truncate "$d/rw/f" -1
	expect "$f: symlink allowed" "symlink $d/rw/l: ok" w symlink "$d/rw/l" ../ro/f
	expect "$f: symlink keeps its relative target" "^\.\./ro/f$" readlink "$d/rw/l"
	expect "$f: symlink denied (read-only folder)" "symlink $d/ro/l: EACCES" \
		w symlink "$d/ro/l" /etc/shadow
	refute "$f: ... and not made" "." sh -c "[ -L '$d/ro/l' ] && echo made"
	expect "$f: realpath through a link" "realpath $d/link: ok $d/rw/f" w realpath "$d/link"
	expect "$f: realpath of .. and //" "realpath $d/rw/..//ro/f: ok $d/ro/f" \
		w realpath "$d/rw/..//ro/f"
	expect "$f: realpath of a hidden file: ENOENT" "realpath $d/hidden/f: ENOENT" \
		w realpath "$d/hidden/f"
	expect "$f: realpath of a missing file: ENOENT" "ENOENT" w realpath "$d/rw/none"
	expect "$f: openat in a folder fb_opendir gave" "openat f: ok 0123456789" \
		w openat "$d/ro" f
	expect "$f: openat climbing out by .. is decided on the joined path" \
		"openat \.\./hidden/f: EACCES" w openat "$d/ro" ../hidden/f
	expect "$f: openat of an absolute path ignores the folder" "openat $d/ro/f: ok" \
		w openat "$d/rw" "$d/ro/f"
	expect "$f: fstatat follows a link" "statat link: ok file [0-9]+" w statat "$d" link -
	expect "$f: fstatat AT_SYMLINK_NOFOLLOW" "statat link: ok symlink" w statat "$d" link l
	expect "$f: fstatat of a hidden file: ENOENT" "statat \.\./hidden/f: ENOENT" \
		w statat "$d/rw" ../hidden/f -
	expect "$f: each call recorded under its name" \
		"chmod allow chmod deny truncate allow truncate deny symlink allow symlink deny realpath allow realpath deny" \
		python3 -c '
import json, sys
seen = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    if "op" not in r:
        continue
    k = "%s %s" % (r["op"], "allow" if r["decision"] == "allow" else "deny")
    if r["op"] in ("chmod", "truncate", "symlink", "realpath") and k not in seen:
        seen.append(k)
order = ["chmod allow", "chmod deny", "truncate allow", "truncate deny",
         "symlink allow", "symlink deny", "realpath allow", "realpath deny"]
print(" ".join(k for k in order if k in seen))' "$a"
}

# rules FRONT D TOLD: fb_last_rule() after each call, through front end
# FRONT on fixture D, from a broker with --tell-rules (TOLD yes) or without
# (no); w runs fbtool there.  The lines of one fbtool run are joined with
# ';', in order: each "rule" line is about the call just before it.
rules() {
	f=$1 d=$2
	if [ "$3" = yes ]; then deny=$DENY default=default; else deny=none default=none; fi
	j() { w "$@" | grep -v '^$' | paste -sd';'; }
	expect "$f: tell $3: a deny rule's refusal, then a success" \
		"^read $d/ro/secret: EACCES;rule: $deny;read $d/ro/f: ok 0123456789;rule: none\$" \
		j read "$d/ro/secret" :: rule :: read "$d/ro/f" :: rule
	expect "$f: tell $3: no rule allowed it (chmod of a read-only file)" \
		"^chmod $d/ro/f: EACCES;rule: $default\$" j chmod "$d/ro/f" 0600 :: rule
	expect "$f: tell $3: a denial's ENOENT names no rule (a hidden file)" \
		"^read $d/ro/secret: EACCES;realpath $d/hidden/f: ENOENT;rule: none\$" \
		j read "$d/ro/secret" :: realpath "$d/hidden/f" :: rule
	expect "$f: tell $3: a missing file names none" \
		"^read $d/ro/secret: EACCES;read $d/rw/none: ENOENT;rule: none\$" \
		j read "$d/ro/secret" :: read "$d/rw/none" :: rule
	expect "$f: tell $3: an EPERM no rule gave names none (set-user-ID)" \
		"^chmod $d/rw/f: EPERM;rule: none\$" j chmod "$d/rw/f" 04755 :: rule
	if [ "$3" = yes ]; then
		expect "$f: tell $3: openv: the entry a rule refused" \
			"^openv: rule $deny;openv\[0\] $d/ro/f: ok [0-9]+;openv\[1\] $d/ro/secret: EACCES;openv\[2\] $d/rw/none: ENOENT;openv: 1 of 3 opened\$" \
			j openv "$d/ro/f" "$d/ro/secret" "$d/rw/none"
	else
		refute "$f: tell $3: openv names no rule" "openv: rule" \
			w openv "$d/ro/f" "$d/ro/secret" "$d/rw/none"
	fi
}

# run --explicit: the worker is nobody.
X=$T/x
fixture "$X" "$NOBODY"
w() { "$FB" run --explicit --policy "$P" --audit "$T/x.audit" -- "$T/bin/fbtool" "$@"; }
calls explicit "$X" "$T/x.audit"
rules explicit "$X" no
w() {
	"$FB" run --explicit --tell-rules --policy "$P" --audit "$T/x.audit" -- \
		"$T/bin/fbtool" "$@"
}
rules explicit "$X" yes
expect "explicit: the rule told is the audit record's" "\"rule\":\"$DENY\"" \
	grep "\"path\":\"$X/ro/secret\"" "$T/x.audit"

# serve: a peer of uid PEER.
Y=$T/y
fixture "$Y" "$PEER"
"$FB" serve -v --policy "$P" --socket "$S" --socket-mode 0666 --audit "$T/y.audit" 2>"$LOG" &
DPID=$!
wait_socket "$S"
w() {
	env -u FILEBROKER_FD FILEBROKER_SOCKET="$S" \
		setpriv --reuid="$PEER" --regid="$PEER" --clear-groups -- "$T/bin/fbtool" "$@"
}
calls daemon "$Y" "$T/y.audit"
# A peer may hold any folder (it opens it itself): what it reaches from
# there is the joined path's to decide.
mkdir -p "$T/sealed" && echo "SEALED" >"$T/sealed/s" && chmod -R go+rX "$T/sealed"
expect "daemon: openat from a folder the peer opened itself: allowed path" \
	"rawopenat \.\./y/ro/f: ok 0123456789" w rawopenat "$T/sealed" ../y/ro/f
expect "daemon: ... denied path" "rawopenat s: EACCES" w rawopenat "$T/sealed" s
expect "daemon: openat recorded with the joined path" "\"path\":\"$T/sealed/s\"" \
	grep '"op":"open"' "$T/y.audit"
rules daemon "$Y" no
kill "$DPID"
wait "$DPID" 2>/dev/null
DPID=
"$FB" serve -v --tell-rules --policy "$P" --socket "$S" --socket-mode 0666 \
	--audit "$T/y.audit" 2>"$LOG" &
DPID=$!
wait_socket "$S"
rules daemon "$Y" yes
kill "$DPID"
wait "$DPID" 2>/dev/null
DPID=

finish
