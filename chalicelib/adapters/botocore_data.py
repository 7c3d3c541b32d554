"""botocore's data for the three services docgen calls, cut down, read only by the botocore and
boto3 it was cut from.

Building a session's first clients reads botocore's data: a 1.2 MB ``endpoints.json`` for
every service, every service folder listed once per kind of file, the gzip-compressed
models with their documentation, all parsed into ``OrderedDict``s. ``tools/botocore_data.py``
writes, at build time and from the pinned botocore and boto3, only what DynamoDB, S3 and SQS need
(documentation blanked, minified, uncompressed) into ``DATA_DIR``, with the versions it came
from. :func:`data_loader` reads from there only when those are the running versions and the
services are these: models and endpoints change between releases, so any other botocore keeps
its own data, and a copy cut before a service was added would lack that service's model.
"""

import json
import os
from pathlib import Path
from typing import Any

from botocore.loaders import Loader

DATA_DIR = Path(__file__).resolve().parent.parent / "botocore-data"
"""Generated, not checked in: ``python -m tools.botocore_data`` (``make`` runs it)."""
MANIFEST = "manifest.json"
"""Written last, so a folder that has it is complete: ``{"versions": {...}, "services": [...]}``."""
SERVICES = ("dynamodb", "s3", "sqs")


def running_versions() -> dict[str, str]:
    """The botocore and boto3 this process runs, which the data must have been cut from."""
    import boto3
    import botocore

    return {"botocore": botocore.__version__, "boto3": boto3.__version__}


def data_loader(root: Path | None = None) -> Loader | None:
    """A loader over the cut-down data at ``root`` (``DATA_DIR``); None, for botocore's own
    data, when it is missing, was cut from other versions or for other services, or
    ``AWS_DATA_PATH`` names models of its own."""
    if os.environ.get("AWS_DATA_PATH"):
        return None
    root = DATA_DIR if root is None else root
    try:
        manifest = json.loads((root / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return None
    if manifest.get("versions") != running_versions() or manifest.get("services") != list(SERVICES):
        return None
    return SlimLoader(root)


class PlainJSONFiles:
    """The file loader botocore's ``Loader`` calls, for uncompressed ``.json`` files parsed
    into plain dicts (which keep their order too, and parse faster than ``OrderedDict``)."""

    def exists(self, file_path: str) -> bool:
        return os.path.isfile(file_path + ".json")

    def load_file(self, file_path: str) -> Any:
        try:
            with open(file_path + ".json", "rb") as data:
                return json.loads(data.read())
        except FileNotFoundError:
            return None


class SlimLoader(Loader):
    """botocore's ``Loader`` searching the cut-down data alone (and boto3's, which boto3 adds):
    the service folders are all it lists."""

    def __init__(self, root: Path) -> None:
        super().__init__(
            extra_search_paths=[str(root)],
            file_loader=PlainJSONFiles(),
            include_default_search_paths=False,
        )
        self._root = str(root) + os.sep

    def is_builtin_path(self, path: str) -> bool:
        """These endpoints are botocore's own, cut down. Any other endpoints file botocore
        takes for a custom one and hands its legacy URL to S3's rule set as the endpoint."""
        return path.startswith(self._root) or super().is_builtin_path(path)
