"""The README's printed outputs, kept true by running their commands (as sqlite-utils does with cog).

In README.md, a line ``<!-- output of: mentormatch ARGS -->`` followed by a ```text block means
"this block is exactly what `mentormatch ARGS` prints (stdout then stderr, no colour, 100
columns), run from the repository's top folder". tests/test_readme.py runs each and compares;
when a change alters an output on purpose, rewrite the blocks with:

    python tests/readme_outputs.py
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BLOCK = re.compile(r"<!-- output of: (?P<command>.+?) -->\n```text\n(?P<output>.*?)```\n", re.DOTALL)
RUN = "import sys; from mentormatch.cli import main; sys.argv[0] = 'mentormatch'; main()"


def blocks(text: str) -> list[tuple[str, str]]:
    """(command, printed output) for each marked block."""
    return [(m["command"], m["output"]) for m in BLOCK.finditer(text)]


def run(command: str) -> str:
    """What the command prints, run in a scratch folder that sees the repository's examples/ and
    rules/ (so the files it writes land there, not in the repository)."""
    words = shlex.split(command)
    assert words[0] == "mentormatch", command
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FORCE_COLOR", "TERM"))}
    env.update(NO_COLOR="1", COLUMNS="100", PYTHONPATH=str(ROOT))
    with tempfile.TemporaryDirectory(prefix="mentormatch-readme-") as scratch:
        for name in ("examples", "rules"):
            Path(scratch, name).symlink_to(ROOT / name, target_is_directory=True)
        done = subprocess.run(
            [sys.executable, "-c", RUN, *words[1:]], cwd=scratch, env=env, capture_output=True, text=True
        )
    if done.returncode != 0:
        raise AssertionError(f"{command} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return done.stdout + done.stderr


def regenerate(text: str) -> str:
    """The README with every marked block replaced by its command's real output."""
    return BLOCK.sub(lambda m: f"<!-- output of: {m['command']} -->\n```text\n{run(m['command'])}```\n", text)


if __name__ == "__main__":
    before = README.read_text(encoding="utf-8")
    after = regenerate(before)
    README.write_text(after, encoding="utf-8")
    print("README.md: " + ("outputs updated" if after != before else "already up to date"))
