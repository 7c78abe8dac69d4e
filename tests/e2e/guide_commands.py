#!/usr/bin/env python3
"""Keeps docs/admin-guide.md and tests/e2e/lifecycle.sh in lock-step.

Every command of the guide's ```sh blocks that runs a Tabella program (a line starting with
tabella-, after joining backslash continuations and dropping comments) must have been run by the
lifecycle test: lifecycle.sh logs each invocation of a tabella-* program (one line, arguments
separated by the byte 0x1f). A guide command matches a logged one when the program and its
subcommand words are the same and every option the guide gives (--name) was given too; values are
not compared (the guide shows placeholders such as <64 hex>).

Usage: guide_commands.py [--skip-program NAME]... GUIDE.md COMMANDS.LOG
       guide_commands.py --self-test
Exit 0 when every guide command was run, 1 naming each that was not.
"""
import os
import re
import shlex
import sys

# The subcommand words of the programs (positional words that are not values).
SUBCOMMANDS = {
    "keygen", "init", "guardians", "add", "kiosks", "enrol", "revoke", "tokens", "issue", "key",
    "publish", "polls", "open", "close", "status", "tally", "test-deck", "check", "ceremony",
    "decrypt", "run",
}


def guide_commands(text):
    """(line number, argv) of every tabella-* command in the guide's sh blocks."""
    out = []
    in_block = False
    pending, start = "", 0
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"):
            in_block = (not in_block) and line.strip() in ("```sh", "```bash")
            continue
        if not in_block:
            continue
        if not pending:
            start = n
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        try:
            argv = shlex.split(full, comments=True)
        except ValueError as e:
            raise SystemExit("%d: cannot split the command: %s" % (start, e))
        # Each part of a pipeline ("echo 2468 | tabella-kiosk --set-pin") is a command.
        parts, part = [], []
        for a in argv:
            if a == "|":
                parts.append(part)
                part = []
            else:
                part.append(a)
        parts.append(part)
        for part in parts:
            # Leading VAR=value assignments (SSL_CERT_FILE=...) are the environment.
            while part and re.match(r"^[A-Z_][A-Z0-9_]*=", part[0]):
                part = part[1:]
            if part and part[0].startswith("tabella-"):
                out.append((start, part))
    return out


# Options that take no value; every other --option takes the next argument as its value.
FLAGS = {
    "--json", "--force", "--test", "--yes", "--help", "--version", "--init-config", "--set-pin",
    "--enrol", "--fullscreen", "--pin-stdin", "--in-progress",
}


def shape(argv):
    """(program, subcommand words, option names) of an argv."""
    words, options = [], set()
    args = iter(argv[1:])
    for a in args:
        if a.startswith("--"):
            name = a.split("=", 1)[0]
            options.add(name)
            if name not in FLAGS and "=" not in a:
                next(args, None)  # its value
        elif a in SUBCOMMANDS:
            words.append(a)
    return os.path.basename(argv[0]), words, options


def logged_commands(text):
    return [line.split("\x1f") for line in text.splitlines() if line]


def check(guide_text, log_text, skip=()):
    """The guide commands that no logged command matches: [(line, command text)]. Commands of
    the programs in skip (not built) are left out."""
    ran = [shape(a) for a in logged_commands(log_text)]
    missing = []
    for n, argv in guide_commands(guide_text):
        program, words, options = shape(argv)
        if program in skip:
            continue
        if not any(p == program and w == words and options <= o for p, w, o in ran):
            missing.append((n, " ".join(argv)))
    return missing


def self_test():
    guide = ("text\n```sh\ntabella-admin polls open --force   # a comment\n"
             "SSL_CERT_FILE=ca.pem tabella-admin --ledger https://x \\\n"
             "    tally --timeout 60\n```\n```json\ntabella-admin not-a-command\n```\n")
    assert [a for _, a in guide_commands(guide)] == [
        ["tabella-admin", "polls", "open", "--force"],
        ["tabella-admin", "--ledger", "https://x", "tally", "--timeout", "60"]]
    log = "\x1f".join(["tabella-admin", "--ledger", "u", "polls", "open", "--force"]) + "\n"
    # tally was never run: reported with its line.
    assert check(guide, log) == [(4, "tabella-admin --ledger https://x tally --timeout 60")]
    log += "\x1f".join(["tabella-admin", "--ledger", "u", "tally", "--timeout", "1"]) + "\n"
    assert check(guide, log) == []
    # An option the test never gave, or another subcommand, is not a match.
    assert check(guide.replace("--force", "--note"), log) != []
    assert check(guide.replace("polls open", "polls close"), log) != []
    # A value that looks like a subcommand is a value ("--out tokens").
    assert shape(["tabella-admin", "tokens", "issue", "--out", "tokens", "--json"]) == (
        "tabella-admin", ["tokens", "issue"], {"--out", "--json"})
    piped = "```sh\necho 1 | tabella-kiosk --set-pin\n```\n"
    assert [a for _, a in guide_commands(piped)] == [["tabella-kiosk", "--set-pin"]]
    assert check(piped, log) == [(2, "tabella-kiosk --set-pin")]
    assert check(piped, log, skip={"tabella-kiosk"}) == []
    print("self-test passed")


def main():
    if sys.argv[1:] == ["--self-test"]:
        self_test()
        return 0
    args = sys.argv[1:]
    skip = set()
    while len(args) >= 2 and args[0] == "--skip-program":
        skip.add(args[1])
        args = args[2:]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    guide = open(args[0], encoding="utf-8").read()
    log = open(args[1], encoding="utf-8").read()
    commands = guide_commands(guide)
    if len(commands) < 20:
        print("FAIL: only %d commands found in %s" % (len(commands), args[0]))
        return 1
    for program in sorted(skip):
        n = sum(1 for _, a in commands if a[0] == program)
        print("SKIPPED: the guide's %d %s commands (%s is not built)" % (n, program, program))
    missing = check(guide, log, skip)
    for n, cmd in missing:
        print("FAIL: %s:%d: not run by the lifecycle test: %s" % (args[0], n, cmd))
    if missing:
        return 1
    print("every one of the guide's %d commands was run by the lifecycle test" % len(commands))
    return 0


if __name__ == "__main__":
    sys.exit(main())
