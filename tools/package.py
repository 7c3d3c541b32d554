"""``make package``: docgen as a CloudFormation (SAM) template, with its table and bucket.

Runs ``chalice package --merge-template infra/merge-template.json`` for a stage into
``build/<stage>/`` (``sam.json`` and ``deployment.zip``), then sets the stage in the
template: the ``Stage`` parameter's default, and the ``StageNames`` mapping of each stage's
table name from ``.chalice/config.json``. So one merge template serves every stage (prod's
differences are ``IsProd`` conditions), the names have one source, and the packaged template
deploys with no ``--parameter-overrides``. Then every function is wired to the stack's own
table, bucket and queues (``tools/wiring.py``).

Then it finishes ``deployment.zip``: Pillow, which ReportLab imports but docgen never uses,
gives way to a stub (``tools/pil_stub``), and every module gets its compiled bytecode, since
Lambda's code directory is read-only and would otherwise compile them on every cold start.

The zip ships boto3 and botocore (requirements.txt) and, in ``chalicelib/botocore-data``,
the cut-down data the session reads (``tools/botocore_data.py``), written afresh before
Chalice packages ``chalicelib``. Packaging refuses a zip whose data was cut from another
botocore than the one it ships: the function would quietly read botocore's own.

No AWS credentials are read or needed, and packaging itself is offline: Chalice's pip runs
with no index, from ``build/wheelhouse/``. Filling the wheelhouse (``--wheelhouse``, which
``make`` runs when requirements.txt changes, like any install) is the one step that needs
PyPI: it downloads the runtime requirements for this machine and as the manylinux2014 wheels
Lambda loads.
"""

import argparse
import json
import os
import py_compile
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from chalicelib.adapters.botocore_data import DATA_DIR, MANIFEST
from tools import botocore_data
from tools.stack import MERGE_TEMPLATE, PROJECT_DIR, stage_environment
from tools.wiring import Miswired, wire

BUILD_DIR = PROJECT_DIR / "build"
DEPLOYABLE_STAGES = ("dev", "prod")  # local names a role that cannot exist
DEFAULT_REGION = "us-east-1"  # Chalice insists on a region; the template uses AWS::Region
WHEELHOUSE = BUILD_DIR / "wheelhouse"
LAMBDA_WHEELS = [
    "--only-binary=:all:",
    "--platform=manylinux2014_x86_64",  # glibc 2.17: loads on Lambda's Amazon Linux 2
    "--implementation=cp",
    f"--python-version={sys.version_info.major}.{sys.version_info.minor}",
]
"""Chalice deploys for the Python that runs it; these are the wheels that Lambda runtime loads."""
PIL_STUB = PROJECT_DIR / "tools" / "pil_stub"
PILLOW = re.compile(r"(PIL|pillow\.libs|pillow-[^/]+\.dist-info)/")
"""Pillow's entries in the zip: its package, its bundled C libraries, its metadata."""
SHIPPED_MANIFEST = f"{DATA_DIR.relative_to(PROJECT_DIR).as_posix()}/{MANIFEST}"
"""The cut-down data's manifest, as the zip names it."""
VERSION = re.compile(r"""^__version__ = ['"]([^'"]+)['"]""", re.MULTILINE)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
ZIP_MODE = 0o100644 << 16
"""Every entry's date and mode, as Chalice writes them: the same files make the same zip."""

# Settings that would let Chalice find real credentials. Packaging never signs a request,
# so it gets none of them: proof that `make package` needs no AWS account.
_CREDENTIAL_SETTINGS = frozenset(
    {
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
    }
)


def stage_names() -> dict[str, dict[str, str]]:
    """Each deployable stage's table, from ``.chalice/config.json``. The bucket has no name
    here: bucket names are global, so the stack lets CloudFormation name it."""
    return {
        stage: {"TableName": stage_environment(stage)["DYNAMODB_TABLE_NAME"]}
        for stage in DEPLOYABLE_STAGES
    }


def set_stage(template: dict[str, Any], stage: str) -> None:
    """Make ``stage`` the template's default and fill in every stage's names."""
    template["Parameters"]["Stage"]["Default"] = stage
    template["Mappings"]["StageNames"] = stage_names()


def fill_wheelhouse() -> None:
    """Download every runtime wheel into ``WHEELHOUSE``: for this machine, and for Lambda."""
    download = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check"]
    download += ["-r", "requirements.txt", "-c", "constraints.txt", "--dest", str(WHEELHOUSE)]
    subprocess.run(download, cwd=PROJECT_DIR, check=True)
    subprocess.run(download + LAMBDA_WHEELS, cwd=PROJECT_DIR, check=True)


def packaging_environment(base: dict[str, str]) -> dict[str, str]:
    """``base`` without credentials or profile files, with a region, and pip kept offline."""
    env = {name: value for name, value in base.items() if name not in _CREDENTIAL_SETTINGS}
    env["PIP_NO_INDEX"] = "1"
    env["PIP_FIND_LINKS"] = str(WHEELHOUSE)
    env["AWS_CONFIG_FILE"] = env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    if not env.get("AWS_DEFAULT_REGION"):
        env["AWS_DEFAULT_REGION"] = DEFAULT_REGION
    return env


