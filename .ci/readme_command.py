"""Print one of the README's set-up commands, as written, for CI to run.

    python3 .ci/readme_command.py demo|test

README.md marks each command with an HTML comment, `<!-- ci: demo -->` or `<!-- ci: test -->`,
on the line before its fenced block; the block must hold exactly one command line.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def readme_command(name: str, text: str) -> str:
    """The single command line of the fenced block right after `<!-- ci: name -->`."""
    pattern = r"<!--\s*ci:\s*%s\s*-->\s*\n```[a-z]*\n(.*?)\n```" % re.escape(name)
    found = re.findall(pattern, text, re.S)
    if len(found) != 1:
        raise SystemExit(f"README.md: expected one block marked <!-- ci: {name} -->, found {len(found)}")
    lines = [line for line in found[0].splitlines() if line.strip()]
    if len(lines) != 1:
        raise SystemExit(f"README.md: the block marked <!-- ci: {name} --> must hold one command line")
    return lines[0]


if __name__ == "__main__":
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        print(readme_command(sys.argv[1], fh.read()))
