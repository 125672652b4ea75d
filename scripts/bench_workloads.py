#!/usr/bin/env python3
"""bench_workloads.py: section 4 of `make bench`, real programs side by side.

Six workloads, each with its own fixture, made once under the bench's
temporary folder, and the policy a user would write for it:

  build      `make -jN CC=gcc all` of a copy of this source tree, from clean
  clamscan   `clamscan -r` over a spool of nested mail-like files with a small
             signature database made here (.ndb body signatures, .hdb MD5
             signatures): EICAR test files, a marker string, zip archives
             holding it; the infected count is checked
  python     Debian's /usr/bin/python3 parsing JSON and XML files (json,
             xml.etree); its output is checked against the native run's
  tar -x     extracting an archive of many small files
  sha256sum  `find | xargs -0 sha256sum` over a tree of 4 KiB files
  grep -r    `grep -r` over the same tree

Runners: native, `filebroker run` with its default options and --audit FILE
(the brokered calls are counted and classified from that file), bubblewrap
and proot where they run, runsc for grep -r (its speed target).  Wall time,
the CPU time of the broker (the zombie's own utime+stime) and of everything
under it (its children's), every run kept.  BENCH_QUICK=1 makes every
fixture tiny: a smoke test of the harness.

Python 3 standard library only; bench_driver.py calls measure().
"""
import collections
import hashlib
import io
import json
import os
import pwd
import random
import re
import shutil
import signal
import subprocess
import tarfile
import threading
import time
import zipfile

QUICK = os.environ.get("BENCH_QUICK") == "1"
NCPU = os.cpu_count() or 1
RUNS = 1 if QUICK else 3

# Fixture sizes: (full, quick).
SIZES = {
    "clam_files": (3000, 60),
    "py_files": (2000, 40),      # JSON files; as many XML files
    "tar_files": (20000, 400),
    "tree_dirs": (100, 5),
    "tree_per_dir": (100, 40),
}
TREE_FILE_SIZE = 4096

# Ratio to native, default options, audit on (issue 20); None: no target.
TARGETS = {"build": 1.25, "build-stat": 1.25, "clamscan": 1.3, "clamscan-stat": 1.3,
           "python": 1.3, "tar -x": None, "sha256sum": None, "grep -r": 3.0}
# The build and clamscan again, their policies allowing stat of every path:
# the worker's stat and readlink then reach the kernel (filebroker(1), "Stat
# without a round trip").  Their peers are the first runs': not run twice.
NO_PEERS = ("build-stat", "clamscan-stat")
# BENCH_WORKLOADS=build,build-stat: only those (for a quick look at one).
ONLY_WORKLOADS = [w for w in os.environ.get("BENCH_WORKLOADS", "").split(",") if w]

EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")
MARKER = b"FBBENCH-MALWARE-MARKER-7f3a"
FILEBROKER = "filebroker"
# For information, the build (parallel) and the single-threaded workloads
# with a target also under --placement shared: what one CPU for broker and
# worker costs the one and saves the others.
SHARED = "filebroker --placement shared"
SHARED_TOO = ("build", "clamscan-stat", "python", "grep -r")
# And the single-threaded ones with --trap-all: every open through the
# seccomp filter, as before the preload library's lane (design.md, "The
# preload lane"): what the lane saves.
TRAP_ALL = "filebroker --trap-all"
TRAP_TOO = ("clamscan-stat", "python", "grep -r")
# The worker's PATH: what a user's shell would have, without the caller's
# own tool folders (pyenv and the like), the same for every runner.
PATH = "/usr/local/bin:/usr/bin:/bin"


def size(key):
    return SIZES[key][1 if QUICK else 0]


def log(msg):
    print(f"bench: {msg}", flush=True, file=__import__("sys").stderr)


# ---------------------------------------------------------------- fixtures

def worker_ids():
    """The uid and gid `filebroker run` gives its worker: nobody as root,
    else the caller."""
    if os.geteuid() == 0:
        pw = pwd.getpwnam("nobody")
        return pw.pw_uid, pw.pw_gid
    return os.getuid(), os.getgid()


def give(path):
    """Make a folder tree the worker's own (it writes there)."""
    uid, gid = worker_ids()
    for d, dirs, files in os.walk(path):
        os.chown(d, uid, gid)
        for f in files:
            os.lchown(os.path.join(d, f), uid, gid)


