#!/usr/bin/env python3
"""bench_driver.py: runs every figure of `make bench` and records the machine.

Called by scripts/bench.sh with --build DIR after the benchmark programs are
built into DIR/bench/.  Measures, in this order:

  1. floors (tests/bench/bench_floor.c), the broker's explicit calls
     (tests/bench/bench_client.c under `filebroker run`) and plain open()/stat()
     in the transparent mode (tests/bench/bench_transparent.c), repeated
     BENCH_ROUNDS times, interleaved, so that a noisy minute on the shared
     machine hits floors and broker alike;
  2. the policy-decision microbenchmark (tests/bench/bench_policy.c);
  3. system calls per request of the broker (strace), when strace is there;
  4. real workloads (scripts/bench_workloads.py): a build of this tree,
     clamscan, a Python parser, tar -x, find|xargs sha256sum, grep -r;
     native, under `filebroker run` (default options, audit on: the
     brokered calls counted and classified from the audit file), under
     bubblewrap and proot;
  5. start-up of /bin/true, and of an explicit-mode worker (tests/bench/bench_spawn.c);
  6. the daemon, `filebroker serve` (tests/bench/bench_serve.c): requests
     per second at 1, 2, 8 and 64 concurrent workers and at 8 beside 1,000
     idle connected peers, and the daemon's memory per idle peer.

BENCH_ONLY=serve measures section 6 alone, BENCH_ONLY=workloads section 4
(the rest of the table then says NO DATA); BENCH_WORKLOADS=build,build-stat
runs only the workloads it names.

Every figure keeps its raw run means; scripts/bench_report.py turns them into
the table, the PASS/MISS targets, results.json and the SVG chart.  Python 3
standard library only.
"""
import argparse
import datetime
import functools
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_report  # noqa: E402
import bench_workloads  # noqa: E402

QUICK = os.environ.get("BENCH_QUICK") == "1"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "1" if QUICK else "3"))
PLACEMENTS = ("same", "cross", "default")
NCPU = os.cpu_count() or 1
# Iterations per run: same-CPU round trips take ~5-10 us here, cross-CPU
# ones ~50-90 us (the idle vCPU must be woken), so the counts differ to
# keep every run near 50-100 ms.
ITERS = {"same": 4000, "cross": 1000, "default": 1000}
RUNS = 5
WARMUP = 500
if QUICK:
    ITERS = {"same": 500, "cross": 100, "default": 100}
    RUNS = 2
    WARMUP = 50


