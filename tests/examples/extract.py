#!/usr/bin/env python3
"""Extract the examples of the man pages and the README, so that make check
can build, run and check every one of them.

    extract.py OUTDIR FILE...

Every example block carries a marker on the line before it (blank lines and
the roff requests .PP .RS .in .nf in between are allowed):

    man pages   .\\" example: KIND NAME [FLAG...]      before .EX or .nf
    README      <!-- example: KIND NAME [FLAG...] -->  before a ```fenced``` or
                                                       an indented block

KIND is
    program   a complete C program, written to NAME
    fragment  C statements, written to NAME inside a main() with the usual
              headers (its own #include lines go to the top)
    policy    a policy, written to NAME (filebroker check must accept it)
    session   shell commands after "$ " (or "# ", as root) and the output
              they print, written to NAME (tests/examples/session.py runs it)
    json      a JSON value, written to NAME (it must parse)
    skip      not runnable; the rest of the line says why

A session's FLAGs: "srv" (it needs /srv/... fixtures: run as root in a mount
namespace with its own /srv), "installed" (it needs filebroker installed:
run by tests/integration/installed.sh only).

Each FILE's examples go to OUTDIR/BASENAME/, and OUTDIR/BASENAME/list names
them in page order, one "KIND NAME LINE FLAG..." a line ("skip - LINE
REASON" for a skipped one).  A block without a
marker, a marker without a block, an unknown kind or a roff escape this
script does not know is an error: it says FILE:LINE and exits 1.
"""
import os
import re
import sys

KINDS = ("program", "fragment", "policy", "session", "json", "skip")
FLAGS = ("srv", "installed")

# The escapes examples use; anything else is reported rather than guessed.
ROFF_ESCAPES = {
    "\\-": "-",
    "\\e": "\\",
    "\\(dq": '"',
    "\\(aq": "'",
    "\\&": "",
    "\\ ": " ",
    "\\fB": "",
    "\\fI": "",
    "\\fR": "",
    "\\fP": "",
}

FRAGMENT_HEAD = """\
/* A fragment of %s, line %d, in the main() make check wraps it in. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <filebroker.h>
"""


class Error(Exception):
    pass


def unroff(text, where):
    out = []
    i = 0
    while i < len(text):
        if text[i] != "\\":
            out.append(text[i])
            i += 1
            continue
        for esc, rep in ROFF_ESCAPES.items():
            if text.startswith(esc, i):
                out.append(rep)
                i += len(esc)
                break
        else:
            raise Error("%s: unknown roff escape %r in an example" % (where, text[i:i + 4]))
    return "".join(out)


def parse_marker(body, where):
    words = body.split()
    if not words or words[0] not in KINDS:
        raise Error("%s: example marker needs a kind (%s)" % (where, ", ".join(KINDS)))
    if words[0] == "skip":
        if len(words) < 2:
            raise Error("%s: 'example: skip' needs a reason" % where)
        return ("skip", "-", words[1:])
    if len(words) < 2 or "/" in words[1]:
        raise Error("%s: example marker needs a file name" % where)
    for f in words[2:]:
        if f not in FLAGS:
            raise Error("%s: unknown example flag %r (%s)" % (where, f, ", ".join(FLAGS)))
    return (words[0], words[1], words[2:])


def roff_blocks(path, lines):
    """(marker, first line number, text) for each .EX/.nf block."""
    marker = None
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r'^\.\\" example:(.*)$', line)
        if m:
            if marker:
                raise Error("%s:%d: example marker without a block" % (path, marker[3]))
            marker = parse_marker(m.group(1), "%s:%d" % (path, i + 1)) + (i + 1,)
            i += 1
            continue
        if line in (".EX", ".nf"):
            end = ".EE" if line == ".EX" else ".fi"
            start = i + 1
            j = start
            while j < len(lines) and lines[j] != end:
                j += 1
            if j == len(lines):
                raise Error("%s:%d: %s without %s" % (path, i + 1, line, end))
            if marker is None:
                raise Error('%s:%d: example block without a marker (.\\" example: KIND NAME, '
                            "or skip REASON, on a line before it)" % (path, i + 1))
            body = lines[start:j]
            if marker[0] != "skip":
                for k, b in enumerate(body):
                    if b.startswith(".") or b.startswith("'"):
                        raise Error("%s:%d: a roff request inside an example" % (path, start + k + 1))
                body = [unroff(b, "%s:%d" % (path, start + k + 1)) for k, b in enumerate(body)]
            yield marker[:3], start + 1, body
            marker = None
            i = j + 1
            continue
        if marker and line and not re.match(r"^\.(PP|RS|in|IP|P|LP)\b", line):
            raise Error("%s:%d: example marker without a block" % (path, marker[3]))
        i += 1
    if marker:
        raise Error("%s:%d: example marker without a block" % (path, marker[3]))


