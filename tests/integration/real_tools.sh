#!/bin/sh
# Real tools run the way a new user would run them (issue 18): clamscan,
# a Python parser, a Perl tool, 7z, file, pdftotext, git, tar, mkdir -p and
# make with cc, each under
#   profiles  a policy of the built-in profiles, the tool's own files where
#             no profile has them, and the user's data paths;
#   oneoff    one-off grants on the command line (--read, --write, --exec,
#             --allow, --include), alone or added to a policy of includes
#             only;
#   learned   the policy `filebroker learn` wrote from one input set, run on
#             another (new names, deeper folders, its output replaced).
# Each must print what the same command prints unsandboxed as the same user
# (the worker's: nobody when root, as filebroker run picks it), exit with
# the same status, leave the same files (names, contents, modes), and print
# no denial line; clamscan must report the EICAR file in its spool every
# time, and never pass it as clean, not even under a policy too narrow to
# scan it.
#
# What fails today is listed in REAL_TOOLS_KNOWN below, each with its
# cause: such a case prints "KNOWN FAILING", is still run, and says
# "UNEXPECTED PASS" once it passes, so that its line can go.  Set
# REAL_TOOLS_KNOWN= (empty) to count them all as failures, or
# REAL_TOOLS_STRICT=1 to count an unexpected pass as one.
# shellcheck disable=SC2317 # reset and the swap functions run through variables
. tests/integration/lib.sh

need_run "real_tools.sh"