# The daemon (section 6): worker counts, idle peers, seconds per run.
SERVE_WORKERS = (1, 2, 8, 64)
SERVE_LOADED = 8
SERVE_IDLE = 1000
SERVE_SECONDS = 0.1 if QUICK else 0.5
ONLY = os.environ.get("BENCH_ONLY", "")
if ONLY not in ("", "serve", "workloads"):
    sys.exit(f"bench: BENCH_ONLY={ONLY}: the sections measured alone are 'serve' and "
             "'workloads' (for the micro figures: scripts/bench_driver.py --micro-only)")


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def run(cmd, **kw):
    """Run cmd, return (rc, stdout, stderr) as text; never raises on rc."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, **kw)
        return p.returncode, p.stdout, p.stderr
    except (OSError, subprocess.TimeoutExpired) as e:
        return 127, "", str(e)


def first_line(text):
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1].strip() if lines else ""


def summarise(runs):
    return {"median": statistics.median(runs), "min": min(runs), "max": max(runs),
            "n": len(runs)}


# ---------------------------------------------------------------- machine

def read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def pkg_version(pkg):
    rc, out, _ = run(["dpkg-query", "-W", "-f", "${Status}|${Version}", pkg])
    if rc == 0 and out.startswith("install ok installed|"):
        return out.split("|", 1)[1]
    return None


def cpu_busy(seconds=1.0):
    """Per cent of all CPUs busy (not idle, not iowait) over `seconds`, from
    /proc/stat, before anything of ours runs: other work on the machine
    (a stuck process, a build) skews every figure, so it is recorded, and the
    table warns when it is high."""
    def sample():
        f = (read("/proc/stat") or "cpu 0 0 0 0").splitlines()[0].split()[1:]
        v = [int(x) for x in f]
        return sum(v), v[3] + (v[4] if len(v) > 4 else 0)
    t0, i0 = sample()
    time.sleep(seconds)
    t1, i1 = sample()
    return round(100.0 * (1 - (i1 - i0) / max(1, t1 - t0)), 1)


def machine(tmp):
    cpuinfo = read("/proc/cpuinfo") or ""
    model = re.search(r"^model name\s*:\s*(.*)$", cpuinfo, re.M)
    flags = re.search(r"^flags\s*:\s*(.*)$", cpuinfo, re.M)
    rc, virt, _ = run(["systemd-detect-virt"])
    vuln_dir = "/sys/devices/system/cpu/vulnerabilities"
    vulns = {}
    if os.path.isdir(vuln_dir):
        for name in sorted(os.listdir(vuln_dir)):
            vulns[name] = read(os.path.join(vuln_dir, name))
    rc_fs, fstype, _ = run(["stat", "-f", "-c", "%T", tmp])
    rc_g, gcc, _ = run(["gcc", "--version"])
    rc_git, commit, _ = run(["git", "rev-parse", "--short", "HEAD"])
    rc_st, status, _ = run(["git", "status", "--porcelain", "--untracked-files=no"])
    return {
        "hostname": platform.node(),
        "kernel": platform.release(),
        "kernel_version": platform.version(),
        "arch": platform.machine(),
        "cpu_model": model.group(1) if model else None,
        "cpus_online": NCPU,
        "virtualisation": {
            "systemd_detect_virt": virt.strip() if virt.strip() else f"exit {rc}",
            "dmi_product_name": read("/sys/class/dmi/id/product_name"),
            "cpuinfo_hypervisor_flag": bool(flags and "hypervisor" in flags.group(1).split()),
        },
        "cpuidle": {"driver": read("/sys/devices/system/cpu/cpuidle/current_driver"),
                    "governor": read("/sys/devices/system/cpu/cpuidle/current_governor_ro")
                    or read("/sys/devices/system/cpu/cpuidle/current_governor"),
                    # 0: an idle vCPU halts at once, and waking it takes the host.
                    "guest_halt_poll_ns": read("/sys/module/haltpoll/parameters/"
                                               "guest_halt_poll_ns")},
        "lsm": read("/sys/kernel/security/lsm"),
        "mitigations": vulns,
        "bench_fs": {"path": tmp, "type": fstype.strip() if rc_fs == 0 else None},
        "tools": {
            "gcc": gcc.splitlines()[0] if rc_g == 0 else None,
            "python3": platform.python_version(),
            "glibc": platform.libc_ver()[1],
            **{p: pkg_version(p) for p in ("bubblewrap", "proot", "firejail", "runsc",
                                           "strace", "libseccomp2", "grep", "tar",
                                           "coreutils", "findutils")},
        },
        "git": {"commit": commit.strip() if rc_git == 0 else None,
                "tracked_changes": bool(status.strip()) if rc_st == 0 else None},
        "user": os.geteuid(),
        "loadavg": read("/proc/loadavg"),
        "cpu_busy_before_pct": cpu_busy(),
    }


# ---------------------------------------------------------------- fixtures

def make_policies(root):
    """The 1-rule and the 10,000-rule policy; both decide ALLOWED by the same
    rule; DENIED (outside that rule's tree) is refused by a deny rule (10k)
    or by default (1 rule)."""
    allow_rule = f"allow read,list {root}/proj42/data/**"
    deny_rule = f"deny read {root}/proj42/**/*.key"
    rules = []
    i = 0
    while len(rules) < 9998:
        proj = i % 500
        kind = i % 10
        if kind < 4:
            rules.append(f"allow read,write {root}/proj{proj}/data/f{i}/g{i % 7}/file{i}.txt")
        elif kind == 4:
            rules.append(f"allow read /home/user{proj}/.config/app{i}/settings.json")
        elif kind == 5:
            rules.append(f"allow read {root}/proj{proj}/src{i}/*.c")
        elif kind == 6:
            rules.append(f"allow read,list {root}/proj{proj}/logs/{i}/*/[0-9][0-9]*.log")
        elif kind == 7:
            rules.append(f"allow read,write,create {root}/proj{proj}/out{i}/** mode=0640")
        elif kind == 8:
            rules.append(f"deny write {root}/proj{proj}/data/ro{i}/**")
        else:
            rules.append(f"deny read /home/user{proj}/.ssh{i}/**")
        i += 1
    # The deciding rules sit among the others, not first.
    rules.insert(5000, allow_rule)
    rules.insert(7000, deny_rule)
    p10k_rt = os.path.join(root, "..", "many-runtime.policy")
    with open(p10k_rt, "w") as f:
        f.write("# make bench: start-up of a dynamic /bin/true with 10,000 rules\n"
                "include @runtime\ninclude many.policy\n")
    p1 = os.path.join(root, "..", "one.policy")
    p10k = os.path.join(root, "..", "many.policy")
    with open(p1, "w") as f:
        f.write("# make bench: one rule\n" + allow_rule + "\n")
    with open(p10k, "w") as f:
        f.write("# make bench: 10,000 generated rules\n" + "\n".join(rules) + "\n")
    return (os.path.abspath(p1), os.path.abspath(p10k), os.path.abspath(p10k_rt),
            len(rules))


# ---------------------------------------------------------------- micro

@functools.lru_cache(maxsize=None)
def placement_opts(fb):
    """`filebroker run` places broker and worker itself (--placement
    spread, the default: nothing pinned).  The same- and cross-CPU
    figures choose the placement with taskset and check it, so they ask for
    `spread`: the broker keeps the affinity it was started with.  The
    default figures use filebroker's own default."""
    rc, out, err = run([fb, "run", "--help"])
    return ["--placement", "spread"] if "--placement" in out + err else []


def parse_json_lines(text):
    out = []
    for ln in text.splitlines():
        ln = ln.strip()
        if ln.startswith("{"):
            out.append(json.loads(ln))
    return out


class Micro:
    def __init__(self, build, tmp, fb, binfloor, binclient, bintransp, allowed, denied,
                 policies):
        self.build, self.tmp, self.fb = build, tmp, fb
        self.binfloor, self.binclient, self.bintransp = binfloor, binclient, bintransp
        self.allowed, self.denied, self.policies = allowed, denied, policies
        self.runs = {}      # key -> list of run means (ns)
        self.extra = {}     # key -> last extra fields
        self.errors = {}

    def add(self, key, rec):
        self.runs.setdefault(key, []).extend(rec["runs_ns"])
        self.extra[key] = {k: v for k, v in rec.items()
                           if k not in ("runs_ns", "figure", "placement")}

    def floors(self):
        for fig in ("open", "stat"):
            rc, out, err = run([self.binfloor, "-n", str(ITERS["same"] * 5), "-r", str(RUNS),
                                "-w", str(WARMUP), fig, self.allowed])
            self.take(("floor", fig, "none"), rc, out, err)
        for fig in ("pingpong", "scm_open", "scm_stat", "notif_open", "notif_deny",
                    "notif_stat", "notif_open_poll", "scm_open_poll"):
            for pl in PLACEMENTS:
                rc, out, err = run([self.binfloor, "-n", str(ITERS[pl]), "-r", str(RUNS),
                                    "-w", str(WARMUP), "-p", pl, fig, self.allowed])
                self.take(("floor", fig, pl), rc, out, err)

    def take(self, key, rc, out, err):
        recs = parse_json_lines(out)
        if rc != 0 or not recs:
            self.errors[key] = first_line(err) or f"exit status {rc}"
            log(f"{'/'.join(key)}: {self.errors[key]}")
            return
        for r in recs:
            self.add(key if len(recs) == 1 else key[:1] + (r["figure"],) + key[2:], r)

    def broker(self, mode="fb"):
        """mode "fb": the explicit calls (bench_client); "tr": plain open()
        and stat() answered through seccomp (bench_transparent)."""
        for rules, policy in self.policies.items():
            for audit in (False, True):
                for pl in PLACEMENTS:
                    self.broker_one(rules, policy, audit, pl, mode)
        # --audit-sync (audit "sync"): what an fdatasync before the replies
        # costs, 10,000 rules, on one CPU and at filebroker's default.
        for pl in ("same", "default"):
            self.broker_one("10000", self.policies["10000"], "sync", pl, mode)

    def broker_one(self, rules, policy, audit, pl, mode="fb"):
        auditf = os.path.join(self.tmp, "audit.jsonl")
        errf = os.path.join(self.tmp, "broker.err")
        cpus = "0" if pl in ("same", "cross") else f"0-{NCPU - 1}"
        # default: filebroker's own placement, which the worker leaves
        # alone (bench placement "none") and records.
        popts = placement_opts(self.fb) if pl in ("same", "cross") else []
        wpl = "none" if pl == "default" and placement_opts(self.fb) else pl
        cmd = ["taskset", "-c", cpus, self.fb, "run"] + popts + [
            "--policy", policy]
        if audit:
            cmd += ["--audit", auditf]
        if audit == "sync":
            cmd += ["--audit-sync"]
        worker = self.binclient if mode == "fb" else self.bintransp
        cmd += ["--", worker, "-n", str(ITERS[pl]), "-r", str(RUNS), "-w", str(WARMUP),
                "-p", wpl] + ([] if mode == "fb" else ["-o", "open,open_denied,stat"]) + [
                    self.allowed, self.denied]
        # Without --audit the broker writes one line per denial to stderr:
        # to a file, read only when something failed.
        # wait4() gives the CPU time of the broker and of the worker it
        # reaped: a sandboxed worker cannot read the broker's /proc entry.
        with open(errf, "w") as ef:
            p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=ef, text=True)
            stdout = p.stdout.read()
            _, status, ru = os.wait4(p.pid, 0)
            p.returncode = os.waitstatus_to_exitcode(status)
        recs = parse_json_lines(stdout)
        # bench_client: fb_open, fb_open_denied, fb_stat, fb_openv (per file);
        # bench_transparent: open, open_denied, stat.
        nfig = 4 if mode == "fb" else 3
        if p.returncode != 0 or len(recs) != nfig:
            with open(errf) as ef:
                tail = [ln for ln in ef.read().splitlines() if "denied open" not in ln]
            msg = tail[-1] if tail else f"exit status {p.returncode}"
            self.errors[(mode, rules, audit, pl)] = msg
            log(f"filebroker {mode} {rules} rules audit={audit} {pl}: {msg}")
        # Every figure does about WARMUP + RUNS * ITERS operations (a batched
        # one in fewer calls): the CPU time is per request or opened file.
        ops = nfig * (WARMUP + RUNS * ITERS[pl])
        for r in recs:
            r["both_cpu_ns_per_op"] = round((ru.ru_utime + ru.ru_stime) * 1e9 / ops, 1)
            self.add((mode, r["figure"], rules, audit, pl), r)
        for f in (auditf, errf):
            if os.path.exists(f):
                os.unlink(f)


