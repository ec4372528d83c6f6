#!/usr/bin/env python3
"""Runs every fenced shell, C, Python and JavaScript block of README.md as written.

A reader follows one section of the README in one terminal, so each section's blocks run in
order in one bash process, from the repository root, with a clean environment: only PATH
and HOME, nothing else exported (no PKG_CONFIG_PATH, no LD_LIBRARY_PATH, no virtualenv).
- ``sh`` / ``bash`` blocks are fed to that shell verbatim;
- ``python`` blocks run as ``python3 -`` in it (so a virtualenv the section activated is used);
- ``js`` blocks run as ``node -`` in it (so ``require('./...')`` resolves from the root);
- ``c file=NAME`` blocks are saved as NAME for the shell commands that follow to build.
Rust blocks are compiled and run by the doc tests instead (src/lib.rs includes the README).

Files that the blocks leave in the tree and git does not ignore are removed afterwards, and
reported: a README command should not litter a checkout.

SKIP is the whole list of what does not run, each with its reason; an entry that matches
no block fails the run, so the list cannot rot.
"""

import os
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
LANGS = {"sh": "sh", "bash": "sh", "shell": "sh", "python": "py", "js": "js", "javascript": "js", "c": "c"}

# (a line of the README, why it does not run here). The line is left out of its block.
SKIP = [
    ("bash scripts/test.sh", "the test command: it is what runs this script"),
]
# Files the reader is told to make, beyond the c file=NAME blocks; removed afterwards.
MADE = {"app"}  # the C example's program, built by the README's cc commands


def sections(text):
    """[(heading, [(lang, info, body)])] for the runnable fenced blocks, in order."""
    out, heading = [], "(top)"
    fence = None
    for line in text.splitlines(keepends=True):
        if fence is None:
            if line.startswith("## "):
                heading = line[3:].strip()
            m = re.match(r"^```(\S*)(.*)$", line.rstrip("\n"))
            if m:
                fence = (m.group(1), m.group(2).strip(), [])
        elif line.rstrip("\n") == "```":
            lang, info, body = fence
            fence = None
            if lang in LANGS:
                if not out or out[-1][0] != heading:
                    out.append((heading, []))
                out[-1][1].append((LANGS[lang], info, "".join(body)))
        else:
            fence[2].append(line)
    return out


def script_for(blocks, tmp, used):
    """One bash script that runs a section's blocks in order."""
    lines = ["set -euo pipefail"]
    for n, (lang, info, body) in enumerate(blocks):
        if lang == "sh":
            kept = []
            for line in body.splitlines():
                skip = [s for s in SKIP if line.split("#")[0].strip() == s[0]]
                if skip:
                    used.add(skip[0][0])
                    print(f"   skipped: {line.strip()}  ({skip[0][1]})")
                else:
                    kept.append(line)
            lines += ["set -x"] + kept + ["{ set +x; } 2>/dev/null"]
        elif lang == "c":
            m = re.match(r"file=(\S+)$", info)
            if not m:
                sys.exit(f"a C block needs file=NAME in its info string:\n{body}")
            used.add("file:" + m.group(1))
            lines.append(f"cat > {m.group(1)} <<'FERRICACHE_README_EOF'\n{body}FERRICACHE_README_EOF")
        else:
            path = pathlib.Path(tmp) / f"block{n}.{lang}"
            path.write_text(body)
            runner = "python3 -" if lang == "py" else "node -"
            lines.append(f"echo '+ ({'Python' if lang == 'py' else 'JavaScript'} block)'; {runner} < {path}")
    return "\n".join(lines) + "\n"


def leftovers():
    out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    return {line[3:] for line in out.splitlines() if line.startswith("??")}


def main():
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root")}
    before = leftovers()
    used, failed, passed = set(), 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        for heading, blocks in sections((ROOT / "README.md").read_text()):
            print(f"\n-- README section: {heading} ({len(blocks)} blocks)", flush=True)
            script = script_for(blocks, tmp, used)
            r = subprocess.run(["bash", "-c", script], cwd=ROOT, env=env, stdin=subprocess.DEVNULL)
            if r.returncode == 0:
                passed += len(blocks)
            else:
                failed += len(blocks)
                print(f"failed: README section '{heading}' (exit code {r.returncode})", flush=True)
    stale = [s for s in SKIP if s[0] not in used]
    made = MADE | {u[5:] for u in used if u.startswith("file:")}
    new = leftovers() - before
    for path in new:
        (ROOT / path).unlink()
    litter = sorted(new - made)
    print()
    for s in stale:
        print(f"stale skip entry (no README line matches): {s[0]}")
    if litter:
        print(f"the README's commands left files in the tree (removed): {', '.join(litter)}")
    bad = failed + len(stale) + (1 if litter else 0)
    print(f"readme: {passed} passed, {bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