def readable(path):
    """World-readable whatever the umask: the worker may be nobody."""
    for d, _, files in os.walk(path):
        os.chmod(d, 0o755)
        for f in files:
            p = os.path.join(d, f)
            if not os.path.islink(p):
                os.chmod(p, os.stat(p).st_mode | 0o444)


def fixture_build(top, repo):
    """A copy of the tracked files of the source tree (uncommitted edits of
    tracked files included), owned by the worker, which builds in it."""
    src = os.path.join(top, "src")
    rc = subprocess.run(["git", "-C", repo, "ls-files", "-z"], capture_output=True)
    if rc.returncode == 0 and rc.stdout:
        names = [n for n in rc.stdout.decode().split("\0") if n]
    else:
        names = []
        for d, dirs, files in os.walk(repo):
            dirs[:] = [x for x in dirs if not x.startswith(("build", ".git"))]
            names += [os.path.relpath(os.path.join(d, f), repo) for f in files]
    for n in names:
        s, t = os.path.join(repo, n), os.path.join(src, n)
        if not os.path.isfile(s):
            continue
        os.makedirs(os.path.dirname(t), exist_ok=True)
        shutil.copy2(s, t)
    readable(src)
    give(src)
    return src


def fixture_clam(top):
    """A spool of nested files, 2-16 KiB of mail-like text; every 97th file
    is an EICAR test file, every 41st holds the marker at a random place,
    every 53rd is a zip holding a text file with the marker (clamscan
    unpacks it into its temporary folder), and 5 files are known by MD5.
    Returns (db folder, spool, expected infected count)."""
    rnd = random.Random(20)
    db, spool = os.path.join(top, "db"), os.path.join(top, "spool")
    os.makedirs(db)
    words = [f"word{n:04d}" for n in range(3000)] + ["From:", "To:", "Subject:", "\n"]
    n = size("clam_files")
    infected = 0
    hashed = []
    for i in range(n):
        d = os.path.join(spool, f"box{i % 10}", f"cur{(i // 10) % 10}")
        os.makedirs(d, exist_ok=True)
        body = " ".join(rnd.choice(words) for _ in range(rnd.randint(300, 2400))).encode()
        if i % 97 == 0:
            name, data = f"m{i:05d}.com", EICAR + b"\n"
            infected += 1
        elif i % 53 == 0:
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("invoice.txt", body[:2000] + MARKER + body[2000:])
            name, data = f"m{i:05d}.zip", buf.getvalue()
            infected += 1
        elif i % 41 == 0:
            k = rnd.randint(0, len(body))
            name, data = f"m{i:05d}.eml", body[:k] + MARKER + body[k:]
            infected += 1
        elif i % 211 == 5 and len(hashed) < 5:
            name, data = f"m{i:05d}.bin", b"known bad %d\n" % i + body[:512]
            hashed.append(data)
            infected += 1
        else:
            name, data = f"m{i:05d}.eml", body
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    # A small database: the two body signatures that match, and 30 that
    # never do (each still searched for in every file).
    sigs = [f"FB.Bench.Marker:0:*:{MARKER.hex()}", f"FB.Bench.Eicar:0:0:{EICAR.hex()}"]
    for k in range(30):
        sigs.append(f"FB.Bench.Never{k}:0:*:{hashlib.sha256(b'%d' % k).hexdigest()[:40]}")
    with open(os.path.join(db, "bench.ndb"), "w") as f:
        f.write("\n".join(sigs) + "\n")
    with open(os.path.join(db, "bench.hdb"), "w") as f:
        for k, data in enumerate(hashed):
            f.write(f"{hashlib.md5(data).hexdigest()}:{len(data)}:FB.Bench.Known{k}\n")
    readable(top)
    return db, spool, infected


PARSER = '''\
"""Parse every JSON and XML file under a folder; print totals."""
import json
import os
import sys
import xml.etree.ElementTree as ET

items = total = files = 0
for d, dirs, names in os.walk(sys.argv[1]):
    dirs.sort()
    for n in sorted(names):
        p = os.path.join(d, n)
        if n.endswith(".json"):
            with open(p) as f:
                doc = json.load(f)
            for r in doc["records"]:
                items += 1
                total += r["qty"] * r["price_cents"]
        elif n.endswith(".xml"):
            for it in ET.parse(p).getroot().iter("item"):
                items += 1
                total += int(it.get("qty")) * int(it.findtext("price_cents"))
        else:
            continue
        files += 1
print(f"{files} files, {items} items, total {total}")
'''


