#!/usr/bin/env python3
"""Check that every place that lists filebroker's commands and options says
the same as the program: `filebroker --help` and `filebroker COMMAND --help`
(its usage lines and its option lines) against the SYNOPSIS of
filebroker(1), the Usage lines of the README, and the bash completion's
lists (which options it offers, which of them take an argument).

    options.py FILEBROKER MANPAGE README COMPLETION

Prints a PASS or FAIL line per check; exits 1 if any failed.
"""
import re
import subprocess
import sys

failed = 0


def report(ok, what, detail=""):
    global failed
    if ok:
        print("PASS %s" % what)
    else:
        failed += 1
        print("FAIL %s%s" % (what, ": " + detail if detail else ""))


def run(*argv):
    return subprocess.run(argv, capture_output=True, text=True).stdout


def commands(fb):
    text = run(fb, "--help")
    block = text.split("Commands:", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in block.strip().split("\n")]


def usage_options(usage):
    """{option: takes an argument} from usage lines."""
    opts = {}
    for m in re.finditer(r"(?<![\w-])(--?[a-zA-Z][a-zA-Z-]*)(\s+([^\s\[\]|]+))?", usage):
        arg = m.group(3)
        opts[m.group(1)] = bool(arg) and not arg.startswith("-")
    return opts


def help_options(fb, cmd):
    """(usage options {name: takes arg}, option groups [[aliases]])"""
    text = run(fb, cmd, "--help")
    usage = text.split("\n\n", 1)[0]
    groups = []
    for line in text.split("\n"):
        m = re.match(r"^\s+((?:-[a-zA-Z], )?--?[a-zA-Z][a-zA-Z-]*)", line)
        if m and not line.strip().startswith(("-- ", "--\t")):
            groups.append([a.strip() for a in m.group(1).split(",")])
    return usage_options(usage), groups


def man_synopsis(path):
    """{command: set of options} from the SYNOPSIS of a man page."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    syn = text.split(".SH SYNOPSIS\n", 1)[1].split("\n.SH ", 1)[0]
    out = {}
    for chunk in syn.split("\n.br\n"):
        m = re.match(r"\.B filebroker (\w+)", chunk)
        if not m:
            continue
        opts = re.findall(r"(?<![\w\\])((?:\\-){1,2}[a-zA-Z][a-zA-Z\\-]*)", chunk)
        # A command may have several forms (audit, audit --verify).
        out.setdefault(m.group(1), set()).update(o.replace("\\-", "-") for o in opts)
    return out


def readme_usage(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    out = {}
    for line in text.split("\n"):
        m = re.match(r"^    filebroker (\w+) (.*)$", line)
        if m and not line.lstrip().startswith("$"):
            out.setdefault(m.group(1), {}).update(usage_options(m.group(2)))
    return out


def completion(path, cmd):
    """(options offered, options taking an argument)"""
    script = '. "$1"; echo $(_filebroker_opts "$2"); echo $(_filebroker_args "$2")'
    out = run("bash", "-c", script, "bash", path, cmd).split("\n")
    return set(out[0].split()), set(out[1].split())


def completion_commands(path):
    script = '. "$1"; COMP_WORDS=(filebroker ""); COMP_CWORD=1; _filebroker; echo "${COMPREPLY[@]}"'
    return set(run("bash", "-c", script, "bash", path).split()) - {"--help", "--version"}


def main():
    if len(sys.argv) != 5:
        sys.stderr.write("usage: options.py FILEBROKER MANPAGE README COMPLETION\n")
        return 2
    fb, man, readme, comp = sys.argv[1:]
    cmds = commands(fb)
    syn = man_synopsis(man)
    rdm = readme_usage(readme)
    report(set(syn) == set(cmds), "filebroker(1) SYNOPSIS has every command of filebroker --help",
           "SYNOPSIS %s, --help %s" % (sorted(syn), sorted(cmds)))
    report(completion_commands(comp) == set(cmds), "the completion offers every command",
           "it offers %s" % sorted(completion_commands(comp)))
    for cmd in cmds:
        usage, groups = help_options(fb, cmd)
        names = {a for g in groups for a in g}
        helpless = [g for g in groups if "--help" not in g]
        # the usage lines and the option lines of --help
        missing = [g for g in helpless if not any(a in usage for a in g)]
        report(not missing, "%s --help: its usage lines name every option it describes" % cmd,
               "not in usage: %s" % missing)
        extra = sorted(set(usage) - names)
        report(not extra, "%s --help: it describes every option its usage names" % cmd,
               "not described: %s" % extra)
        # filebroker(1)
        man_opts = syn.get(cmd, set())
        missing = [g for g in helpless if not any(a in man_opts for a in g)]
        extra = sorted(man_opts - names)
        report(not missing and not extra, "filebroker(1) SYNOPSIS of %s matches --help" % cmd,
               "missing %s, unknown %s" % (missing, extra))
        # the README's usage lines name no option the command lacks
        extra = sorted(set(rdm.get(cmd, {})) - names)
        report(not extra, "README usage of %s names only real options" % cmd, "unknown %s" % extra)
        # the completion
        offered, takes = completion(comp, cmd)
        # every command takes --help, whether its help says so or not
        longs = {next((a for a in g if a.startswith("--")), g[0]) for g in groups} | {"--help"}
        report(offered == longs, "the completion offers exactly the options of %s" % cmd,
               "missing %s, unknown %s" % (sorted(longs - offered), sorted(offered - longs)))
        wrong = []
        for g in groups:
            arg = any(usage.get(a) for a in g)
            for a in g:
                if a in ("-h", "--help", "-v"):
                    continue
                if (a in takes) != arg:
                    wrong.append("%s %s" % (a, "takes an argument" if arg else "takes none"))
        report(not wrong, "the completion knows which options of %s take an argument" % cmd,
               ", ".join(wrong))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