# CASE<TAB>CAUSE: the cases that fail today, each with what makes it fail
# (the first cause that bites, then the others it hides); the evidence is
# in the commit that added this suite.  Drop a line when its fix lands.
# Item N is an item of issue 18's "What to build"; issue 19 item 3 is exec
# in the audit trail.
# shellcheck disable=SC3057 # not string indexing: a default over lines
REAL_TOOLS_KNOWN=${REAL_TOOLS_KNOWN-"
"}

nknown=0
nunexpected=0
# known CASE: the cause when REAL_TOOLS_KNOWN lists CASE, else nothing.
known() {
	printf '%s\n' "$REAL_TOOLS_KNOWN" | awk -F '\t' -v c="$1" '$1 == c { print $2; exit }'
}

# verdict CASE WHY: WHY empty is a pass; else a failure, unless known.
# $T/detail holds what to show of a failure.
verdict() {
	cause=$(known "$1")
	if [ -z "$2" ] && [ -n "$cause" ]; then
		nunexpected=$((nunexpected + 1))
		if [ "${REAL_TOOLS_STRICT:-0}" = 1 ]; then
			fail "$1: UNEXPECTED PASS: drop it from REAL_TOOLS_KNOWN (was: $cause)"
		else
			pass "$1 (UNEXPECTED PASS: drop it from REAL_TOOLS_KNOWN; was: $cause)"
		fi
	elif [ -z "$2" ]; then
		pass "$1"
	elif [ -n "$cause" ]; then
		nknown=$((nknown + 1))
		echo "KNOWN FAILING $1 ($cause): $2"
		sed 's/^/      /' "$T/detail" | head -n 8
	else
		fail "$1: $2"
		sed 's/^/      /' "$T/detail" | head -n 25
	fi
}

# The worker's user: nobody when root (filebroker run's default), else
# the caller; unsandboxed runs take the same ids.
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null ||
		skip_all "real_tools.sh: no setpriv (util-linux) to run the tools unsandboxed as nobody"
	WU=$(id -u nobody)
	WG=$(id -g nobody)
	as_worker() { setpriv --reuid="$WU" --regid="$WG" --clear-groups -- "$@"; }
else
	WU=$(id -u)
	WG=$(id -g)
	as_worker() { "$@"; }
fi

# The user's world: $W stands for /srv, world-readable; what the tools
# write is the worker's.  Every run, sandboxed or not, starts with the same
# small environment (no TMPDIR: where temporary files go is the sandbox's
# business), from $W.
W=$T/srv
mkdir -p "$W/home" "$W/tools"
ENVV="PATH=/usr/local/bin:/usr/bin:/bin HOME=$W/home LC_ALL=C.UTF-8 TZ=UTC"
# shellcheck disable=SC2086 # ENVV is words
sandboxed() { env -i $ENVV "$FB" run "$@"; }

# have NAME PROGRAM PACKAGE: PROGRAM is installed, else one SKIP line.
have() {
	command -v "$2" >/dev/null 2>&1 && return 0
	echo "SKIP $1: $2 is not installed (Debian package $3; scripts/deps.sh check installs it)"
	nskip=$((nskip + 1))
	return 1
}
nskip=0
ntools=0

# fresh DIR...: each DIR empty, owned by the worker's user.
fresh() {
	for d in "$@"; do
		rm -rf "$d"
		mkdir -p "$d"
		chown "$WU:$WG" "$d"
	done
}

# tree DIR: DIR and what it holds, a line per entry: its name, type
# (find's %y), mode and the start of its content's MD5.
tree() {
	[ -d "$1" ] || return 0
	(cd "$1" && find . -printf './%P %y %m\n' | LC_ALL=C sort | while read -r f y m; do
		if [ "$y" = f ]; then sum=$(md5sum <"$f" | cut -c1-12); else sum=-; fi
		echo "$f $y $m $sum"
	done)
}

# Set by each tool before its cases:
#   CWD     where the command runs
#   OUT     folders compared after each run (empty: none)
#   reset   a function that puts the tool's files as they were before a
#           run (by default: each OUT made empty, the worker's)
#   NORM    a sed script applied to both standard outputs (default: none)
#   SEEN    an extended regular expression that the standard output must
#           match unsandboxed (what the case is about: a check of the test)
CWD=$W OUT='' NORM='' SEEN=''
# shellcheck disable=SC2086 # OUT is words
reset() { fresh $OUT; }

# compare CASE FBARGS -- CMD...: CMD unsandboxed as the worker's user, then
# under `filebroker run FBARGS` (FBARGS is one string, evaluated by the
# shell: quote what has blanks); judged as CASE (output, status, stderr,
# the files left) and CASE/modes (the modes of those files).
compare() {
	c=$1 fbargs=$2
	shift 3
	reset
	# shellcheck disable=SC2086
	(cd "$CWD" && as_worker env -i $ENVV "$@") >"$T/want" 2>"$T/want.err"
	wst=$?
	for o in $OUT; do tree "$o"; done >"$T/want.tree"
	reset
	(cd "$CWD" && eval "sandboxed $fbargs -- \"\$@\"") >"$T/got" 2>"$T/got.err"
	gst=$?
	for o in $OUT; do tree "$o"; done >"$T/got.tree"
	judge "$c"
}

# judge CASE: from $T/want* and $T/got*, $wst and $gst.
judge() {
	why=
	if [ -n "$SEEN" ] && ! grep -Eq -- "$SEEN" "$T/want"; then
		# The reference itself went wrong: the test, not filebroker.
		fail "$1: unsandboxed, the output lacks /$SEEN/ (exit $wst)"
		sed 's/^/      /' "$T/want" "$T/want.err" | head -n 10
		return
	fi
	[ "$gst" -ne "$wst" ] && why="exit $gst, unsandboxed $wst"
	sed -e "${NORM:-}" "$T/want" >"$T/want.n"
	sed -e "${NORM:-}" "$T/got" >"$T/got.n"
	cmp -s "$T/want.n" "$T/got.n" || why="${why:+$why; }standard output differs"
	grep -Ei 'denied|denial' "$T/got.err" | grep -vxFf "$T/want.err" >"$T/denials"
	[ -s "$T/denials" ] && why="${why:+$why; }$(grep -c . "$T/denials") denial line(s)"
	# The files left, modes apart.
	cut -d' ' -f1,2,4 "$T/want.tree" >"$T/want.t"
	cut -d' ' -f1,2,4 "$T/got.tree" >"$T/got.t"
	cmp -s "$T/want.t" "$T/got.t" || why="${why:+$why; }files differ"
	{
		diff "$T/want.n" "$T/got.n" | head -n 6
		head -n 6 "$T/got.err"
		diff "$T/want.t" "$T/got.t" | head -n 6
	} >"$T/detail"
	verdict "$1" "$why"
	if [ -s "$T/want.tree" ] && cmp -s "$T/want.t" "$T/got.t"; then
		diff "$T/want.tree" "$T/got.tree" >"$T/detail"
		if [ -s "$T/detail" ]; then
			verdict "$1/modes" "modes differ ($(grep -c '^>' "$T/detail") entries)"
		else
			verdict "$1/modes" ""
		fi
	fi
}

# learned CASE POLICY SWAP -- CMD...: `filebroker learn -o POLICY -- CMD`
# on the first input set; then SWAP (a command) puts the second in place,
# and CMD is compared under the learned policy.
learned() {
	c=$1 lp=$2 swap=$3
	shift 4
	reset
	rm -f "$lp"
	# shellcheck disable=SC2086
	(cd "$CWD" && env -i $ENVV "$FB" learn -o "$lp" -- "$@") >"$T/learn.out" 2>&1
	lst=$?
	# REAL_TOOLS_KEEP=DIR keeps each learned policy and learn's output.
	[ -n "${REAL_TOOLS_KEEP:-}" ] && cp "$lp" "$T/learn.out" "$REAL_TOOLS_KEEP/" 2>/dev/null &&
		mv "$REAL_TOOLS_KEEP/learn.out" "$REAL_TOOLS_KEEP/${lp##*/}.out"
	$swap
	if [ $lst -ne 0 ] || [ ! -s "$lp" ]; then
		cp "$T/learn.out" "$T/detail"
		verdict "$c" "filebroker learn exited $lst"
		return
	fi
	compare "$c" "--policy $lp" -- "$@"
	# CASE/scope: what learn wrote lets the worker change nothing above
	# the tool's own folders, and nothing of others in /tmp (the broker
	# acts with root's rights: the policy is the only gate).
	why=
	: >"$T/detail"
	for p in / /tmp "$T" "$W" "$W/home"; do
		for a in create delete; do
			"$FB" explain --policy "$lp" --access $a "$p" 2>/dev/null >>"$T/detail" &&
				why="${why:+$why, }$a $p"
		done
	done
	for a in read write delete; do
		"$FB" explain --policy "$lp" --access $a /tmp/filebroker-not-yours 2>/dev/null >>"$T/detail" &&
			why="${why:+$why, }$a /tmp/filebroker-not-yours"
	done
	grep '^allow' "$T/detail" >"$T/detail2"
	mv "$T/detail2" "$T/detail"
	verdict "$c/scope" "${why:+the learned policy allows $why}"
}

# ---------------------------------------------------------------- clamscan
# A signature database the test writes (an MD5 signature for EICAR, a body
# signature for a marker string), a spool of nested folders with a zip and
# a tar.gz (libclamav unpacks them into temporary files), and EICAR in a
# folder three deep and inside the zip.  Never freshclam: no network.
# shellcheck disable=SC2016 # EICAR's $ are its own
eicar() { printf '%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-' 'ANTIVIRUS-TEST-FILE!$H+H*'; }
# spool DIR SET: the input set SET (a or b) in DIR.
spool() {
	rm -rf "$1"
	if [ "$2" = a ]; then sub=a/b; else sub=new/deeper/still; fi
	mkdir -p "$1/$sub" "$1/c" "$T/pack/d"
	eicar >"$1/$sub/eicar-$2.com"
	echo "hello clean $2" >"$1/clean-$2.txt"
	echo "text FILEBROKER-TEST-MARKER-42 $2" >"$1/c/marker-$2.txt"
	for i in 1 2 3; do echo "plain $i $2" >"$1/${sub%%/*}/p$i-$2.txt"; done
	eicar >"$T/pack/eicar.com"
	echo "FILEBROKER-TEST-MARKER-42 in an archive" >"$T/pack/d/m.txt"
	(cd "$T/pack" && /usr/bin/python3 -c 'import sys, zipfile
z = zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED)
z.write("eicar.com", "inner/eicar.com")
z.writestr("readme.txt", "nothing here\n")
z.close()' "$1/c/pack-$2.zip")
	tar -czf "$1/${sub%%/*}/pack-$2.tar.gz" -C "$T/pack" d
	chmod -R go+rX "$1"
}

if have clamscan clamscan clamav && have "clamscan (to write its zip)" /usr/bin/python3 python3; then
	ntools=$((ntools + 1))
	DB=$W/clamav
	mkdir -p "$DB"
	echo "$(eicar | md5sum | cut -d' ' -f1):$(eicar | wc -c):Test.EICAR.HDB" >"$DB/test.hdb"
	echo "Test.Marker.NDB:0:*:$(printf 'FILEBROKER-TEST-MARKER-42' | od -An -tx1 | tr -d ' \n')" >"$DB/test.ndb"
	SP=$W/spool
	spool "$SP/inbox" a
	chmod -R go+rX "$DB" "$SP"
	# The scanner of the docs (policy/examples/scanner.policy), its paths
	# this test's.
	sed -e "s|/var/lib/clamav|$DB|" -e "s|/srv/inbox|$SP/inbox|" -e "s|/srv/quarantine|$W/quarantine|" \
		policy/examples/scanner.policy >"$T/clam.policy"
	# A mistake one makes once: the folder and its files ('*' where '**'
	# was meant), so that the folders below are not scanned.
	{
		grep -v "^allow read,list,delete $SP/" "$T/clam.policy"
		echo "allow read,list $SP/inbox"
		echo "allow read,list $SP/inbox/*"
	} >"$T/clam-narrow.policy"
	CWD=$SP OUT='' NORM='' SEEN='eicar-a.com: Test.EICAR.HDB.UNOFFICIAL FOUND'
	reset() { :; }
	set -- clamscan --no-summary -d "$DB" -r inbox

	# eicar CASE EICAR-NAME: the EICAR file was reported FOUND and the
	# status is 1, or the run failed loudly (any status but 0 and 1).
	eicar_seen() {
		if [ "$gst" -eq 0 ]; then
			why="exit 0: EICAR passed as clean"
		elif [ "$gst" -eq 1 ] && ! grep -q "$2: Test.EICAR.HDB.UNOFFICIAL FOUND" "$T/got"; then
			why="exit 1 but $2 not reported FOUND"
		else
			why=
		fi
		grep "$2" "$T/got" >"$T/detail"
		verdict "$1/eicar" "$why"
	}
	compare clamscan:profiles "--policy $T/clam.policy" -- "$@"
	eicar_seen clamscan:profiles eicar-a.com
	compare clamscan:oneoff "--include @tls --read $DB --read $SP" -- "$@"
	eicar_seen clamscan:oneoff eicar-a.com
	# narrow CASE FBARGS -- CMD...: CMD under `filebroker run FBARGS`
	# (words), which cannot see every file: it must not pass EICAR as clean.
	# clamscan skips what it cannot lstat, without a word (unsandboxed too),
	# so it is the scanner's policy (the docs' example, deny-status 3) that
	# turns its 0 into a failing run, however it was narrowed.
	narrow() {
		n_case=$1 n_args=$2
		shift 3
		# shellcheck disable=SC2086
		(cd "$CWD" && sandboxed $n_args -- "$@") >"$T/got" 2>"$T/got.err"
		gst=$?
		eicar_seen "$n_case" eicar-a.com
	}
	narrow clamscan:narrow "--policy $T/clam-narrow.policy" -- "$@"
	# With a private temporary folder by default, --no-tmp is the other
	# narrow case: clamscan cannot unpack.  And where run has a status for
	# runs with denials, a script that asks for it must get it.
	help=$("$FB" run --help 2>&1)
	case $help in *--no-tmp*) narrow clamscan:no-tmp "--no-tmp --policy $T/clam.policy" -- "$@" ;; esac
	case $help in
	*"--deny-status N"*)
		narrow clamscan:narrow-deny-status "--deny-status 3 --policy $T/clam-narrow.policy" -- "$@"
		case $help in *--no-tmp*)
			narrow clamscan:no-tmp-deny-status "--deny-status 3 --no-tmp --policy $T/clam.policy" -- "$@" ;;
		esac
		;;
	esac
	SEEN='eicar-b.com: Test.EICAR.HDB.UNOFFICIAL FOUND'
	swap_spool() { spool "$SP/inbox" b; }
	learned clamscan:learned "$T/clam-learned.policy" swap_spool -- "$@"
	eicar_seen clamscan:learned eicar-b.com