def fixture_python(top):
    """JSON and XML files of 30 records each in 20 folders, and the parser."""
    rnd = random.Random(7)
    data = os.path.join(top, "data")
    n = size("py_files")
    for i in range(n):
        d = os.path.join(data, f"batch{i % 20:02d}")
        os.makedirs(d, exist_ok=True)
        recs = [{"id": i * 100 + k, "name": f"item-{rnd.randrange(10**6)}",
                 "qty": rnd.randint(1, 9), "price_cents": rnd.randint(100, 99999),
                 "tags": [rnd.choice("abcdef") for _ in range(3)]} for k in range(30)]
        with open(os.path.join(d, f"order{i:05d}.json"), "w") as f:
            json.dump({"order": i, "records": recs}, f, indent=1)
        with open(os.path.join(d, f"order{i:05d}.xml"), "w") as f:
            f.write(f'<?xml version="1.0"?>\n<order id="{i}">\n')
            for r in recs:
                f.write(f'  <item id="{r["id"]}" qty="{r["qty"]}"><name>{r["name"]}</name>'
                        f'<price_cents>{r["price_cents"]}</price_cents>'
                        f'<tags>{" ".join(r["tags"])}</tags></item>\n')
            f.write("</order>\n")
    script = os.path.join(top, "parse.py")
    with open(script, "w") as f:
        f.write(PARSER)
    readable(top)
    return script, data


def fixture_tar(top):
    """An archive of many small files in 200 folders, and the (empty)
    folder it is extracted into, the worker's."""
    rnd = random.Random(3)
    n = size("tar_files")
    os.makedirs(top)
    archive = os.path.join(top, "archive.tar")
    with tarfile.open(archive, "w", format=tarfile.GNU_FORMAT) as t:
        for i in range(n):
            data = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(0, 2048)))
            ti = tarfile.TarInfo(f"pkg/dir{i % 200:03d}/file{i:05d}.dat")
            ti.size, ti.mode, ti.mtime = len(data), 0o644, 1700000000
            t.addfile(ti, io.BytesIO(data))
    out = os.path.join(top, "out")
    os.makedirs(out)
    readable(top)
    give(out)
    return archive, out


