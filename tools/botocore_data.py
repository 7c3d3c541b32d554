"""``python -m tools.botocore_data [DEST]``: cut botocore's data down to what docgen's session
reads (``chalicelib/adapters/botocore_data.py`` says why and when it is used).

From the installed (pinned) botocore and boto3, for DynamoDB, S3 and SQS only: every file of
their folders but the examples, the endpoints of those services in every partition, and the
partition, default-configuration and retry files, each written as minified, uncompressed JSON
with its ``documentation`` strings blanked (blanked, not dropped: botocore reads some of those
keys). The manifest naming the versions is written last, into a folder that then replaces
``DEST`` whole, so a half-written folder is never read.
"""

import json
import shutil
import sys
from pathlib import Path
from typing import Any

from chalicelib.adapters.botocore_data import DATA_DIR, MANIFEST, SERVICES, running_versions

SHARED_FILES = ("partitions", "sdk-default-configuration", "_retry")
"""botocore's files that are not per service, copied as they are (the endpoints are cut)."""
SKIPPED_KINDS = ("examples-1",)
"""Documentation only: no client reads it."""
SUFFIXES = (".json.gz", ".json")


def blank_documentation(value: Any) -> Any:
    """``value`` with every ``documentation`` string emptied, at any depth."""
    if isinstance(value, dict):
        return {
            key: ""
            if key == "documentation" and isinstance(item, str)
            else blank_documentation(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [blank_documentation(item) for item in value]
    return value


def data_roots() -> list[Path]:
    """botocore's data folder, then boto3's (its resource models), as the session searches."""
    import boto3
    import botocore

    return [Path(botocore.__file__).parent / "data", Path(boto3.__file__).parent / "data"]


def _load(path: Path) -> Any:
    from botocore.loaders import JSONFileLoader

    return JSONFileLoader().load_file(str(path))


def _write(dest: Path, name: str, data: Any) -> None:
    target = dest / f"{name}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(data, separators=(",", ":")))


def _stem(file: Path) -> str | None:
    """The data name of a file (``service-2`` of ``service-2.json.gz``), or None."""
    for suffix in SUFFIXES:
        if file.name.endswith(suffix):
            return file.name.removesuffix(suffix)
    return None


def cut_endpoints(endpoints: dict[str, Any]) -> dict[str, Any]:
    """botocore's endpoints with only docgen's services in each partition."""
    partitions = [
        {
            **partition,
            "services": {
                name: rules for name, rules in partition["services"].items() if name in SERVICES
            },
        }
        for partition in endpoints["partitions"]
    ]
    return {**endpoints, "partitions": partitions}


def write(dest: Path = DATA_DIR) -> Path:
    """Write the cut-down data into ``dest`` (replacing it); return its manifest's path."""
    partial = dest.with_name(dest.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    roots = data_roots()
    builtin = roots[0]
    _write(partial, "endpoints", cut_endpoints(_load(builtin / "endpoints")))
    for name in SHARED_FILES:
        _write(partial, name, _load(builtin / name))
    for root in roots:
        for service in SERVICES:
            for file in sorted((root / service).glob("*/*")):
                stem = _stem(file)
                if stem is None or stem in SKIPPED_KINDS:
                    continue
                name = f"{service}/{file.parent.name}/{stem}"
                _write(partial, name, blank_documentation(_load(file.parent / stem)))
    manifest = {"versions": running_versions(), "services": list(SERVICES)}
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    shutil.rmtree(dest, ignore_errors=True)
    partial.replace(dest)
    return dest / MANIFEST


def main(argv: list[str]) -> int:
    dest = Path(argv[0]) if argv else DATA_DIR
    print(write(dest))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