def syscalls_per_request(fb, binclient, bintransp, policy, allowed, denied, tmp):
    """strace -f the broker and worker for N and 2N requests; the difference
    divided by N is the exact count per request, start-up excluded.  The
    explicit calls (bench_client) and the transparent ones (bench_transparent:
    plain open, a denied open, stat).  fb_openv counts per file: N is then a
    multiple of its batch of 64, so that both runs make whole batches."""
    if not shutil.which("strace"):
        return {"status": "missing: strace (make bench-deps)"}
    result = {}
    cases = [("fb_open", True), ("fb_open", False), ("fb_open_denied", False),
             ("fb_stat", True), ("fb_openv", True),
             ("open", True), ("open", False), ("open_denied", True), ("stat", True),
             ("open_missing", True), ("readlink", True)]
    for fig, audit in cases:
        n = 1024 if fig == "fb_openv" else 1000
        worker = binclient if fig.startswith("fb_") else bintransp
        counts = []
        for k in (n, 2 * n):
            out = os.path.join(tmp, "strace.out")
            cmd = ["strace", "-f", "-qq", "-o", out, "--", fb, "run"] + placement_opts(fb) + [
                "--policy", policy]
            if audit:
                cmd += ["--audit", os.path.join(tmp, "audit.jsonl")]
            cmd += ["--", worker, "-n", str(k), "-r", "1", "-w", "0", "-p", "default",
                    "-o", fig, allowed, denied]
            rc, _, err = run(cmd)
            if rc != 0:
                return {"status": f"unavailable: strace: {first_line(err)}"}
            per_pid = {}
            # The broker's threads: the first pid, and the threads it
            # makes (the listener's), whose clone may be cut in two lines.
            broker, making = set(), set()
            with open(out) as f:
                for ln in f:
                    m = re.match(r"^(\d+)\s+(?:<\.\.\. (\w+) resumed>|(\w+)\()", ln)
                    if not m:
                        continue
                    pid = int(m.group(1))
                    if not broker:
                        broker.add(pid)
                    if pid in broker and "CLONE_THREAD" in ln:
                        making.add(pid)
                    t = re.search(r"= (\d+)$", ln.rstrip())
                    if pid in making and (m.group(2) or m.group(3) or "").startswith("clone") and t:
                        broker.add(int(t.group(1)))
                        making.discard(pid)
                    if m.group(2):
                        continue  # counted where it began
                    name = m.group(3)
                    side = "broker" if pid in broker else "worker"
                    per_pid.setdefault(side, {}).setdefault(name, 0)
                    per_pid[side][name] += 1
            counts.append(per_pid)
            for f in (out, os.path.join(tmp, "audit.jsonl")):
                if os.path.exists(f):
                    os.unlink(f)
        entry = {}
        for side in ("broker", "worker"):
            a, b = counts[0].get(side, {}), counts[1].get(side, {})
            per = {name: (b.get(name, 0) - a.get(name, 0)) / n for name in set(a) | set(b)}
            per = {k: round(v, 2) for k, v in sorted(per.items(), key=lambda kv: -kv[1])
                   if round(v, 2) != 0}
            entry[side] = {"total": round(sum(per.values()), 2), "by_name": per}
        name = fig if fig.startswith("fb_") else f"transparent {fig}"
        if fig == "fb_openv":
            name += " (per file, batches of 64)"
        result[f"{name}{' audit' if audit else ''}"] = entry
    result["status"] = "ok"
    result["method"] = ("strace -f on filebroker run; (count for 2000 requests - count for "
                        "1000) / 1000 (fb_openv: 2048 and 1024 files); default placement")
    return result


