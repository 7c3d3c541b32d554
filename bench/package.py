"""Cold imports from the Lambda zip: ``python -m bench.package [STAGE]`` after ``make package``.

Unpacks ``build/<stage>/deployment.zip`` twice, as packaged and with its bytecode removed,
and times imports in fresh interpreters that see only the unpacked code and the standard
library (``-S``) and write no bytecode, as on Lambda's read-only code directory.
"""

import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from tools.package import BUILD_DIR

RUNS = 15
MODULES = {
    "import app": "app",
    "then the PDF code (ReportLab, PIL)": "app, chalicelib.letter_pdf",
}
PROBE = "import time; start = time.perf_counter(); import {}; print(time.perf_counter() - start)"


def unpack(zip_path: Path, folder: Path, bytecode: bool) -> Path:
    with zipfile.ZipFile(zip_path) as code:
        code.extractall(folder)
    if not bytecode:
        for cache in list(folder.rglob("__pycache__")):
            shutil.rmtree(cache)
    return folder


def cold_import(folder: Path, modules: str) -> float:
    """Seconds to import ``modules`` in a new interpreter started in ``folder``."""
    done = subprocess.run(
        [sys.executable, "-S", "-c", PROBE.format(modules)],
        cwd=folder,
        env={"PYTHONDONTWRITEBYTECODE": "1", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout)


def medians(folders: dict[str, Path], modules: str) -> dict[str, float]:
    """Median milliseconds per folder, taking turns; one run each discarded first."""
    samples: dict[str, list[float]] = {name: [] for name in folders}
    for folder in folders.values():
        cold_import(folder, modules)
    for i in range(RUNS):
        for name in folders if i % 2 else reversed(folders):
            samples[name].append(cold_import(folders[name], modules))
    return {name: statistics.median(times) * 1000 for name, times in samples.items()}


def main(argv: list[str]) -> int:
    zip_path = BUILD_DIR / (argv[0] if argv else "dev") / "deployment.zip"
    print(f"{zip_path}: {zip_path.stat().st_size:,} bytes; median of {RUNS} cold imports")
    with tempfile.TemporaryDirectory() as scratch:
        folders = {
            "with pyc": unpack(zip_path, Path(scratch) / "pyc", bytecode=True),
            "without": unpack(zip_path, Path(scratch) / "source", bytecode=False),
        }
        for label, modules in MODULES.items():
            times = medians(folders, modules)
            row = ", ".join(f"{name} {ms:.1f} ms" for name, ms in times.items())
            print(f"{label}: {row}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