def fixture_tree(top):
    """Files of 4 KiB in folders; every 97th holds the needle."""
    rnd = random.Random(42)
    words = [f"w{n:04d}" for n in range(2000)]
    for d in range(size("tree_dirs")):
        dd = os.path.join(top, f"d{d:03d}")
        os.makedirs(dd, exist_ok=True)
        for k in range(size("tree_per_dir")):
            n = d * size("tree_per_dir") + k
            text = " ".join(rnd.choice(words) for _ in range(TREE_FILE_SIZE // 6))
            if n % 97 == 0:
                text = "FBNEEDLE " + text
            data = (text + "\n").encode()[:TREE_FILE_SIZE - 1] + b"\n"
            with open(os.path.join(dd, f"f{k:03d}.txt"), "wb") as f:
                f.write(data)
    readable(top)
    return top


# ---------------------------------------------------------------- policies

def has_profile(fb, name, folder):
    """Whether this filebroker knows the built-in profile @name (issue 18
    adds some): the policies use it when it does, explicit rules else."""
    p = os.path.join(folder, f"probe-{name}.policy")
    with open(p, "w") as f:
        f.write(f"include @{name}\n")
    rc = subprocess.run([fb, "check", p], capture_output=True).returncode
    os.unlink(p)
    return rc == 0


def canon_exes(*names):
    """The canonical paths of programs, as exec rules must name them."""
    out = []
    for n in names:
        w = shutil.which(n, path=PATH)
        if w and os.path.realpath(w) not in out:
            out.append(os.path.realpath(w))
    return out


def policy_text(name, rules):
    return f"# make bench: {name}, as a user would write it\ninclude @runtime\n" + \
        "".join(r + "\n" for r in rules)


# ---------------------------------------------------------------- workloads

class Workload:
    """argv run in cwd; prepare() before each run and finish() after the
    last, untimed; check(rc, out) says what is wrong with a run, or None."""

    def __init__(self, name, argv, cwd, rules, prepare=None, check=None, what="",
                 finish=None):
        self.name, self.argv, self.cwd, self.rules = name, argv, cwd, rules
        self.prepare = prepare or (lambda: None)
        self.finish = finish or (lambda: None)
        self.check = check or (lambda rc, out: None if rc == 0 else f"exit status {rc}")
        self.what = what


def make_workloads(fb, repo, top, tmpdir):
    """The six workloads, fixtures made under top; tmpdir is the worker's
    TMPDIR (a folder of its own)."""
    wls = []
    t0 = time.time()
    py_profile = has_profile(fb, "python3", top)
    sh_profile = has_profile(fb, "shell", top)
    scratch = [f"allow all {tmpdir}/**"]

    # build
    src = fixture_build(os.path.join(top, "build"), repo)
    target = "build/obj/policy/policy_glob.o" if QUICK else "all"

    def clean_build():
        shutil.rmtree(os.path.join(src, "build"), ignore_errors=True)

    def check_build(rc, out):
        if rc != 0:
            return f"exit status {rc}: {last_line(out)}"
        want = target if QUICK else "build/filebroker"
        return None if os.path.exists(os.path.join(src, want)) else f"no {want} made"

    build_rules = ["allow read,list /usr/**",
                   "allow exec /usr/bin/**       # make, sh, gcc, as, ld, ar",
                   "allow exec /usr/lib/gcc/**   # cc1, collect2, lto-wrapper",
                   f"allow all {src}/**"] + scratch
    wls.append(Workload(
        "build", ["make", f"-j{NCPU}", "CC=gcc", target], src, build_rules,
        prepare=clean_build, check=check_build, finish=clean_build,
        what=f"make -j{NCPU} CC=gcc {target} of this tree, from clean"))
    wls.append(Workload(
        "build-stat", ["make", f"-j{NCPU}", "CC=gcc", target], src,
        build_rules + ["allow stat /**            # stat and readlink to the kernel"],
        prepare=clean_build, check=check_build, finish=clean_build,
        what="the same, the policy allowing stat of every path"))

    # clamscan
    db, spool, infected = fixture_clam(os.path.join(top, "clam"))

    def check_clam(rc, out):
        found = [ln for ln in out.splitlines() if ln.startswith("Infected files:")]
        if rc not in (0, 1) or not found:
            return f"exit status {rc}: {last_line(out)}"
        got = int(found[-1].split(":")[1])
        return None if got == infected else f"{got} infected files reported, {infected} planted"

    clam_argv = ["clamscan", "-d", db, "-r", f"--tempdir={tmpdir}", spool]
    clam_rules = ([f"allow read,exec {p}" for p in canon_exes("clamscan")] +
                  [f"allow read,list {db}/**", f"allow read,list {spool}/**"] + scratch)
    wls.append(Workload(
        "clamscan", clam_argv, spool, clam_rules, check=check_clam,
        what=f"clamscan -r over {size('clam_files'):,} files, {infected} infected "
             f"(EICAR, a marker, zips), 32 body + 5 MD5 signatures"))
    wls.append(Workload(
        "clamscan-stat", clam_argv, spool,
        clam_rules + ["allow stat /**            # stat and readlink to the kernel"],
        check=check_clam, what="the same, the policy allowing stat of every path"))

    # python
    script, data = fixture_python(os.path.join(top, "python"))
    pyver = os.path.realpath("/usr/bin/python3")
    wls.append(Workload(
        "python", ["/usr/bin/python3", script, data], os.path.dirname(script),
        (["include @python3"] if py_profile else
         [f"allow read,exec {pyver}",
          f"allow read,list /usr/lib/{os.path.basename(pyver)}/**",
          "allow read,list /usr/lib/python3/**"]) +
        [f"allow read {script}", f"allow read,list {data}/**"] + scratch,
        what=f"python3 parsing {size('py_files'):,} JSON + {size('py_files'):,} XML "
             f"files (json, xml.etree)"))

    # tar -x
    archive, out = fixture_tar(os.path.join(top, "tar"))

    # Each run extracts into a fresh, empty folder.  The previous one is
    # moved aside, not removed, until the workload is done: on ext4 without
    # a journal, files created right after thousands were removed make the
    # inode allocator skip the recently deleted inodes one by one
    # (recently_deleted(), tens of seconds here), for native and sandboxed
    # runs alike, and the figure measured the file system.
    dest = os.path.join(out, "x")
    old = os.path.join(os.path.dirname(out), "old")
    os.makedirs(old)
    moved = []

    def fresh_dest():
        if os.path.exists(dest):
            moved.append(os.path.join(old, str(len(moved))))
            os.rename(dest, moved[-1])
        os.mkdir(dest)
        give(dest)

    def remove_old():
        shutil.rmtree(old, ignore_errors=True)
        shutil.rmtree(dest, ignore_errors=True)

    wls.append(Workload(
        "tar -x", ["tar", "--no-same-owner", "--no-same-permissions", "-xf", archive,
                   "-C", dest], out,
        [f"allow read,exec {p}" for p in canon_exes("tar")] +
        [f"allow read {archive}", f"allow all {out}/**"] + scratch,
        prepare=fresh_dest, finish=remove_old,
        what=f"tar -x of {size('tar_files'):,} files of 0-2 KiB in 200 folders"))

    # the tree: sha256sum and grep -r
    tree = fixture_tree(os.path.join(top, "tree"))
    nfiles = size("tree_dirs") * size("tree_per_dir")
    wls.append(Workload(
        "sha256sum", ["sh", "-c", "find . -type f -print0 | xargs -0 sha256sum"], tree,
        (["include @shell"] if sh_profile else
         [f"allow read,exec {p}" for p in canon_exes("sh", "find", "xargs", "sha256sum")]) +
        [f"allow read,list {tree}/**"],
        what=f"find | xargs -0 sha256sum over {nfiles:,} files of 4 KiB"))
    wls.append(Workload(
        "grep -r", ["grep", "-r", "FBNEEDLE", tree], tree,
        [f"allow read,exec {p}" for p in canon_exes("grep")] + [f"allow read,list {tree}/**"],
        check=lambda rc, out: None if rc == 0 else f"exit status {rc}",
        what=f"grep -r over {nfiles:,} files of 4 KiB"))
    log(f"workload fixtures made in {time.time() - t0:.1f} s"
        f"{' (@python3 profile)' if py_profile else ''}")
    return wls


def last_line(text):
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return lines[-1].strip()[:200] if lines else ""


# ---------------------------------------------------------------- running

def proc_times(pid):
    """(own CPU s, reaped children's CPU s) of a zombie, from /proc/PID/stat."""
    tick = os.sysconf("SC_CLK_TCK")
    with open(f"/proc/{pid}/stat") as f:
        st = f.read()
    fields = st[st.rindex(")") + 2:].split()
    # fields[11..14]: utime stime cutime cstime (stat(5) fields 14-17)
    ut, stt, cut, cst = (int(x) for x in fields[11:15])
    return (ut + stt) / tick, (cut + cst) / tick


def timed(argv, cwd, env, timeout, outpath):
    """Run argv, its stdout and stderr to the file outpath (clamscan's
    summary and python's totals are checked there).  Returns a dict: rc,
    wall_ms, self_cpu_s
    (the started process's own CPU time: the broker's under filebroker),
    children_cpu_s (everything it reaped: the worker's tree)."""
    with open(outpath, "wb") as out:
        t0 = time.perf_counter_ns()
        p = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                             stdout=out, stderr=out, start_new_session=True)
        killed = []

        def kill():
            killed.append(1)
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            # WNOWAIT: the process stays a zombie, so its own CPU time and
            # its reaped children's can still be read from /proc.
            os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOWAIT)
            wall = (time.perf_counter_ns() - t0) / 1e6
            try:
                own, kids = proc_times(p.pid)
            except (OSError, ValueError, IndexError):
                own, kids = None, None
            rc = p.wait()
        finally:
            timer.cancel()
    if killed:
        return {"rc": None, "error": f"timed out after {timeout:.0f} s"}
    return {"rc": rc, "wall_ms": round(wall, 2), "self_cpu_s": own, "children_cpu_s": kids}


