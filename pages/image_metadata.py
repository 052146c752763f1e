"""Images keep no private metadata: no GPS, no EXIF, XMP, IPTC, comments or maker notes.

The club publishes photos of children: a phone's photo carries where and when
it was taken, the device, sometimes the owner's name. Every image file is
rewritten when it is stored (``strip_on_save``, connected to the image
model's ``pre_save`` in ``PagesConfig.ready``: the admin's upload, the
multiple upload, a file replaced, the chooser's upload, the demo seed, any
code), so the original kept has none, and neither have the renditions Wagtail
makes from it (Willow copies the original's EXIF into JPEG and WebP
renditions: with none in the original, there is none to copy).

Before the metadata goes, the orientation it gives is applied to the pixels
(a portrait photo stays portrait); the colour profile (ICC) is kept, with what
the picture itself needs (transparency, resolution, an animation's timing).
A JPEG is re-encoded with its own quantisation tables, so it keeps its quality.

``strip_stored_image`` does the same to an image already stored (the data
migration ``pages.0003`` ran it over the images uploaded before).
"""

import io
import os

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, ImageSequence, JpegImagePlugin, UnidentifiedImageError
from wagtail.utils.file import hash_filelike

# What Pillow may read into ``info`` that the picture needs; everything else goes.
KEPT = ("icc_profile", "transparency", "dpi", "loop", "background")
# Pillow's format → the format written (an MPO is a phone's JPEG with its previews: the photo is kept).
WRITTEN_AS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "GIF": "GIF"}
WEBP_QUALITY = 90


def stripped(content):
    """The bytes of the image in ``content`` (bytes) without its metadata, or None if not an image we rewrite."""
    try:
        image = Image.open(io.BytesIO(content))
    except UnidentifiedImageError:
        return None
    with image:
        file_format = WRITTEN_AS.get(image.format)
        if file_format is None:
            return None
        options = {key: image.info[key] for key in KEPT if key in image.info}
        if file_format == "JPEG":
            options.update(_jpeg_options(image))
        elif file_format == "WEBP":
            options["lossless"] = image.info.get("lossless", False)
            options.setdefault("quality", WEBP_QUALITY)
        frames = [image] if file_format == "JPEG" else ImageSequence.Iterator(image)
        durations, pictures = [], []
        for frame in frames:  # one image object, moved from frame to frame: each is copied while current
            durations.append(frame.info.get("duration", 0))
            pictures.append(_clean(frame))
    if len(pictures) > 1:
        options.update(save_all=True, append_images=pictures[1:], duration=durations)
    output = io.BytesIO()
    pictures[0].save(output, file_format, **options)
    return output.getvalue()


def _clean(frame):
    """The frame's pixels, turned the way its EXIF orientation says, with no metadata attached."""
    picture = ImageOps.exif_transpose(frame)  # a copy, its orientation applied
    picture.info = {}
    return picture


def _jpeg_options(image):
    if getattr(image, "quantization", None):
        options = {"qtables": image.quantization, "subsampling": JpegImagePlugin.get_sampling(image)}
        if options["subsampling"] == -1:
            del options["subsampling"]
    else:
        options = {"quality": 95}
    if image.info.get("progressive") or image.info.get("progression"):
        options["progressive"] = True
    return options


def _rewrite(image):
    """Put the stripped file on ``image`` (not yet saved); True when it changed."""
    image.file.open("rb")
    image.file.seek(0)
    content = image.file.read()
    image.file.seek(0)
    clean = stripped(content)
    if clean is None or clean == content:
        return False
    size = (image.width, image.height)
    image.file = ContentFile(clean, name=os.path.basename(image.file.name))  # updates width and height
    image.file_size = len(clean)
    image.file_hash = hash_filelike(io.BytesIO(clean))
    if (image.width, image.height) != size:  # turned: a focal point drawn on the old pixels means nothing
        image.focal_point_x = image.focal_point_y = image.focal_point_width = image.focal_point_height = None
    return True


def strip_on_save(sender, instance, raw=False, **kwargs):
    """``pre_save`` of the image model: a file not yet stored is stripped before it is."""
    if raw or not instance.file or getattr(instance.file, "_committed", True):
        return
    _rewrite(instance)


def strip_stored_image(image, renditions):
    """Rewrite an image already stored, under the same name, and delete its renditions (``renditions``: a queryset)."""
    storage, name = image.file.storage, image.file.name
    try:
        with storage.open(name, "rb") as file:
            content = file.read()
        clean = stripped(content)
    except (OSError, ValueError, Image.DecompressionBombError):
        return False  # a missing or unreadable file: nothing to strip
    if clean is None or clean == content:
        return False
    for rendition in renditions:
        storage_name = rendition.file.name
        rendition.delete()
        rendition.file.storage.delete(storage_name)
    storage.delete(name)
    saved = storage.save(name, ContentFile(clean))
    with Image.open(io.BytesIO(clean)) as picture:
        width, height = picture.size
    fields = {"file": saved, "width": width, "height": height, "file_size": len(clean)}
    fields["file_hash"] = hash_filelike(io.BytesIO(clean))
    if (width, height) != (image.width, image.height):
        fields.update(focal_point_x=None, focal_point_y=None, focal_point_width=None, focal_point_height=None)
    type(image).objects.filter(pk=image.pk).update(**fields)
    return True