def markdown_blocks(path, lines):
    """(marker, first line number, text) for each fenced or indented block."""
    marker = None
    i = 0
    prev_blank = True
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^<!-- example:(.*)-->\s*$", line)
        if m:
            marker = parse_marker(m.group(1), "%s:%d" % (path, i + 1)) + (i + 1,)
            i += 1
            prev_blank = True
            continue
        fenced = line.startswith("```")
        indented = prev_blank and (line.startswith("    ") or line.startswith("\t")) and line.strip()
        if fenced or indented:
            start = i + 1 if fenced else i
            j = start
            if fenced:
                while j < len(lines) and not lines[j].startswith("```"):
                    j += 1
                if j == len(lines):
                    raise Error("%s:%d: unterminated ``` block" % (path, i + 1))
                body = lines[start:j]
                nxt = j + 1
            else:
                while j < len(lines) and (lines[j].startswith("    ") or lines[j].startswith("\t")
                                          or not lines[j].strip()):
                    j += 1
                while j > start and not lines[j - 1].strip():
                    j -= 1
                body = [b[4:] if b.startswith("    ") else b.lstrip("\t") for b in lines[start:j]]
                nxt = j
            if marker is None:
                raise Error("%s:%d: example block without a marker (<!-- example: KIND NAME --> "
                            "or <!-- example: skip REASON --> before it)" % (path, start + 1))
            yield marker[:3], start + 1, body
            marker = None
            i = nxt
            prev_blank = False
            continue
        if marker and line.strip():
            raise Error("%s:%d: example marker without a block" % (path, marker[3]))
        prev_blank = not line.strip()
        i += 1
    if marker:
        raise Error("%s:%d: example marker without a block" % (path, marker[3]))


def fragment(body, path, line):
    includes = [b for b in body if b.startswith("#include")]
    rest = [b for b in body if not b.startswith("#include")]
    return (FRAGMENT_HEAD % (os.path.basename(path), line) + "".join(i + "\n" for i in includes) +
            "\nint\nmain(int argc, char **argv)\n{\n\t(void)argc;\n\t(void)argv;\n" +
            "".join("\t" + b + "\n" if b else "\n" for b in rest) + "\treturn 0;\n}\n")


def extract(outdir, path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    blocks = markdown_blocks(path, lines) if path.endswith(".md") else roff_blocks(path, lines)
    page = os.path.join(outdir, os.path.basename(path))
    os.makedirs(page, exist_ok=True)
    names = set()
    entries = []
    for (kind, name, flags), line, body in blocks:
        entries.append(" ".join([kind, name, str(line)] + flags))
        if kind == "skip":
            continue
        if name in names:
            raise Error("%s:%d: a second example named %s" % (path, line, name))
        names.add(name)
        text = fragment(body, path, line) if kind == "fragment" else "".join(b + "\n" for b in body)
        with open(os.path.join(page, name), "w", encoding="utf-8") as f:
            f.write(text)
    with open(os.path.join(page, "list"), "w", encoding="utf-8") as f:
        f.write("".join(e + "\n" for e in entries))


def main():
    if len(sys.argv) < 3:
        sys.stderr.write("usage: extract.py OUTDIR FILE...\n")
        return 2
    status = 0
    for path in sys.argv[2:]:
        try:
            extract(sys.argv[1], path)
        except Error as e:
            sys.stderr.write("%s\n" % e)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