def audit_summary(path):
    """The brokered calls of one run, from its audit file: how many, by
    (op, decision, errno), and the broker's time on them (duration_us:
    from the notification's arrival to its record)."""
    by = collections.Counter()
    dur = collections.Counter()
    denied = collections.Counter()
    n = lane = 0
    with open(path, "rb") as f:
        for ln in f:
            try:
                r = json.loads(ln)
            except ValueError:
                continue
            if "event" in r:
                continue  # the session's and the file's own records, no call
            if r.get("phase") == "intent":
                continue  # a change's record written ahead; its outcome counts it
            n += 1
            if r.get("mode") == "explicit":
                lane += 1  # the preload library's lane (the bench's workers ask no other way)
            k = f"{r.get('op')} {r.get('decision')} {r.get('errno') or '-'}"
            by[k] += 1
            dur[k] += r.get("duration_us") or 0.0
            if r.get("decision") == "deny":
                denied[f"{r.get('op')} {r.get('canon') or r.get('path')}"] += 1
    kinds = [{"kind": k, "count": c, "broker_ms": round(dur[k] / 1e3, 1)}
             for k, c in by.most_common()]
    return {"calls": n, "lane": lane, "kinds": kinds,
            "broker_ms": round(sum(dur.values()) / 1e3, 1),
            "denied_top": [{"what": k, "count": c} for k, c in denied.most_common(8)]}


