# How the examples of the man pages and the README are run: sourced by
# tests/integration/examples.sh (against the build) and installed.sh
# (against an installed filebroker), after tests/integration/lib.sh.
#
#   FB        the filebroker to run
#   T         the test's scratch folder (world-readable)
#
# tests/examples/extract.py takes the examples out of the pages; each C
# example has a recipe below that says how to run it in each mode (run:
# transparent mode; explicit: run --explicit; serve: a daemon; the dynamic
# build in each), and an example without one is a failure, so that no
# example goes unrun.

ROOT=$(pwd)

# examples_extract OUT: every page's examples into OUT/PAGE/.
examples_extract() {
	python3 tests/examples/extract.py "$1" docs/*.1 docs/*.3 docs/*.5 README.md
}

# as_worker CMD...: CMD as nobody when root (a daemon's peer other than
# root), else as the caller.
as_worker() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
	else
		"$@"
	fi
}

# missing_names POLICY: "user NAME" and "group NAME" for each name its
# profile lines use that this system does not know.
missing_names() {
	sed -n 's/^[[:blank:]]*profile[[:blank:]]//p' "$1" | tr ' \t' '\n\n' | while IFS='=' read -r k v; do
		case "$k" in user) db=passwd ;; group) db=group ;; *) continue ;; esac
		echo "$v" | tr ',' '\n' | while read -r n; do
			case "$n" in '' | *[!0-9]*) ;; *) continue ;; esac
			getent "$db" "$n" >/dev/null 2>&1 || echo "$k $n"
		done
	done
}

# with_names POLICY CMD...: run CMD where the names POLICY's profiles use
# exist: in a mount namespace whose /etc/passwd and /etc/group have them
# (tests need not create users on the machine).  77 when that cannot be.
with_names() {
	n_names=$(missing_names "$1")
	shift
	[ -z "$n_names" ] && { "$@"; return; }
	cp /etc/passwd "$T/.passwd" && cp /etc/group "$T/.group"
	n_id=64900
	echo "$n_names" | while read -r n_kind n_name; do
		n_id=$((n_id + 1))
		if [ "$n_kind" = user ]; then
			echo "$n_name:x:$n_id:$n_id::/nonexistent:/usr/sbin/nologin" >>"$T/.passwd"
		else
			echo "$n_name:x:$n_id:" >>"$T/.group"
		fi
	done
	if [ "$(id -u)" -eq 0 ]; then n_ns="unshare -m"; else n_ns="unshare -rm"; fi
	$n_ns true 2>/dev/null || return 77
	$n_ns sh -c 'mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/group && shift 2 && exec "$@"' \
		sh "$T/.passwd" "$T/.group" "$@"
}

# page_fixture PAGE DIR: what the sessions of PAGE (in DIR) take as given.
page_fixture() {
	case "$1" in
	filebroker.1)
		mkdir -p "$2/in" "$2/out"
		printf 'pear\napple\n' >"$2/in/a.txt"
		printf 'plum\nfig\n' >"$2/in/b.txt"
		;;
	README.md) ln -s "$ROOT/policy" "$2/policy" ;;
	esac
}

# srv_fixture: the /srv the sessions flagged srv read, on a tmpfs of their
# own mount namespace (run inside unshare -m).
srv_fixture() {
	mount -t tmpfs -o mode=0755,size=1m fbexamples /srv || return 1
	mkdir -p /srv/inbox/2026 /srv/reports
	echo "a needle in the hay" >/srv/inbox/a.eml
	echo "only hay" >/srv/inbox/b.eml
	echo "another needle" >/srv/inbox/2026/c.eml
}

# run_session PAGE_DIR NAME FLAGS: the session NAME of a page, in its folder,
# with FB first on PATH.  Prints PASS/FAIL lines; returns 1 on a failure.
run_session() {
	s_dir=$1 s_name=$2 s_flags=$3
	mkdir -p "$T/fbpath"
	ln -sf "$FB" "$T/fbpath/filebroker"
	s_label="$(basename "$s_dir") $s_name"
	case " $s_flags " in
	*" srv "*)
		if [ "$(id -u)" -ne 0 ] || ! unshare -m true 2>/dev/null; then
			echo "SKIP $s_label: it reads /srv, mounted in a namespace of its own: needs root"
			(cd "$s_dir" && python3 "$ROOT/tests/examples/session.py" --files "$s_name")
			return 0
		fi
		(cd "$s_dir" && PATH="$T/fbpath:$PATH" unshare -m sh -c \
			'. "$1"/tests/examples/recipes.sh && srv_fixture && exec python3 "$1"/tests/examples/session.py "$2" "$3"' \
			sh "$ROOT" "$s_name" "$s_label")
		;;
	*)
		(cd "$s_dir" && PATH="$T/fbpath:$PATH" python3 "$ROOT/tests/examples/session.py" "$s_name" "$s_label")
		;;
	esac
	s_st=$?
	[ $s_st -eq 77 ] && return 0
	return $s_st
}

# check_policy PAGE_DIR NAME: filebroker check accepts it.
check_policy() {
	(cd "$1" && with_names "$2" "$FB" check "$2") >"$T/.check-out" 2>&1
	case $? in
	0) pass "$(basename "$1") $2: filebroker check accepts it" ;;
	77) echo "SKIP $(basename "$1") $2: its profiles name users this system lacks, and no namespace to add them" ;;
	*) fail "$(basename "$1") $2: filebroker check:"; sed 's/^/      /' "$T/.check-out" ;;
	esac
}

# ---- serving

# TELL: "--tell-rules" for the brokers of the recipes that need it (run,
# run --explicit and serve alike), else empty.
TELL=

# serve_start POLICY: a daemon on $T/serve/s for the serve recipes.
serve_start() {
	mkdir -p "$T/serve"
	: >"$T/serve/log"
	# shellcheck disable=SC2086 # TELL: one option or none
	"$FB" serve -v $TELL --policy "$1" --socket "$T/serve/s" --socket-mode 0666 --control none \
		2>>"$T/serve/log" &
	SPID=$!
	i=0
	while ! grep -q "serving .* on $T/serve/s" "$T/serve/log"; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 $SPID 2>/dev/null; then
			fail "the daemon did not start:"
			sed 's/^/      /' "$T/serve/log"
			return 1
		fi
		sleep 0.05
	done
}

serve_stop() {
	kill -TERM "$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null
	SPID=
}

# ---- the C examples

# example_modes PAGE/NAME: the modes its recipe runs it in.
example_modes() {
	case "$1" in
	libfilebroker.3/mycat.c | libfilebroker.3/openv.c | libfilebroker.3/conncat.c | \
		libfilebroker.3/openat.c | libfilebroker.3/lastrule.c)
		echo "run explicit serve" ;;
	libfilebroker.3/sbcat.c) echo "serve" ;;
	README.md/worker.c) echo "run explicit" ;;
	*) echo none ;;
	esac
}

# in_mode MODE POLICY DIR CMD...: CMD (the example and its arguments) run
# in DIR under filebroker run (run), run --explicit (explicit), or as a
# peer of a daemon serving POLICY with profile any (serve).
in_mode() {
	m_mode=$1 m_pol=$2 m_dir=$3
	shift 3
	# shellcheck disable=SC2086 # TELL: one option or none
	case "$m_mode" in
	run) (cd "$m_dir" && "$FB" run $TELL --policy "$m_pol" -- "$@") ;;
	explicit) (cd "$m_dir" && "$FB" run --explicit $TELL --policy "$m_pol" -- "$@") ;;
	serve)
		{ echo "profile any"; cat "$m_pol"; } >"$m_pol.serve"
		serve_start "$m_pol.serve" || return 125
		(cd "$m_dir" && FILEBROKER_SOCKET="$T/serve/s" as_worker "$@")
		m_st=$?
		serve_stop
		return $m_st
		;;
	esac
}

# example_run PAGE NAME BIN MODE: the recipe for one C example in one mode.
example_run() {
	r_page=$1 r_name=$2 r_bin=$3 r_mode=$4
	r_w=$T/work/$r_page-$r_name-$r_mode
	rm -rf "$r_w" && mkdir -p "$r_w" && chmod 755 "$r_w"
	r_label="$r_page $r_name ($r_mode)"
	case "$r_page/$r_name" in
	libfilebroker.3/mycat.c)
		echo "a file the policy allows" >"$r_w/in.txt"
		printf 'include @runtime\nallow read %s/in.txt\n' "$r_w" >"$r_w/p.policy"
		expect "$r_label: copies an allowed file" "^a file the policy allows$" \
			in_mode "$r_mode" "$r_w/p.policy" "$r_w" "$r_bin" "$r_w/in.txt"
		status "$r_label: exits 1 on a denied one" 1 in_mode "$r_mode" "$r_w/p.policy" "$r_w" "$r_bin" /etc/shadow
		expect "$r_label: saying why" "^/etc/shadow: Permission denied$" cat "$T/.status-out"
		;;
	libfilebroker.3/conncat.c)
		echo "through a handle" >"$r_w/in.txt"
		printf 'include @runtime\nallow read %s/in.txt\n' "$r_w" >"$r_w/p.policy"
		# Under serve, the daemon's socket on the command line; else the
		# environment's broker (FILEBROKER_FD).
		r_sock=
		[ "$r_mode" = serve ] && r_sock=$T/serve/s
		# shellcheck disable=SC2086
		expect "$r_label: copies an allowed file through its handle" "^through a handle$" \
			in_mode "$r_mode" "$r_w/p.policy" "$r_w" "$r_bin" $r_sock "$r_w/in.txt"
		# shellcheck disable=SC2086
		status "$r_label: exits 1 on a denied one" 1 \
			in_mode "$r_mode" "$r_w/p.policy" "$r_w" "$r_bin" $r_sock /etc/shadow
		expect "$r_label: saying why" "/etc/shadow: Permission denied$" cat "$T/.status-out"
		;;
	libfilebroker.3/sbcat.c)
		echo "read by a plain open(2)" >"$r_w/in.txt"
		printf 'include @runtime\nallow read %s/in.txt\n' "$r_w" >"$r_w/p.policy"
		expect "$r_label: confined, its open(2) answered by the daemon" "^read by a plain open\(2\)$" \
			in_mode "$r_mode" "$r_w/p.policy" "$r_w" "$r_bin" "$r_w/in.txt"
		status "$r_label: a denied open(2) fails" 1 in_mode "$r_mode" "$r_w/p.policy" "$r_w" "$r_bin" /etc/shadow
		expect "$r_label: with EACCES" "/etc/shadow: Permission denied" cat "$T/.status-out"
		;;
	libfilebroker.3/openv.c)
		mkdir -p "$r_w/include" "$r_w/out"
		echo a >"$r_w/include/a.h" && echo b >"$r_w/include/b.h"
		chmod -R go+rwX "$r_w"
		policy_safe "$r_w"
		printf 'include @runtime\nallow read %s/include/*\nallow stat %s\n' "$r_w" "$r_w" >"$r_w/p.policy"
		expect "$r_label: reports the entry the policy refuses" "^openv: out/log: Permission denied$" \
			in_mode "$r_mode" "$r_w/p.policy" "$r_w" "$r_bin"
		refute "$r_label: and only that one" "include/" in_mode "$r_mode" "$r_w/p.policy" "$r_w" "$r_bin"
		printf 'allow create,write %s/out/log mode=0644\n' "$r_w" >>"$r_w/p.policy"
		status "$r_label: opens all three when allowed" 0 in_mode "$r_mode" "$r_w/p.policy" "$r_w" "$r_bin"
		[ -f "$r_w/out/log" ] && pass "$r_label: made out/log" || fail "$r_label: no out/log"
		;;
	libfilebroker.3/openat.c)
		mkdir -p "$r_w/conf"
		echo a >"$r_w/conf/main.conf"
		ln -sf main.conf "$r_w/conf/current"
		chmod -R go+rX "$r_w"
		policy_safe "$r_w"
		printf 'include @runtime\nallow stat %s\nallow read,list %s/conf/**\nallow list %s/conf\n' \
			"$r_w" "$r_w" "$r_w" >"$r_w/p.policy"
		expect "$r_label: opens in the folder and names where the link leads" \
			"^conf/current is $r_w/conf/main.conf$" in_mode "$r_mode" "$r_w/p.policy" "$r_w" "$r_bin"
		refute "$r_label: with nothing refused" "conf/main.conf:" \
			in_mode "$r_mode" "$r_w/p.policy" "$r_w" "$r_bin"
		;;
	libfilebroker.3/lastrule.c)
		echo "not the worker's" >"$r_w/secret"
		chmod -R go+rX "$r_w"
		policy_safe "$r_w"
		printf 'include @runtime\ndeny read %s/secret\n' "$r_w" >"$r_w/p.policy"
		# serve's policy is p.policy after a profile line (in_mode).
		r_rule="$(realpath "$r_w/p.policy"):2"
		[ "$r_mode" = serve ] && r_rule="$(realpath "$r_w")/p.policy.serve:3"
		expect "$r_label: names no rule without --tell-rules" "secret: Permission denied$" \
			in_mode "$r_mode" "$r_w/p.policy" "$r_w" "$r_bin"
		TELL=--tell-rules
		expect "$r_label: names the deny rule with it" \
			"secret: Permission denied \(rule $r_rule\)$" \
			in_mode "$r_mode" "$r_w/p.policy" "$r_w" "$r_bin"
		TELL=
		;;
	README.md/worker.c)
		printf 'include @runtime\n' >"$r_w/p.policy"
		status "$r_label: runs" 0 in_mode "$r_mode" "$r_w/p.policy" "$r_w" "$r_bin"
		;;
	*)
		fail "$r_page $r_name: no recipe runs it: add one to tests/examples/recipes.sh"
		;;
	esac
}
