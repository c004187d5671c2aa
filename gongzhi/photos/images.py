"""What an uploaded photo becomes before it is stored: the type read from its bytes (JPEG, PNG or
WebP; the file name is never trusted), the size checked against the district's limit, the pixels
decoded and written again by Pillow — which drops EXIF, GPS, XMP, ICC and every other piece of
metadata — and a JPEG thumbnail. Anything else is refused with an i18n key and nothing is kept."""
from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from gongzhi.errors import DomainError

# The first bytes of each accepted type: (content type, file extension, Pillow format).
SIGNATURES = (
    (b"\xff\xd8\xff", ("image/jpeg", "jpg", "JPEG")),
    (b"\x89PNG\r\n\x1a\n", ("image/png", "png", "PNG")),
)
THUMB_EDGE = 320          # a thumbnail fits in THUMB_EDGE × THUMB_EDGE
MAX_PIXELS = 40_000_000   # a decompression bomb is refused before it is decoded
MAX_EDGE = 20_000


@dataclass(frozen=True)
class Clean:
    """A photo ready to store: the re-encoded image and its thumbnail, both without metadata."""
    data: bytes
    thumb: bytes
    content_type: str
    ext: str
    width: int
    height: int


def sniff(data: bytes) -> tuple[str, str, str] | None:
    """(content type, extension, Pillow format) from the bytes themselves, or None."""
    for magic, kind in SIGNATURES:
        if data.startswith(magic):
            return kind
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ("image/webp", "webp", "WEBP")
    return None


def clean(data: bytes, max_bytes: int) -> Clean:
    """The photo re-encoded without metadata, with its thumbnail; DomainError when it is empty,
    too large, not a JPEG/PNG/WebP by its bytes, or does not decode."""
    if not data:
        raise DomainError("photos.empty")
    if len(data) > max_bytes:
        raise DomainError("photos.too_large", mb=round(max_bytes / 1024 / 1024))
    kind = sniff(data)
    if kind is None:
        raise DomainError("photos.bad_type")
    content_type, ext, fmt = kind
    try:
        with Image.open(io.BytesIO(data), formats=[fmt]) as probe:
            if probe.width * probe.height > MAX_PIXELS or max(probe.size) > MAX_EDGE:
                raise DomainError("photos.too_many_pixels")
            probe.load()
            image = ImageOps.exif_transpose(probe)   # keep what the camera meant as "up"
    except DomainError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        raise DomainError("photos.unreadable") from None
    image = _without_metadata(image, fmt)
    body = _encode(image, fmt)
    thumb = image.convert("RGB") if image.mode not in ("RGB", "L") else image.copy()
    thumb.thumbnail((THUMB_EDGE, THUMB_EDGE))
    return Clean(data=body, thumb=_encode(thumb, "JPEG"), content_type=content_type, ext=ext,
                 width=image.width, height=image.height)


def _without_metadata(image: Image.Image, fmt: str) -> Image.Image:
    """A new image holding only the pixels (and a palette): nothing of `info` or EXIF survives."""
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    bare = Image.new(image.mode, image.size)
    bare.paste(image)
    if image.mode == "P":
        bare.putpalette(image.getpalette())
    return bare


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=85, optimize=True)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=85)
    return out.getvalue()
