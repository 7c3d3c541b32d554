"""Figures measured in a fresh interpreter: the JSON it printed, or why it failed."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def figures(args: list[str], timeout: float = 600, cwd: Path | None = None) -> Any:
    """What ``python <args>`` printed, as JSON; a failed run stops the bench with its stderr
    (``check=True`` would show only the exit status)."""
    done = subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        name = args[1] if args[0] == "-m" else "a child script"
        raise SystemExit(f"bench: {name} exited {done.returncode}:\n{done.stderr}")
    return json.loads(done.stdout)