fi

# ------------------------------------------------------------------ python
# A parser in Python: every .json and .xml file below its input, records
# spooled through tempfile (a temporary folder and a named file), the
# summary written beside its output with mkstemp and renamed over it.  The
# script is the COMMAND (#!/usr/bin/python3).
# inputs DIR N: N records, .json and .xml by turns, in five folders.
inputs() {
	rm -rf "$1"
	/usr/bin/python3 - "$1" "$2" <<'EOF'
import os, sys
top, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(top, "batch%d" % (i % 5), "sub" if i % 3 else "")
    os.makedirs(d, exist_ok=True)
    if i % 2:
        with open(os.path.join(d, "r%04d.json" % (i + n)), "w") as f:
            f.write('{"id": %d, "value": %d}\n' % (i, i * 7 % 101))
    else:
        with open(os.path.join(d, "r%04d.xml" % (i + n)), "w") as f:
            f.write("<r><id>%d</id><value>%d</value></r>\n" % (i, i * 7 % 101))
EOF
	chmod -R go+rX "$1"
}
if [ -x /usr/bin/python3.11 ]; then
	ntools=$((ntools + 1))
	cat >"$W/tools/parse.py" <<'EOF'
#!/usr/bin/python3
"""parse.py IN OUT: parse every .json and .xml file below IN; OUT/summary.json."""
import json, os, sys, tempfile
import xml.etree.ElementTree as ET