def verbose_counts(text):
    """'worker N ended; R requests, D denied, ...' from filebroker run -v."""
    for ln in text.splitlines():
        if "ended;" in ln and "requests" in ln:
            try:
                part = ln.split("ended;")[1].split(",")
                return {"requests": int(part[0].split()[0]), "denied": int(part[1].split()[0])}
            except (IndexError, ValueError):
                return None
    return None


PERF_HZ = 0


def perf_works(folder):
    """The sampling rate for `perf record` when perf can profile here (a
    software clock: virtual machines often have no hardware counters), or
    0."""
    if shutil.which("perf") is None or os.environ.get("BENCH_NO_PERF") == "1":
        return 0
    data = os.path.join(folder, "perf.probe")
    rc = subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-o", data, "--", "true"],
                        capture_output=True).returncode
    if os.path.exists(data):
        os.unlink(data)
    return 999 if rc == 0 else 0


def broker_profile(argv, cwd, env, timeout, outpath, data, calls, check):
    """One more run of the workload under filebroker, untimed, inside
    `perf record -g -e cpu-clock`; the broker's samples (comm filebroker)
    sorted by the system call they were taken in (its __x64_sys_ frame),
    else user space, else the kernel's entry, exit and context switch.
    Returns {"samples", "broker_ms", "by": [{"what", "share", "us_per_call"}]},
    or {"status": why not}."""
    r = timed(["perf", "record", "-q", "-g", "-e", "cpu-clock", "-F", str(PERF_HZ), "-o", data,
               "--"] + argv, cwd, env, timeout * 2, outpath)
    with open(outpath, errors="replace") as f:
        err = r.get("error") or check(r["rc"], f.read())
    if err:
        if os.path.exists(data):
            os.unlink(data)
        return {"status": f"the run under perf record failed: {err}"}
    p = subprocess.run(["perf", "script", "-i", data, "--comms", FILEBROKER, "-F",
                        "comm,ip,sym,dso"], capture_output=True, text=True)
    os.unlink(data)
    if p.returncode != 0:
        return {"status": f"perf script failed: {last_line(p.stderr)}"}
    by = collections.Counter()
    n = 0
    frames = None

    def take(fr):
        for f in fr:
            # writev(2) reaches do_writev() by a tail call: no
            # __x64_sys_writev frame.
            m = re.search(r"\b(?:__x64_sys|__do_sys)_(\w+)|\bdo_(writev|readv)\b", f)
            if m:
                return "syscall " + (m.group(1) or m.group(2))
        if fr and "kernel" not in fr[0]:
            return "user space"
        return "kernel: entry, exit, scheduling"
    for ln in p.stdout.splitlines():
        if ln and not ln[0].isspace():
            if frames is not None:
                by[take(frames)] += 1
                n += 1
            frames = []
        elif ln.strip() and frames is not None:
            frames.append(ln.strip())
    if frames is not None:
        by[take(frames)] += 1
        n += 1
    if n == 0:
        return {"status": "no samples of the broker"}
    return {"samples": n, "hz": PERF_HZ, "broker_ms": round(n * 1e3 / PERF_HZ, 1),
            "by": [{"what": k, "share": round(v / n, 4),
                    "us_per_call": round(v * 1e6 / PERF_HZ / max(1, calls), 2)}
                   for k, v in by.most_common(12)]}


