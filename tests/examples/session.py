#!/usr/bin/env python3
"""Run a shell session taken from a man page or the README, and check that
it does what the page shows.

    session.py SESSION_FILE LABEL
    session.py --files SESSION_FILE    only write the files it shows (below)

in the current folder, with the caller's environment.  A line starting with
"$ " (or "# ": the session then needs root) is a command, continued on the
next line after a trailing backslash; the lines after it, up to the next
command, are what it prints (standard output and error together).

  - "$ cat FILE" followed by lines is how a page shows a file: FILE is
    written with those lines, not run.
  - A command whose output is shown must print exactly that, where a line
    "..." stands for any number of lines and "..." within a line for any
    text, and "pid N" for any pid.  Its exit status is not checked (a page
    shows denials).
  - A command shown without output must exit 0, and print no line of
    filebroker's own ("filebroker: ...": a denial, a warning): a page that
    left one out would show a reader something else than they will see.
    What the program itself prints is not compared.
  - A command ending in "&" runs in the background with NOTIFY_SOCKET set:
    the session waits for its READY=1 (filebroker serve sends it once it
    serves), and stops it with SIGTERM at the end.

Prints a PASS or FAIL line per command (LABEL and the command); exits 0 when
all passed, 1 when any failed, 77 when the session needs root and this is
not root.
"""
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile

TIMEOUT = 120


def parse(text):
    """[(prompt, command, [output lines])]"""
    steps = []
    lines = text.rstrip("\n").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if not (line.startswith("$ ") or line.startswith("# ")):
            if steps:
                steps[-1][2].append(line)
            elif line.strip():
                raise SystemExit("session starts with output, not a command: %r" % line)
            i += 1
            continue
        prompt, cmd = line[0], line[2:]
        while cmd.endswith("\\") and i + 1 < len(lines):
            i += 1
            cmd = cmd[:-1] + " " + lines[i].strip()
        steps.append((prompt, cmd, []))
        i += 1
    for _, _, out in steps:
        while out and not out[-1].strip():
            out.pop()
    return steps


def normalize(text):
    return re.sub(r"\bpid [0-9]+", "pid N", text)


def matches(expected, actual):
    parts = []
    for line in expected:
        line = normalize(line.rstrip())
        if line == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(".*?".join(re.escape(p) for p in line.split("...")) + r"[ \t]*\n")
    actual = "".join(normalize(a.rstrip()) + "\n" for a in actual.rstrip("\n").split("\n")) \
        if actual else ""
    return re.fullmatch("".join(parts), actual, re.S) is not None


def wait_ready(sock, proc):
    sock.settimeout(0.2)
    for _ in range(int(TIMEOUT / 0.2)):
        try:
            msg = sock.recv(4096).decode(errors="replace")
            if "READY=1" in msg.split("\n"):
                return True
        except socket.timeout:
            pass
        if proc.poll() is not None:
            return False
    return False


def write_shown(cmd, out):
    """A "$ cat FILE" with its lines: write FILE, return True."""
    m = re.fullmatch(r"cat (\S+)", cmd)
    if not (m and out):
        return False
    with open(m.group(1), "w", encoding="utf-8") as f:
        f.write("".join(o + "\n" for o in out))
    return True


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: session.py SESSION_FILE LABEL | --files SESSION_FILE\n")
        return 2
    if sys.argv[1] == "--files":
        with open(sys.argv[2], encoding="utf-8") as f:
            for _, cmd, out in parse(f.read()):
                write_shown(cmd, out)
        return 0
    with open(sys.argv[1], encoding="utf-8") as f:
        steps = parse(f.read())
    label = sys.argv[2]
    if any(p == "#" for p, _, _ in steps) and os.getuid() != 0:
        print("SKIP %s: the session has commands for root" % label)
        return 77
    failed = 0
    background = []
    tmp = tempfile.mkdtemp(prefix="fbsession.")
    try:
        for _, cmd, out in steps:
            if write_shown(cmd, out):
                print("PASS %s: wrote %s as shown" % (label, cmd[4:]))
                continue
            if cmd.rstrip().endswith("&"):
                path = os.path.join(tmp, "notify%d" % len(background))
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                sock.bind(path)
                env = dict(os.environ, NOTIFY_SOCKET=path)
                proc = subprocess.Popen(["sh", "-c", "exec " + cmd.rstrip()[:-1]], env=env,
                                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, start_new_session=True)
                background.append(proc)
                if wait_ready(sock, proc):
                    print("PASS %s: %s (ready)" % (label, cmd))
                else:
                    failed += 1
                    print("FAIL %s: %s: not ready (exit %s)" % (label, cmd, proc.poll()))
                sock.close()
                continue
            try:
                # stdout and stderr on one pipe: in the order they were written
                r = subprocess.run(["sh", "-c", "exec 2>&1; " + cmd], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, timeout=TIMEOUT)
                got = r.stdout.decode(errors="replace")
            except subprocess.TimeoutExpired:
                failed += 1
                print("FAIL %s: %s: still running after %d s" % (label, cmd, TIMEOUT))
                continue
            if out:
                ok = matches(out, got)
                why = "printed something else than the page shows"
            else:
                own = [g for g in got.split("\n") if g.startswith("filebroker:")]
                ok = r.returncode == 0 and not own
                if r.returncode != 0:
                    why = "exit status %d" % r.returncode
                else:
                    why = "printed what the page does not show: %s" % (own[0] if own else "")
            if ok:
                print("PASS %s: %s" % (label, cmd))
                continue
            failed += 1
            print("FAIL %s: %s: %s" % (label, cmd, why))
            if out:
                print("    the page shows:")
                print("".join("      | %s\n" % o for o in out), end="")
            print("    it printed:")
            print("".join("      | %s\n" % g for g in got.rstrip("\n").split("\n")), end="")
    finally:
        for proc in background:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for name in os.listdir(tmp):
            os.unlink(os.path.join(tmp, name))
        os.rmdir(tmp)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
