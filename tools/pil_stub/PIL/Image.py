"""docgen's stand-in for Pillow's ``PIL.Image`` in the Lambda package.

ReportLab runs ``from PIL import Image`` as it loads, and uses the module only to read
bitmap images, which docgen never asks it for (letterhead logos are written into the PDF by
``chalicelib/domain/layout/images.py``). Pillow would be two thirds of the code zip, so
``tools/package.py`` ships this instead: reading an image fails here, with this message,
rather than drawing anything.
"""

from typing import NoReturn

NO_PILLOW = "docgen's Lambda package has no Pillow (PIL is a stub): it cannot read images"


class NoPillowError(RuntimeError):
    """An image was asked of the stub."""


def open(fp: object, mode: str = "r", formats: object = None) -> NoReturn:
    """Pillow's ``Image.open``, which ReportLab's ``ImageReader`` calls for every image."""
    raise NoPillowError(f"{NO_PILLOW}: {fp!r}")


def __getattr__(name: str) -> NoReturn:
    """Any other name is missing, as if Pillow were absent: ``Image.Image`` among them,
    so ReportLab takes nothing for a Pillow image."""
    raise AttributeError(f"{NO_PILLOW} (PIL.Image.{name})")