src, out = sys.argv[1], sys.argv[2]
total = 0
with tempfile.TemporaryDirectory() as work, \
        tempfile.NamedTemporaryFile("w+", suffix=".jsonl") as spool:
    for root, dirs, files in os.walk(src):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            if name.endswith(".json"):
                with open(path) as f:
                    rec = json.load(f)
            elif name.endswith(".xml"):
                rec = {e.tag: e.text for e in ET.parse(path).getroot()}
            else:
                continue
            spool.write(json.dumps(rec, sort_keys=True) + "\n")
            total += 1
    spool.seek(0)
    values = sorted(int(json.loads(line)["value"]) for line in spool)
    part = os.path.join(work, "part")
    with open(part, "w") as f:
        json.dump({"files": total, "sum": sum(values), "max": values[-1]}, f)
    os.makedirs(out, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out, suffix=".tmp")
    with os.fdopen(fd, "w") as f, open(part) as p:
        f.write(p.read())
    os.replace(tmp, os.path.join(out, "summary.json"))
print("parsed", total, "files, sum", sum(values))
EOF
	chmod 755 "$W/tools/parse.py"
	PI=$W/py/in PO=$W/py/out
	mkdir -p "$W/py"
	inputs "$PI" 300
	cat >"$T/py.policy" <<EOF
