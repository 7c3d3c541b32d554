"""Run code in a fresh interpreter: what an import costs is only visible from a clean start."""

import subprocess
import sys

from tools.stack import PROJECT_DIR


def fresh_python(code: str) -> str:
    """What ``code`` prints, run by a new interpreter in the project directory."""
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()
