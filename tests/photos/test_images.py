"""What an upload becomes: type read from the bytes, size under the district's limit, EXIF and GPS
gone, a thumbnail made; anything else refused with a message."""
import io

import pytest
from PIL import Image

from gongzhi.errors import DomainError
from gongzhi.i18n import has
from gongzhi.photos import images
from tests.photos.conftest import gps_exif, picture

MB = 1024 * 1024


def test_a_photo_with_gps_exif_comes_out_without_it():
    raw = picture("JPEG", exif=gps_exif())
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(0x8825), "the input carries GPS"
    assert b"Huawei" in raw
    clean = images.clean(raw, 10 * MB)
    for body in (clean.data, clean.thumb):
        out = Image.open(io.BytesIO(body))
        assert dict(out.getexif()) == {}
        assert out.getexif().get_ifd(0x8825) == {}
        assert b"Exif" not in body and b"Huawei" not in body
    assert (clean.content_type, clean.ext, clean.width, clean.height) == ("image/jpeg", "jpg", 640, 480)


@pytest.mark.parametrize("fmt,ctype", [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")])
def test_each_accepted_type_is_re_encoded_with_a_thumbnail(fmt, ctype):
    clean = images.clean(picture(fmt, size=(1200, 800)), 10 * MB)
    assert clean.content_type == ctype
    assert Image.open(io.BytesIO(clean.data)).format == fmt
    thumb = Image.open(io.BytesIO(clean.thumb))
    assert thumb.format == "JPEG" and max(thumb.size) == images.THUMB_EDGE


def test_png_text_chunks_do_not_survive():
    from PIL.PngImagePlugin import PngInfo
    info = PngInfo()
    info.add_text("Comment", "张三 13800138000 丽水路8号")
    out = io.BytesIO()
    Image.new("RGB", (40, 40)).save(out, "PNG", pnginfo=info)
    clean = images.clean(out.getvalue(), MB)
    assert "13800138000".encode() not in clean.data and Image.open(io.BytesIO(clean.data)).info.get("Comment") is None


@pytest.mark.parametrize("data,key", [
    (b"", "photos.empty"),
    (b"GIF89a" + b"\0" * 100, "photos.bad_type"),
    (b"%PDF-1.7 not a photo", "photos.bad_type"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "photos.bad_type"),
    (b"\xff\xd8\xff\xe0 truncated jpeg", "photos.unreadable"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "photos.unreadable"),
])
def test_bad_bytes_are_refused_with_a_message(data, key):
    with pytest.raises(DomainError) as refused:
        images.clean(data, MB)
    assert refused.value.key == key and has(key)


def test_the_name_does_not_matter_only_the_bytes():
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    assert images.sniff(gif.getvalue()) is None
    assert images.sniff(picture("PNG"))[0] == "image/png"


def test_a_photo_over_the_limit_is_refused_before_decoding():
    raw = picture("PNG", size=(800, 800))
    with pytest.raises(DomainError) as refused:
        images.clean(raw, len(raw) - 1)
    assert refused.value.key == "photos.too_large"
    assert images.clean(raw, len(raw)).width == 800


def test_a_decompression_bomb_is_refused():
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")
    with pytest.raises(DomainError) as refused:
        images.clean(out.getvalue(), 10 * MB)
    assert refused.value.key == "photos.too_many_pixels"


@pytest.mark.parametrize("mode,fmt", [("P", "PNG"), ("LA", "PNG"), ("CMYK", "JPEG"), ("L", "JPEG"), ("RGBA", "WEBP"),
                                      ("1", "PNG")])
def test_every_pixel_mode_comes_out_as_an_image_of_the_same_size(mode, fmt):
    out = io.BytesIO()
    source = Image.new("RGB", (50, 30), (10, 200, 30)).convert(mode)
    source.save(out, fmt)
    clean = images.clean(out.getvalue(), MB)
    back = Image.open(io.BytesIO(clean.data))
    assert back.size == (50, 30) and back.format == fmt
    assert Image.open(io.BytesIO(clean.thumb)).mode == "RGB" or mode in ("L", "1")
