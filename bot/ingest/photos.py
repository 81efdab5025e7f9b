"""Photos given with a post by hand (``queue add --photo``): checked before anything is stored.

A photo is accepted when it is a JPEG, PNG or WebP image by its content (not its name) and no
larger than Telegram's 10 MB for a photo, the stricter of the two platforms.
"""

from __future__ import annotations

from pathlib import Path

from bot.domain.errors import N_, PhotoError
from bot.ingest.extract import MAX_PHOTO_BYTES, Image, sniff_photo

__all__ = ["MAX_PHOTO_BYTES", "PHOTO_TYPES", "read_photo", "sniff_photo"]

#: What both Telegram's sendPhoto and Facebook's /photos accept as a photo.
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")


def read_photo(path: Path) -> Image:
    """Read and check one photo file; a one-line PhotoError naming it when it cannot be used."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise PhotoError(N_("--photo {path}: not a file"), path=path)
        if size > MAX_PHOTO_BYTES:
            raise PhotoError(
                N_(
                    "--photo {path}: {size:.1f} MB is more than a photo can be "
                    "({limit} MB, Telegram's limit)"
                ),
                path=path,
                size=size / 2**20,
                limit=MAX_PHOTO_BYTES // 2**20,
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise PhotoError(N_("--photo {path}: no such file"), path=path) from None
    except OSError as exc:
        raise PhotoError(
            N_("--photo {path}: cannot read: {reason}"), path=path, reason=exc.strerror
        ) from None
    mime = sniff_photo(data)
    if mime is None:
        raise PhotoError(N_("--photo {path}: not a JPEG, PNG or WebP image"), path=path)
    return Image(path.name, mime, data)