# ---------------------------------------------------------------- peers

def peer_runners():
    """Each peer sandbox: a prefix for a command, or a status saying why
    not.  bubblewrap binds / read-write: the workloads write (the build,
    tar -x), and what is measured is its cost, not a confinement."""
    runners = {"unsandboxed": {"prefix": [], "status": "ok"}}

    def probe(name, pkg, candidates):
        exe = candidates[0][0]
        if not shutil.which(exe):
            runners[name] = {"status": f"missing: {pkg} not installed (make bench-deps)"}
            return
        last = ""
        for prefix in candidates:
            rc, _, err = run(prefix + ["/bin/true"], timeout=120)
            if rc == 0:
                runners[name] = {"prefix": prefix, "status": "ok", "version": pkg_version(pkg)}
                return
            last = first_line(err) or f"exit status {rc}"
        runners[name] = {"status": f"unavailable: {last}"}

    probe("bubblewrap", "bubblewrap", [["bwrap", "--bind", "/", "/", "--dev", "/dev",
                                         "--proc", "/proc"]])
    probe("firejail", "firejail", [["firejail", "--quiet", "--noprofile"]])
    probe("proot", "proot", [["proot", "-r", "/"]])
    probe("runsc", "runsc", [["runsc", "--network=none", "do"],
                             ["runsc", "--rootless", "--network=none", "do"]])
    return runners


