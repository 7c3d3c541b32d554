"""Cold imports from the Lambda zip: ``python -m bench.package [STAGE]`` after ``make package``.

Unpacks ``build/<stage>/deployment.zip`` twice, as packaged and with its bytecode removed,
and times imports in fresh interpreters that see only the unpacked code and the standard
library (``-S``) and write no bytecode, as on Lambda's read-only code directory. CPU time is
given beside wall time: on a shared machine it is the steadier of the two.
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
    "then the PDF code (ReportLab, PIL)": "app, chalicelib.domain.layout.pdf",
}
PROBE = (
    "import time; wall, cpu = time.perf_counter(), time.process_time(); import {}; "
    "print(time.perf_counter() - wall, time.process_time() - cpu)"
)


def unpack(zip_path: Path, folder: Path, bytecode: bool) -> Path:
    with zipfile.ZipFile(zip_path) as code:
        code.extractall(folder)
    if not bytecode:
        for cache in list(folder.rglob("__pycache__")):
            shutil.rmtree(cache)
    return folder


def cold_import(folder: Path, modules: str) -> tuple[float, float]:
    """Wall and CPU seconds to import ``modules`` in a new interpreter started in ``folder``."""
    done = subprocess.run(
        [sys.executable, "-S", "-c", PROBE.format(modules)],
        cwd=folder,
        env={"PYTHONDONTWRITEBYTECODE": "1", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    wall, cpu = done.stdout.split()
    return float(wall), float(cpu)


def medians(folders: dict[str, Path], modules: str) -> dict[str, tuple[float, float]]:
    """Median wall and CPU milliseconds per folder, taking turns; one run each discarded."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in folders}
    for folder in folders.values():
        cold_import(folder, modules)
    for i in range(RUNS):
        for name in folders if i % 2 else reversed(folders):
            samples[name].append(cold_import(folders[name], modules))
    result = {}
    for name, times in samples.items():
        walls, cpus = zip(*times, strict=True)
        result[name] = (statistics.median(walls) * 1000, statistics.median(cpus) * 1000)
    return result


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
            row = ", ".join(
                f"{name} {wall:.1f} ms (CPU {cpu:.1f})" for name, (wall, cpu) in times.items()
            )
            print(f"{label}: {row}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