include @runtime
include @python3
allow read,list $W/tools/**
allow read,list $PI/**
allow all $W/py/out/**
allow create $W/py/out
EOF
	printf 'include @runtime\ninclude @python3\n' >"$T/py-base.policy"
	# OUT is made by the parser itself (os.makedirs), so that its mode
	# counts: its folder is the worker's.
	chown "$WU:$WG" "$W/py"
	CWD=$W/py OUT=$PO NORM='' SEEN='^parsed 300 files'
	reset() { rm -rf "$PO"; }
	compare python:profiles "--policy $T/py.policy" -- "$W/tools/parse.py" "$PI" "$PO"
	compare python:oneoff "--policy $T/py-base.policy --read $W/tools/parse.py --read $PI --write $PO" -- \
		"$W/tools/parse.py" "$PI" "$PO"
	SEEN='^parsed 250 files'
	swap_py() { inputs "$PI" 250; }
	learned python:learned "$T/py-learned.policy" swap_py -- "$W/tools/parse.py" "$PI" "$PO"
	# The same, the interpreter as COMMAND.
	inputs "$PI" 300
	learned python:learned-python3 "$T/py3-learned.policy" swap_py -- \
		/usr/bin/python3 "$W/tools/parse.py" "$PI" "$PO"
fi

# -------------------------------------------------------------------- perl
# A Perl tool: File::Find, Digest::SHA and JSON::PP over a tree, run as
# `perl SCRIPT`.
if [ -x /usr/bin/perl ] && [ -r /usr/share/perl/5.36/JSON/PP.pm ]; then
	ntools=$((ntools + 1))
	cat >"$W/tools/digest.pl" <<'EOF'
# digest.pl DIR: a JSON manifest (path, size, SHA-256) of the files below DIR.
use strict;
use warnings;
use File::Find;
use Digest::SHA;
use JSON::PP;

my $top = shift or die "usage: digest.pl DIR\n";
my @files;
find({ wanted => sub { push @files, $File::Find::name if -f $_ }, no_chdir => 1 }, $top);
my %manifest;
for my $f (sort @files) {
	$manifest{$f} = { size => -s $f, sha256 => Digest::SHA->new(256)->addfile($f)->hexdigest };
}
print JSON::PP->new->canonical->pretty->encode({ files => scalar(@files), manifest => \%manifest });
EOF
	chmod 644 "$W/tools/digest.pl"
	DI=$W/pl/tree
	mkdir -p "$W/pl"
	if [ -x /usr/bin/python3 ]; then inputs "$DI" 120; else mkdir -p "$DI/x" && echo one >"$DI/x/1"; fi
	cat >"$T/pl.policy" <<EOF
include @runtime
include @perl
allow read $W/tools/digest.pl
allow read,list $DI/**
EOF
	CWD=$W/pl OUT='' NORM='' SEEN='"sha256"'
	reset() { :; }
	compare perl:profiles "--policy $T/pl.policy" -- perl "$W/tools/digest.pl" tree
	compare perl:oneoff "--include @perl --read $W/tools/digest.pl --read $DI" -- \
		perl "$W/tools/digest.pl" tree
	swap_pl() {
		rm -rf "$DI"
		mkdir -p "$DI/one/two/three" "$DI/four"
		for n in alpha beta gamma delta; do
			echo "$n" >"$DI/one/two/three/$n.bin"
			echo "$n $n" >"$DI/four/$n.dat"
		done
		chmod -R go+rX "$DI"
	}
	learned perl:learned "$T/pl-learned.policy" swap_pl -- perl "$W/tools/digest.pl" tree
fi

# ---------------------------------------------------------------------- 7z
# p7zip-full's 7z is a /bin/sh wrapper around /usr/lib/p7zip/7z, which
# loads its codecs from there.  Its banner counts CPUs, and the sandbox
# shares one CPU by default (--placement): that number is not compared.
if have 7z 7z p7zip-full; then
	ntools=$((ntools + 1))
	ZS=$W/7z/src ZO=$W/7z/out
	mkdir -p "$ZS/d1/d2/d3"
	echo one >"$ZS/d1/a.txt"
	echo two >"$ZS/d1/d2/b.txt"
	printf '#!/bin/sh\necho three\n' >"$ZS/d1/d2/d3/run.sh"
	chmod 755 "$ZS/d1/d2/d3/run.sh"
	(cd "$ZS" && 7z a -bd "$W/7z/a.7z" d1 >/dev/null)
	chmod -R go+rX "$W/7z"
	cat >"$T/7z.policy" <<EOF
include @runtime
include @shell
allow read,exec /usr/lib/p7zip/**
allow read $W/7z/*.7z
allow all $ZO/**
EOF
	CWD=$W/7z OUT=$ZO NORM='s/[0-9]* CPUs*/N CPUs/' SEEN='^Everything is Ok'
	reset() { fresh "$ZO"; }
	set -- 7z x -bd -oout a.7z
	compare 7z:profiles "--policy $T/7z.policy" -- "$@"
	# The wrapper is read by its shell (rule @command): @shell and the
	# real program are all it needs.
	compare 7z:oneoff "--include @shell --exec /usr/lib/p7zip --read $W/7z/a.7z --write $ZO" -- "$@"
	swap_7z() {
		mkdir -p "$ZS/d1/new/deeper"
		echo four >"$ZS/d1/new/deeper/c.txt"
		rm -f "$W/7z/a.7z"
		(cd "$ZS" && 7z a -bd "$W/7z/a.7z" d1 >/dev/null)
		chmod -R go+rX "$W/7z"
	}
	learned 7z:learned "$T/7z-learned.policy" swap_7z -- "$@"