def round_trip_floors(floorbin, path):
    """What one round trip costs on this machine, now: bench_floor's
    notif_open (through seccomp, an answer with a descriptor: RECV, the
    path's copy, ID_VALID, open, ADDFD) and notif_deny (an answer without
    one: NOTIF_SEND), and scm_open and scm_open_poll (on a socket, as the
    preload library's lane asks, without and with polling), on one CPU and
    at the default placement (the scheduler's choice, as filebroker's
    spread).  The median of the run means, ns, per figure and
    placement; called before and after the workloads, the runs pooled."""
    out = {}
    for fig in ("notif_open", "notif_deny", "scm_open", "scm_open_poll"):
        for pl, iters in (("same", 400 if QUICK else 4000), ("default", 100 if QUICK else 1000)):
            try:
                p = subprocess.run([floorbin, "-n", str(iters), "-r", "2" if QUICK else "5",
                                    "-w", "500", "-p", pl, fig, path], capture_output=True,
                                   text=True, timeout=120)
            except (OSError, subprocess.TimeoutExpired) as e:
                out.setdefault(fig, {})[pl] = {"status": f"failed: {e}"}
                continue
            runs = []
            for ln in p.stdout.splitlines():
                try:
                    runs += json.loads(ln).get("runs_ns", [])
                except ValueError:
                    pass
            out.setdefault(fig, {})[pl] = ({"runs_ns": runs} if p.returncode == 0 and runs else
                                           {"status": "failed: " + (last_line(p.stderr) or
                                                                    f"exit {p.returncode}")})
    return out