class WrongPython(Exception):
    """The function's runtime is not the Python that packages it."""


def check_runtime(runtime: str) -> None:
    """Refuse bytecode for another Python: Lambda would ignore it and compile every time."""
    local = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if runtime != local:
        raise WrongPython(
            f"the function runs {runtime}; compile its bytecode with that, not {local}"
        )


def compile_tree(root: Path) -> None:
    """A ``__pycache__/<name>.cpython-3XY.pyc`` beside every ``.py`` under ``root``.

    Unchecked hash pycs: a timestamp pyc would hang on the mtimes Lambda gives the unzipped
    files, and a checked one reads and hashes its source at every import; on Lambda no
    source changes under its pyc. Names in the bytecode are relative to ``root`` (the
    import puts in the real path), so the zip does not depend on where it was built.
    """
    for source in sorted(root.rglob("*.py")):
        name = source.relative_to(root).as_posix()
        py_compile.compile(
            str(source),
            dfile=name,
            doraise=True,
            optimize=0,  # Lambda runs python without -O
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )


def write_zip(zip_path: Path, root: Path) -> None:
    """Zip every file under ``root`` into ``zip_path`` in name order, dated and moded alike."""
    partial = zip_path.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as code:
        for name in sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()):
            entry = zipfile.ZipInfo(name, ZIP_DATE)
            entry.external_attr = ZIP_MODE
            code.writestr(entry, (root / name).read_bytes(), zipfile.ZIP_DEFLATED)
    partial.replace(zip_path)  # never rewrites Chalice's cached zip, which this may link to


def finish_code_zip(zip_path: Path, runtime: str) -> None:
    """Rewrite the Chalice zip with the PIL stub for Pillow and bytecode for ``runtime``."""
    check_runtime(runtime)
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        with zipfile.ZipFile(zip_path) as code:
            code.extractall(root, [name for name in code.namelist() if not PILLOW.match(name)])
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(PIL_STUB, root, ignore=ignore, dirs_exist_ok=True)
        compile_tree(root)
        write_zip(zip_path, root)


class DataMismatch(Exception):
    """The zip's cut-down botocore data was not cut from the botocore and boto3 it ships."""


def check_botocore_data(zip_path: Path) -> None:
    """Refuse a zip whose cut-down data names other versions than the libraries in it."""
    with zipfile.ZipFile(zip_path) as code:
        names = set(code.namelist())
        if SHIPPED_MANIFEST not in names:
            raise DataMismatch(f"the zip has no {SHIPPED_MANIFEST}")
        wanted = json.loads(code.read(SHIPPED_MANIFEST))["versions"]
        shipped = {}
        for library in wanted:
            init = f"{library}/__init__.py"
            found = VERSION.search(code.read(init).decode()) if init in names else None
            shipped[library] = found.group(1) if found else None
    if shipped != wanted:
        raise DataMismatch(f"the data was cut from {wanted}, the zip ships {shipped}")


def package(stage: str, build_dir: Path = BUILD_DIR) -> Path:
    """Package ``stage`` into ``build_dir/<stage>/``; return the path of its ``sam.json``."""
    if stage not in DEPLOYABLE_STAGES:
        raise ValueError(f"stage {stage!r} is not deployable; use one of {DEPLOYABLE_STAGES}")
    outdir = build_dir / stage
    botocore_data.write()  # from the installed botocore, which constraints.txt pins as shipped
    chalice = Path(sys.executable).parent / "chalice"
    command = [str(chalice), "package", "--stage", stage]
    command += ["--merge-template", str(MERGE_TEMPLATE), str(outdir)]
    subprocess.run(
        command, cwd=PROJECT_DIR, env=packaging_environment(dict(os.environ)), check=True
    )
    template_path = outdir / "sam.json"
    template = json.loads(template_path.read_text())
    set_stage(template, stage)
    wire(template, stage)
    template_path.write_text(json.dumps(template, indent=2) + "\n")
    runtime = template["Resources"]["APIHandler"]["Properties"]["Runtime"]
    finish_code_zip(outdir / "deployment.zip", runtime)
    check_botocore_data(outdir / "deployment.zip")
    return template_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stages", nargs="*", metavar="STAGE", help=" or ".join(DEPLOYABLE_STAGES))
    parser.add_argument(
        "--wheelhouse", action="store_true", help="download the wheels (needs PyPI) and stop"
    )
    args = parser.parse_args(argv)
    if args.wheelhouse:
        fill_wheelhouse()
        return 0
    unknown = [stage for stage in args.stages if stage not in DEPLOYABLE_STAGES]
    if unknown or not args.stages:
        parser.error(f"name one or more stages of {', '.join(DEPLOYABLE_STAGES)}")
    for stage in args.stages:
        try:
            path = package(stage)
        except subprocess.CalledProcessError as error:
            print(
                f"chalice package failed for {stage} (exit {error.returncode}); is "
                f"{WHEELHOUSE.relative_to(PROJECT_DIR)} filled? (make wheelhouse)",
                file=sys.stderr,
            )
            return 1
        except (WrongPython, DataMismatch, Miswired) as error:
            print(f"cannot package {stage}: {error}", file=sys.stderr)
            return 1
        print(f"{stage}: {path.relative_to(PROJECT_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