fi

# -------------------------------------------------------------------- file
# file(1) and its magic database, @file's: /etc/magic (the local additions)
# and /usr/share/misc/magic.mgc, a symlink to /usr/lib/file/magic.mgc that
# a rule must name canonically; /etc/magic.mgc is looked for (absent).
if have file file file; then
	ntools=$((ntools + 1))
	FI=$W/file
	mkdir -p "$FI"
	printf '\211PNG\r\n\032\n\0\0\0\rIHDR\0\0\0\1\0\0\0\1\010\002\0\0\0' >"$FI/img.png"
	printf '<html><body>x</body></html>\n' >"$FI/page.html"
	printf '%%PDF-1.4\n%%%%EOF\n' >"$FI/doc.pdf"
	cp "$W/tools/parse.py" "$W/tools/digest.pl" "$FI/" 2>/dev/null
	printf 'a,b\n1,2\n' >"$FI/t.csv"
	gzip -c "$FI/t.csv" >"$FI/t.csv.gz"
	chmod -R go+rX "$FI"
	cat >"$T/file.policy" <<EOF
include @runtime
include @file
allow read,list $FI/**
EOF
	CWD=$FI OUT='' NORM='' SEEN='PNG image data'
	reset() { :; }
	# shellcheck disable=SC2046 # the names, as a shell's * gives them
	set -- file -- $(cd "$FI" && echo *)
	compare file:profiles "--policy $T/file.policy" -- "$@"
	compare file:oneoff "--include @file --read $FI" -- "$@"
	learned file:learned "$T/file-learned.policy" : -- "$@"
fi

# --------------------------------------------------------------- pdftotext
# A C parser: poppler's pdftotext on a small PDF the test writes.
# mkpdf OUT LINE...: a one-page PDF with LINEs in Helvetica.
mkpdf() {
	/usr/bin/python3 - "$@" <<'EOF'
import sys
out, lines = sys.argv[1], sys.argv[2:]
stream = "BT /F1 12 Tf 72 720 Td 14 TL\n" + "".join("(%s) '\n" % l for l in lines) + "ET\n"
objs = ["<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        "<< /Length %d >>\nstream\n%sendstream" % (len(stream), stream)]
pdf, offs = "%PDF-1.4\n", []
for i, o in enumerate(objs, 1):
    offs.append(len(pdf))
    pdf += "%d 0 obj\n%s\nendobj\n" % (i, o)
xref = len(pdf)
pdf += "xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
pdf += "".join("%010d 00000 n \n" % o for o in offs)
pdf += "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
open(out, "wb").write(pdf.encode("latin-1"))
EOF
}
if have pdftotext pdftotext poppler-utils && have "pdftotext (to write its PDF)" /usr/bin/python3 python3; then
	ntools=$((ntools + 1))
	PD=$W/pdf
	mkdir -p "$PD/in"
	mkpdf "$PD/in/invoice.pdf" "Invoice 42" "Total: 17.00 EUR" "filebroker test"
	chmod -R go+rX "$PD"
	# The converter of the docs (policy/examples/converter.policy).
	sed -e "s|/srv/jobs/|$PD/|" policy/examples/converter.policy >"$T/pdf.policy"
	CWD=$PD OUT=$PD/out NORM='' SEEN=''
	reset() { fresh "$PD/out"; }
	set -- pdftotext in/invoice.pdf out/invoice.txt
	compare pdftotext:profiles "--policy $T/pdf.policy" -- "$@"
	compare pdftotext:oneoff "--read $PD/in --write $PD/out" -- "$@"
	swap_pdf() { mkpdf "$PD/in/invoice.pdf" "Invoice 43" "Total: 99.00 EUR" && chmod go+r "$PD/in/invoice.pdf"; }
	learned pdftotext:learned "$T/pdf-learned.policy" swap_pdf -- "$@"
fi

# --------------------------------------------------------------------- git
# git init, add and commit in an allowed tree, from a sh script; the
# commit's dates are fixed so that its hash is the same both ways.
if have git git git; then
	ntools=$((ntools + 1))
	G=$W/git
	mkdir -p "$G"
	cat >"$W/tools/commit.sh" <<'EOF'
set -e
git init -q -b main repo
echo "hello" >repo/seed.txt
mkdir -p repo/sub/dir
echo "deeper" >repo/sub/dir/more.txt
cd repo
git add .
GIT_AUTHOR_DATE=2026-01-01T00:00:00Z GIT_COMMITTER_DATE=2026-01-01T00:00:00Z \
	git -c user.name=Tester -c user.email=tester@example.org commit -q -m first
git log --format='%H %s %an'
git ls-files -s
git status --short
EOF
	chmod 644 "$W/tools/commit.sh"
	printf 'include @runtime\ninclude @shell\ninclude @git\n' >"$T/git-base.policy"
	{
		cat "$T/git-base.policy"
		echo "allow read $W/tools/commit.sh"
		echo "allow all $G/**"
		echo "allow all $W/home/**"
	} >"$T/git.policy"
	# The objects are compared, not the index (inode numbers, times).
	CWD=$G OUT=$G/repo/.git/objects NORM='' SEEN='first Tester'
	set -- sh "$W/tools/commit.sh"
	reset() { fresh "$G"; }
	compare git:profiles "--policy $T/git.policy" -- "$@"
	compare git:oneoff "--include @shell --include @git --read $W/tools/commit.sh --write $G --write $W/home" -- "$@"
	learned git:learned "$T/git-learned.policy" : -- "$@"
fi

# ----------------------------------------------------------- tar and mkdir
# tar -xz (which runs gzip) into an allowed tree, listing what it made;
# mkdir -p of a path below folders that exist.
if have tar tar tar && have gzip gzip gzip; then
	ntools=$((ntools + 1))
	TS=$T/tarsrc
	mkdir -p "$TS/top/sub/deep" "$TS/top/empty"
	echo a >"$TS/top/a.txt"
	echo b >"$TS/top/sub/deep/b.txt"
	printf '#!/bin/sh\n' >"$TS/top/sub/x.sh"
	chmod 755 "$TS/top/sub/x.sh" "$TS/top" "$TS/top/sub"
	chmod 750 "$TS/top/empty"
	chmod 640 "$TS/top/a.txt"
	mkdir -p "$W/tar"
	tar -czf "$W/tar/in.tar.gz" -C "$TS" top
	chmod -R go+rX "$W/tar"
	cat >"$T/tar.policy" <<EOF
include @runtime
include @users
allow read,exec /usr/bin/gzip
allow read $W/tar/*.tar.gz
allow all $W/tar/out/**
EOF
	CWD=$W/tar OUT=$W/tar/out NORM='' SEEN='top/sub/deep/b.txt'
	reset() { fresh "$W/tar/out"; }
	set -- tar -xzvf in.tar.gz -C "$W/tar/out"
	compare tar:profiles "--policy $T/tar.policy" -- "$@"
	printf 'include @runtime\ninclude @users\n' >"$T/tar-base.policy"
	compare tar:oneoff "--policy $T/tar-base.policy --exec /usr/bin/gzip --read $W/tar/in.tar.gz --write $W/tar/out" -- "$@"
	swap_tar() {
		mkdir -p "$TS/top/new/deeper"
		echo c >"$TS/top/new/deeper/c.txt"
		tar -czf "$W/tar/in.tar.gz" -C "$TS" top
		chmod go+r "$W/tar/in.tar.gz"
	}
	learned tar:learned "$T/tar-learned.policy" swap_tar -- "$@"
fi
if have mkdir mkdir coreutils; then
	ntools=$((ntools + 1))
	M=$W/mk/out
	mkdir -p "$W/mk"
	cat >"$T/mk.policy" <<EOF
include @runtime
allow all $M/**
EOF
	CWD=$W/mk OUT=$M NORM='' SEEN=''
	reset() { fresh "$M"; }
	set -- mkdir -p -v "$M/a/b/c" "$M/a/b/d"
	compare mkdir:profiles "--policy $T/mk.policy" -- "$@"
	compare mkdir:oneoff "--write $M" -- "$@"
	learned mkdir:learned "$T/mk-learned.policy" : -- "$@"
	# cp, mv and ln into a folder (a target folder operand).
	if [ -r /usr/share/doc/coreutils/copyright ]; then
		echo "copied" >"$W/mk/in.txt"
		chmod 644 "$W/mk/in.txt"
		cat >"$T/cp.policy" <<EOF
include @runtime
include @shell
allow read $W/mk/in.txt
allow all $M/**
EOF
		set -- sh -c 'mkdir -p out/a && cp in.txt out/a/ && mv out/a/in.txt out/ && ln -s in.txt out/a/ && ls -R out'
		compare cp:profiles "--policy $T/cp.policy" -- "$@"
	fi
fi

# ------------------------------------------------------------ make and cc
# make and cc build a program in an allowed tree, which then runs (exit 3).
if have make make make && have make-cc cc gcc; then
	ntools=$((ntools + 1))
	MS=$W/build
	mkdir -p "$W/buildsrc"
	cat >"$W/buildsrc/Makefile" <<'EOF'
CFLAGS = -O2 -Wall
hello: main.o greet.o
	$(CC) $(CFLAGS) -o $@ main.o greet.o
EOF
	printf '#include <stdio.h>\nvoid greet(const char *);\nint main(int c, char **v) { greet(c > 1 ? v[1] : "world"); return 3; }\n' >"$W/buildsrc/main.c"
	printf '#include <stdio.h>\nvoid greet(const char *w) { printf("hello, %%s\\n", w); }\n' >"$W/buildsrc/greet.c"
	chmod -R go+rX "$W/buildsrc"
	cc_policy() {
		cat <<EOF
include @runtime
include @shell
# make, gcc and binutils, as a build may run any program; gcc's own
# programs, its headers, its symlinks and the folders it probes
allow read,exec /usr/bin/**
allow read,exec,list /usr/lib/gcc/**
allow read,list /usr/include/**
allow read,list /usr/lib/x86_64-linux-gnu/**
allow stat /etc/alternatives/**
allow stat /usr/local/include/**
EOF
	}
	{ cc_policy; echo "allow all $MS/**"; } >"$T/cc.policy"
	cc_policy | grep -v "^allow all" >"$T/cc-base.policy"
	reset() { fresh "$MS" && cp "$W/buildsrc"/* "$MS/" && chown "$WU:$WG" "$MS"/*; }
	CWD=$MS OUT=$MS NORM='' SEEN='^hello, there'
	set -- sh -c 'make && ./hello there'
	compare make-cc:profiles "--policy $T/cc.policy" -- "$@"
	# --write grants no exec (what a run writes, it may not run, unless
	# told): the program it builds runs with --exec of its folder, and
	# without, the run names the program and the rule.
	compare make-cc:oneoff "--policy $T/cc-base.policy --write $MS --exec $MS" -- "$@"
	reset
	(cd "$CWD" && sandboxed --policy "$T/cc-base.policy" --write "$MS" -- "$@") >"$T/got" 2>"$T/got.err"
	gst=$?
	if [ $gst -eq 126 ] && grep -q "exited 126, as a shell does for a program it may not run, and was refused $MS/hello: .*--allow 'exec $MS/hello'" "$T/got.err"; then
		pass "make-cc: --write alone: the run names the program it may not run, and the option"
	else
		fail "make-cc: --write alone: exit $gst, and no line names $MS/hello's exec rule"
		sed 's/^/      /' "$T/got.err" | head -n 10
	fi
	learned make-cc:learned "$T/cc-learned.policy" : -- "$@"
fi

echo "$nknown known failing (REAL_TOOLS_KNOWN), $nunexpected unexpectedly passing"
[ "$ntools" -eq 0 ] && skip_all "real_tools.sh: none of the tools is installed"
finish