def pool_floors(a, b):
    """The runs of two round_trip_floors() pooled, with their median."""
    out = {}
    for fig in set(a) | set(b):
        for pl in set(a.get(fig, {})) | set(b.get(fig, {})):
            runs = (a.get(fig, {}).get(pl, {}).get("runs_ns", []) +
                    b.get(fig, {}).get(pl, {}).get("runs_ns", []))
            out.setdefault(fig, {})[pl] = (
                {"runs_ns": runs, "median_ns": sorted(runs)[len(runs) // 2]} if runs else
                a.get(fig, {}).get(pl) or b.get(fig, {}).get(pl))
    return out


def measure(fb, repo, tmp, peers, floorbin=None):
    """Make the fixtures, run every workload under every runner, return the
    results for results.json.  peers: {name: {"prefix": [...], "status":
    ...}} from the driver's probe (bubblewrap, proot, runsc).  floorbin:
    bench_floor, for the round trip's floor measured around the workloads
    (a missed target's reason)."""
    top = os.path.join(tmp, "workloads")
    os.makedirs(top)
    os.chmod(top, 0o755)
    floorfile = os.path.join(top, "floor.txt")
    with open(floorfile, "w") as f:
        f.write("benchmark file\n")
    floors_before = round_trip_floors(floorbin, floorfile) if floorbin else {}
    tmpdir = os.path.join(top, "tmp")     # the worker's TMPDIR, its own
    os.makedirs(tmpdir)
    give(tmpdir)
    auditdir = os.path.join(top, "audit")  # root's, out of the policies' reach
    os.makedirs(auditdir)
    wls = make_workloads(fb, repo, top, tmpdir)
    global PERF_HZ
    PERF_HZ = perf_works(top)
    results_perf = (f"perf record -e cpu-clock -F {PERF_HZ}" if PERF_HZ else
                    "perf not available: no profile of the broker")
    env = dict(os.environ, PATH=PATH, TMPDIR=tmpdir, LC_ALL="C.UTF-8")
    env.pop("MAKEFLAGS", None)
    env.pop("MFLAGS", None)
    env.pop("MAKELEVEL", None)
    results = {"runs_per_runner": RUNS, "quick": QUICK, "workloads": {},
               "perf": results_perf}
    for wl in wls:
        if ONLY_WORKLOADS and wl.name not in ONLY_WORKLOADS:
            continue
        policy = os.path.join(top, f"{wl.name.split()[0]}.policy")
        with open(policy, "w") as f:
            f.write(policy_text(wl.name, wl.rules))
        os.chmod(policy, 0o644)
        audit = os.path.join(auditdir, f"{wl.name.split()[0]}.jsonl")
        runners = {"native": [], FILEBROKER: [fb, "run", "-v", "--policy", policy,
                                              "--audit", audit, "--"]}
        if wl.name in TRAP_TOO:
            runners[TRAP_ALL] = [fb, "run", "--trap-all", "--policy", policy,
                                 "--audit", audit + ".trap", "--"]
        if wl.name in SHARED_TOO:
            runners[SHARED] = [fb, "run", "--placement", "shared", "--policy", policy,
                               "--audit", audit + ".shared", "--"]
        status = {}
        for name in ((("bubblewrap", "proot") if wl.name not in NO_PEERS else ()) +
                     (("runsc",) if wl.name == "grep -r" else ())):
            pr = peers.get(name, {})
            if pr.get("status") == "ok":
                runners[name] = pr["prefix"]
            else:
                status[name] = pr.get("status", "not probed")
        entry = {"what": wl.what, "argv": wl.argv, "policy": policy_text(wl.name, wl.rules),
                 "target": TARGETS.get(wl.name), "runners": {}}
        if shutil.which(wl.argv[0], path=PATH) is None:
            entry["runners"] = {n: {"status": f"missing: {wl.argv[0]} (make bench-deps)"}
                                for n in runners}
            results["workloads"][wl.name] = entry
            log(f"workload {wl.name}: {wl.argv[0]} is not installed (make bench-deps)")
            wl.finish()
            continue
        for name, st in status.items():
            entry["runners"][name] = {"status": st}
        outp = os.path.join(top, "out.txt")
        native_out = None
        timeout = 600.0
        runs = {n: [] for n in runners}
        failed = {}
        # One untimed run per runner first (caches, and a time limit for the
        # slow peers: 40x native, at least 60 s), then interleaved runs.
        order = list(runners)
        for i in range(RUNS + 1):
            for name in order:
                if name in failed:
                    continue
                wl.prepare()
                for f in (audit, audit + ".shared", audit + ".trap"):
                    if name in (FILEBROKER, SHARED, TRAP_ALL) and os.path.exists(f):
                        os.unlink(f)
                r = timed(runners[name] + wl.argv, wl.cwd, dict(env, PWD=wl.cwd), timeout,
                          outp)
                with open(outp, errors="replace") as f:
                    out = f.read()
                err = r.get("error") or wl.check(r["rc"], out)
                if err is None and wl.name == "python":
                    res = next((ln for ln in out.splitlines()
                                if re.match(r"^\d+ files, \d+ items", ln)), "")
                    if name == "native":
                        native_out = res
                    elif native_out is not None and res != native_out:
                        err = f"printed '{res}', native '{native_out}'"
                if err:
                    failed[name] = err
                    log(f"workload {wl.name}: {name}: {err}")
                    continue
                if name == FILEBROKER:
                    r["audit"] = audit_summary(audit)
                    r["verbose"] = verbose_counts(out)
                if i == 0:
                    if name == "native":
                        timeout = max(60.0, 40 * r["wall_ms"] / 1e3)
                    continue
                runs[name].append(r)
        for name in runners:
            if name in failed:
                entry["runners"][name] = {"status": f"failed: {failed[name]}"}
                continue
            walls = [r["wall_ms"] for r in runs[name]]
            e = {"status": "ok", "runs": runs[name], "median_ms": sorted(walls)[len(walls) // 2],
                 "min_ms": min(walls), "max_ms": max(walls)}
            if name == FILEBROKER:
                last = runs[name][-1]
                e["calls"] = last["audit"]["calls"]
                e["audit"] = last["audit"]
                e["verbose"] = last["verbose"]
            entry["runners"][name] = e
        if PERF_HZ and entry["runners"].get(FILEBROKER, {}).get("status") == "ok":
            wl.prepare()
            entry["runners"][FILEBROKER]["perf"] = broker_profile(
                runners[FILEBROKER] + wl.argv, wl.cwd, dict(env, PWD=wl.cwd), timeout, outp,
                os.path.join(top, "perf.data"), entry["runners"][FILEBROKER]["calls"], wl.check)
        results["workloads"][wl.name] = entry
        nat = entry["runners"].get("native", {})
        fbr = entry["runners"].get(FILEBROKER, {})
        if nat.get("status") == "ok" and fbr.get("status") == "ok":
            log(f"workload {wl.name}: native {nat['median_ms']:.0f} ms, filebroker "
                f"{fbr['median_ms']:.0f} ms ({fbr['median_ms'] / nat['median_ms']:.2f}x), "
                f"{fbr['calls']:,} brokered calls")
        for f in (audit, audit + ".shared", audit + ".trap"):
            if os.path.exists(f):
                os.unlink(f)
        wl.finish()
    if floorbin:
        results["floors"] = pool_floors(floors_before, round_trip_floors(floorbin, floorfile))
    return results
