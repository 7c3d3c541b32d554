"""The Lambda zip ships boto3, botocore and the data cut from them, and its function reads it.

The cut-down data is read only by the botocore it was cut from (``test_botocore_data.py``),
so a zip that shipped it beside another botocore, or without botocore (the runtime's then),
would run on botocore's own data: correct, but without the cold-start saving it is for.
"""

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from chalicelib.adapters.botocore_data import running_versions
from tools.package import (
    BUILD_DIR,
    DEPLOYABLE_STAGES,
    SHIPPED_MANIFEST,
    DataMismatch,
    check_botocore_data,
)
from tools.stack import PROJECT_DIR, stage_environment


def built_zip(stage: str) -> Path:
    path = BUILD_DIR / stage / "deployment.zip"
    if not path.exists():
        pytest.fail(f"{path.relative_to(PROJECT_DIR)} is missing: run `make package`")
    return path


@pytest.mark.parametrize("stage", DEPLOYABLE_STAGES)
def test_the_zip_ships_the_libraries_its_botocore_data_was_cut_from(stage: str) -> None:
    path = built_zip(stage)
    check_botocore_data(path)
    with zipfile.ZipFile(path) as code:
        manifest = json.loads(code.read(SHIPPED_MANIFEST))
        names = set(code.namelist())
    assert manifest["versions"] == running_versions()  # the pins this suite runs
    assert {"boto3/__init__.py", "botocore/__init__.py", "s3transfer/__init__.py"} <= names


def fake_zip(path: Path, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as code:
        for name, text in files.items():
            code.writestr(name, text)
    return path


def test_packaging_refuses_data_cut_from_other_libraries(tmp_path: Path) -> None:
    versions = {"botocore": "1.44.5", "boto3": "1.44.5"}
    libraries = {
        f"{name}/__init__.py": f"import os\n\n__version__ = '{version}'\n"
        for name, version in versions.items()
    }
    manifest = {SHIPPED_MANIFEST: json.dumps({"versions": versions})}
    check_botocore_data(fake_zip(tmp_path / "fits.zip", libraries | manifest))
    older = {"botocore/__init__.py": "__version__ = '1.40.0'\n"}
    with pytest.raises(DataMismatch, match=r"1\.40\.0"):
        check_botocore_data(fake_zip(tmp_path / "older.zip", libraries | manifest | older))
    without_boto3 = {"botocore/__init__.py": libraries["botocore/__init__.py"]} | manifest
    with pytest.raises(DataMismatch, match="'boto3': None"):
        check_botocore_data(fake_zip(tmp_path / "runtime.zip", without_boto3))
    with pytest.raises(DataMismatch, match=r"no chalicelib/botocore-data/manifest\.json"):
        check_botocore_data(fake_zip(tmp_path / "none.zip", libraries))


def test_the_unpacked_function_reads_the_cut_down_data(tmp_path: Path) -> None:
    """Seeing only the unpacked zip and the standard library (``-S``), as on Lambda."""
    with zipfile.ZipFile(built_zip("dev")) as code:
        code.extractall(tmp_path)
    probe = (
        "import boto3; from chalicelib.adapters import aws; "
        "table = aws.dynamodb_table('docgen-dev'); "
        "loader = aws.session()._session.get_component('data_loader'); "
        "print(boto3.__file__, type(loader).__name__, table.meta.client.meta.endpoint_url)"
    )
    env = stage_environment("dev") | {"AWS_DEFAULT_REGION": "eu-west-1", "PATH": "/usr/bin"}
    env |= {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    result = subprocess.run(
        [sys.executable, "-S", "-B", "-c", probe],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    library, loader, endpoint = result.stdout.split()
    assert Path(library).is_relative_to(tmp_path)
    assert loader == "SlimLoader"
    assert endpoint == "https://dynamodb.eu-west-1.amazonaws.com"
