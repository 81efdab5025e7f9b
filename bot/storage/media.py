"""Photo files on local disk, named by their content so the same photo is stored once."""

from __future__ import annotations

import os
from pathlib import Path

from bot.ingest import Image
from bot.ingest.extract import photo_extension


def save_photo(folder: Path, image: Image) -> str:
    """Write ``image`` under ``folder`` (if not already there); its path relative to ``folder``.

    Written before the database row that names it, through a temporary file, so a crash
    leaves at worst an unreferenced file, never a row pointing at half a photo.
    """
    digest = image.sha256
    relative = Path(digest[:2]) / f"{digest}{photo_extension(image.mime)}"
    target = folder / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".tmp")
        tmp.write_bytes(image.data)
        os.replace(tmp, target)
    return relative.as_posix()