def startup(runners, fb, binspawn, policy10k):
    # The exec rules are Landlock grants decided file by file where a deny
    # rule lies below an allow: /usr/bin walked at every start.
    pdeny = os.path.join(os.path.dirname(policy10k), "exec-deny.policy")
    with open(pdeny, "w") as f:
        f.write("# make bench: start-up with exec grants decided file by file\n"
                "include @runtime\nallow exec /usr/bin/**\ndeny exec /usr/bin/id\n")
    os.chmod(pdeny, 0o644)
    true = ["/bin/true"]
    cmds = {"unsandboxed": true}
    cmds["filebroker run"] = [fb, "run", "--"] + true
    cmds["filebroker run (@runtime + 10,000 rules)"] = [fb, "run", "--policy", policy10k,
                                                        "--"] + true
    cmds["filebroker run (allow exec /usr/bin/** + a deny)"] = [fb, "run", "--policy", pdeny,
                                                                 "--"] + true
    # An explicit-mode worker that reads one file with fb_open: dynamically
    # linked (its loader reads the libraries under the loader's read
    # grants, docs/threat-model.md 4.6) and static; transparent for scale.
    build = os.path.dirname(os.path.dirname(binspawn))
    fbcat = os.path.join(build, "examples", "fbcat")
    fbcat_static = os.path.join(os.path.dirname(binspawn), "fbcat-static")
    tmp = os.path.dirname(policy10k)
    cat_file = os.path.join(tmp, "startup.txt")
    pcat = os.path.join(tmp, "startup.policy")
    with open(cat_file, "w") as f:
        f.write("one line\n")
    with open(pcat, "w") as f:
        f.write(f"# make bench: fbcat's start-up\ninclude @runtime\nallow read {cat_file}\n")
    for path in (cat_file, pcat):
        os.chmod(path, 0o644)
    for label, mode, prog in (("explicit, fbcat dynamic", ["--explicit"], fbcat),
                              ("explicit, fbcat static", ["--explicit"], fbcat_static),
                              ("fbcat dynamic", [], fbcat)):
        cmds[f"filebroker run {label}"] = [fb, "run"] + mode + ["--policy", pcat, "--", prog,
                                                                 cat_file]
    for name in ("bubblewrap", "firejail", "proot", "runsc"):
        if runners[name]["status"] == "ok":
            cmds[name] = runners[name]["prefix"] + true
    results = {}
    for name, r in runners.items():
        if name not in cmds and name != "unsandboxed" and not name.startswith("filebroker"):
            results[name] = {"status": r["status"]}
    for name, argv in cmds.items():
        rc, out, err = run([binspawn, "-n", "1", "-r", "1", "-w", "1", "probe", "--"] + argv,
                           timeout=300)
        recs = parse_json_lines(out)
        if rc != 0 or not recs:
            results[name] = {"status": f"unavailable: {first_line(err) or rc}"}
            continue
        t = recs[0]["runs_ns"][0]
        iters = max(3, min(100, int(0.25e9 / t)))
        if QUICK:
            iters = max(2, iters // 10)
        rc, out, err = run([binspawn, "-n", str(iters), "-r", str(RUNS), "-w", "2", name, "--"]
                           + argv, timeout=600)
        recs = parse_json_lines(out)
        if rc != 0 or not recs:
            results[name] = {"status": f"failed: {first_line(err) or rc}"}
            continue
        runs_ms = [x / 1e6 for x in recs[0]["runs_ns"]]
        results[name] = {"status": "ok", "command": " ".join(argv), "iters": iters,
                         "runs_ms": runs_ms, **summarise(runs_ms)}
        log(f"start-up {name}: {results[name]['median']:.2f} ms")
    return results


# ---------------------------------------------------------------- daemon

def slab_aliases(names):
    """The kernel merges slab caches of one size and flags; /proc/slabinfo
    shows a merged cache under one of its names (UNIX sockets may be
    counted as signal_cache).  For each name, the other names in
    /sys/kernel/slab that resolve to the same cache."""
    base = "/sys/kernel/slab"
    try:
        real = {e: os.path.realpath(os.path.join(base, e)) for e in os.listdir(base)
                if not e.startswith(":")}
    except OSError:
        return {}
    out = {}
    for n in names:
        t = os.path.realpath(os.path.join(base, n))
        al = sorted(e for e, r in real.items() if r == t and e != n)
        if al:
            out[n] = al
    return out



def serve(fb, binserve, tmp, root, allowed):
    """`filebroker serve` under bench_serve, once per round, each round with
    a fresh daemon (so that each measures the memory of a daemon that has
    never held the idle peers).  The policy: the 1-rule policy's rule as a
    common rule and `profile any`, as the daemon refuses a peer no profile
    matches."""
    d = os.path.join(tmp, "serve")
    os.makedirs(d, exist_ok=True)
    policy = os.path.join(d, "serve.policy")
    with open(policy, "w") as f:
        f.write("# make bench: the daemon; every peer gets the same rules\n"
                f"allow read,list {root}/proj42/data/**\nprofile any\n")
    cmd = [binserve, "-b", fb, "-P", policy, "-a", allowed, "-d", str(SERVE_SECONDS),
           "-r", str(RUNS), "-k", str(SERVE_IDLE), "-L", str(SERVE_LOADED),
           "-W", ",".join(map(str, SERVE_WORKERS)), d]
    rps, mem, errors = {}, [], []
    for rnd in range(ROUNDS):
        log(f"daemon: round {rnd + 1}/{ROUNDS}")
        rc, out, err = run(cmd, timeout=600)
        recs = parse_json_lines(out)
        if rc != 0 or not recs:
            errors.append(first_line(err) or f"exit status {rc}")
            log(f"daemon: {errors[-1]}")
            continue
        for r in recs:
            if r["figure"] == "serve_memory":
                mem.append(r)
            elif r["figure"] == "serve_rps":
                e = rps.setdefault((r["workers"], r["idle_peers"]),
                                   {"workers": r["workers"], "idle_peers": r["idle_peers"],
                                    "runs_rps": [], "requests": 0, "cpu_ns": 0.0})
                e["runs_rps"].extend(r["runs_rps"])
                e["requests"] += r["requests"]
                e["cpu_ns"] += r["daemon_cpu_ns_per_req"] * r["requests"]
    figs = []
    for e in rps.values():
        cpu = e.pop("cpu_ns")
        figs.append({**e, **summarise(e["runs_rps"]),
                     "daemon_cpu_ns_per_req": round(cpu / e["requests"], 1) if e["requests"]
                     else None})
        log(f"daemon: {e['workers']} workers, {e['idle_peers']} idle peers: "
            f"{figs[-1]['median']:.0f} requests/s")
    for m in mem:
        k = m["idle_peers"]
        m["user_bytes_per_peer"] = (m["rss_kb_after"] - m["rss_kb_before"]) * 1024 / k
        if m.get("slab_bytes_both_ends") is not None:
            m["kernel_bytes_per_peer"] = (m["slab_bytes_both_ends"] - m["slab_bytes_bare"]) / k
            m["total_bytes_per_peer"] = m["user_bytes_per_peer"] + m["kernel_bytes_per_peer"]
        m["daemon_fds_per_peer"] = (m["daemon_fds_after"] - m["daemon_fds_before"]) / k
        m["slab_aliases"] = slab_aliases(set(m.get("slab_both_by_cache") or {}) |
                                         set(m.get("slab_bare_by_cache") or {}))
    per_peer = {}
    for key in ("user_bytes_per_peer", "kernel_bytes_per_peer", "total_bytes_per_peer",
                "daemon_fds_per_peer"):
        vals = [m[key] for m in mem if m.get(key) is not None]
        if vals:
            per_peer[key] = summarise(vals)
    if per_peer:
        log("daemon: memory per idle peer: " + ", ".join(
            f"{k} {v['median']:.0f}" for k, v in per_peer.items()))
    return {"status": "ok" if figs else "failed: " + "; ".join(errors),
            "command": " ".join(cmd), "policy": policy, "seconds_per_run": SERVE_SECONDS,
            "idle_peers": SERVE_IDLE, "loaded_workers": SERVE_LOADED,
            "conns_per_peer": 2, "rps": figs, "memory_runs": mem, "memory": per_peer,
            "errors": errors}


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--micro-only", action="store_true",
                    help="only the floors and the filebroker micro figures (sections 1, 2, "
                         "2b): a few minutes instead of all; the rest of the table says "
                         "NO DATA")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    outdir = os.path.join(build, "bench")
    fb = os.path.join(build, "filebroker")
    for exe in (fb,) + tuple(os.path.join(outdir, b) for b in
                             ("bench_floor", "bench_client", "bench_spawn", "bench_policy",
                              "bench_transparent", "bench_serve")):
        if not os.access(exe, os.X_OK):
            sys.exit(f"bench: {exe} missing; run `make bench`")
    started = time.time()
    tmp = tempfile.mkdtemp(prefix="fbbench.", dir="/tmp")
    try:
        # The worker runs as nobody when we are root: everything it executes
        # or opens lives in a world-readable folder (as tests/integration).
        os.chmod(tmp, 0o755)
        bindir = os.path.join(tmp, "bin")
        os.makedirs(bindir)
        binclient = shutil.copy(os.path.join(outdir, "bench_client"), bindir)
        os.chmod(binclient, 0o755)
        bintransp = shutil.copy(os.path.join(outdir, "bench_transparent"), bindir)
        os.chmod(bintransp, 0o755)
        root = os.path.join(tmp, "data")
        ddir = os.path.join(root, "proj42", "data", "d1", "e2")
        os.makedirs(ddir)
        allowed = os.path.join(ddir, "report.txt")
        denied = os.path.join(root, "proj42", "keys", "secret.key")
        os.makedirs(os.path.dirname(denied))
        for f in (allowed, denied):
            with open(f, "w") as fh:
                fh.write("benchmark file\n")
        for d, _, files in os.walk(tmp):
            os.chmod(d, 0o755)
            for f in files:
                p = os.path.join(d, f)
                os.chmod(p, 0o755 if d == bindir else 0o644)
        p1, p10k, p10k_rt, nrules = make_policies(root)
        for p in (p1, p10k, p10k_rt):
            os.chmod(p, 0o644)

        results = {"schema": 2,
                   "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
                       timespec="seconds"),
                   "quick": QUICK,
                   "machine": machine(tmp),
                   "config": {"rounds": ROUNDS, "runs_per_round": RUNS, "iters": ITERS,
                              "warmup": WARMUP, "statistic": "median of run means; "
                              "min and max of run means"}}

        deciding = {}
        for name, pol in (("1", p1), ("10000", p10k)):
            # explain exits 1 when a path is denied, as DENIED is.
            rc, out, err = run([fb, "explain", "--policy", pol, allowed, denied])
            deciding[name] = out.strip() if out.strip() else f"explain failed: {first_line(err)}"
            lines = out.strip().splitlines()
            if len(lines) != 2 or not lines[0].startswith("allow") or "(default)" in lines[0] \
                    or not lines[1].startswith("deny"):
                log(f"policy {name}: unexpected decisions: {out.strip() or err.strip()}")
        results["policies"] = {"1": {"rules": 1, "explain": deciding["1"]},
                               "10000": {"rules": nrules, "explain": deciding["10000"]},
                               "allowed": allowed, "denied": denied}

        if ONLY == "serve":
            results["partial"] = "daemon figures only (BENCH_ONLY=serve)"
            log("daemon (filebroker serve)")
            results["serve"] = serve(fb, os.path.join(outdir, "bench_serve"), tmp, root,
                                     allowed)
            results["elapsed_s"] = round(time.time() - started, 1)
            return finish(results, outdir)
        if ONLY == "workloads":
            results["partial"] = "real workloads only (BENCH_ONLY=workloads)"
            workloads(results, fb, tmp)
            results["elapsed_s"] = round(time.time() - started, 1)
            return finish(results, outdir)

        micro = Micro(build, tmp, fb, os.path.join(outdir, "bench_floor"), binclient, bintransp,
                      allowed, denied, {"1": p1, "10000": p10k})
        for rnd in range(ROUNDS):
            log(f"round {rnd + 1}/{ROUNDS}: floors")
            micro.floors()
            log(f"round {rnd + 1}/{ROUNDS}: filebroker explicit calls")
            micro.broker("fb")
            log(f"round {rnd + 1}/{ROUNDS}: filebroker transparent open()/stat()")
            micro.broker("tr")
        results["micro"] = [{"key": list(k), "runs_ns": v, **summarise(v),
                             **micro.extra.get(k, {})} for k, v in micro.runs.items()]
        results["micro_errors"] = [{"key": list(k), "error": e} for k, e in micro.errors.items()]
        if args.micro_only:
            results["partial"] = "micro figures only (--micro-only)"
            results["elapsed_s"] = round(time.time() - started, 1)
            return finish(results, outdir)

        log("policy decisions (bench_policy)")
        rc, out, err = run([os.path.join(outdir, "bench_policy"), "--json"])
        recs = parse_json_lines(out)
        results["policy_decide"] = recs[-1] if rc == 0 and recs else {
            "status": f"failed: {first_line(err)}"}

        log("system calls per request (strace)")
        results["syscalls"] = syscalls_per_request(fb, binclient, bintransp, p10k, allowed,
                                                   denied, tmp)

        runners = workloads(results, fb, tmp)

        log("start-up of /bin/true")
        results["startup"] = startup(runners, fb, os.path.join(outdir, "bench_spawn"), p10k_rt)

        log("daemon (filebroker serve)")
        results["serve"] = serve(fb, os.path.join(outdir, "bench_serve"), tmp, root, allowed)
        results["elapsed_s"] = round(time.time() - started, 1)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    finish(results, outdir)


def workloads(results, fb, tmp):
    """Section 4: the peers probed, then the real workloads
    (scripts/bench_workloads.py).  Returns the peers for section 5."""
    log("peers")
    runners = peer_runners()
    results["peers"] = {n: {k: v for k, v in r.items() if k != "prefix"} |
                        ({"command": " ".join(r["prefix"])} if r.get("prefix") else {})
                        for n, r in runners.items()}
    log("real workloads")
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    results["workloads"] = bench_workloads.measure(
        fb, repo, tmp, runners, os.path.join(os.path.dirname(fb), "bench", "bench_floor"))
    return runners


def finish(results, outdir):
    bench_report.finish(results, outdir)


if __name__ == "__main__":
    main()
