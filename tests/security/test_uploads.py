"""Uploads: what staff can put on the site, and how it is served back.

Only the Wagtail admin takes files (images and documents, for the communication
staff and the secretariat); the member area takes none: ``test_the_member_area_takes_no_file``
fails if a form there grows a file field, so that this file is extended with it.

Images: the type is checked on the content, not the name (a ``.png`` that is no
image, an SVG, are refused), the size is limited, and a polyglot (a real PNG
carrying HTML and script) is never served as HTML: its renditions are
re-encoded by Pillow, and its original keeps an image name (the front proxy
serves ``/media/`` by extension, with ``nosniff``). Documents: only the
listed extensions; served as attachments, except PDF (inline, as
``application/pdf``), always with ``nosniff`` and a ``default-src 'none'``
policy, so that nothing in them runs in the site's origin.
"""

import functools
import io
import mimetypes

import pytest
from django import forms as django_forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PillowImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection

from tests.auth import login_staff

pytestmark = pytest.mark.django_db

Image = get_image_model()
Document = get_document_model()
SCRIPT = b"<html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'


def png_bytes(size=(40, 30)):
    buffer = io.BytesIO()
    PillowImage.new("RGB", size, "blue").save(buffer, "PNG")
    return buffer.getvalue()


def gif_bytes():
    buffer = io.BytesIO()
    PillowImage.new("RGB", (10, 10), "red").save(buffer, "GIF")
    return buffer.getvalue()


@pytest.fixture
def staff_client(client, editor):
    return login_staff(client, editor)


def upload_image(client, name, content, content_type="image/png"):
    data = {
        "title": "Essai",
        "file": SimpleUploadedFile(name, content, content_type=content_type),
        "collection": Collection.get_first_root_node().pk,
    }
    return client.post(reverse("wagtailimages:add"), data)


def upload_document(client, name, content, content_type="application/octet-stream"):
    data = {
        "title": "Essai",
        "file": SimpleUploadedFile(name, content, content_type=content_type),
        "collection": Collection.get_first_root_node().pk,
    }
    return client.post(reverse("wagtaildocs:add"), data)


def refused(response, model):
    return response.status_code == 200 and not model.objects.exists()


def test_a_real_image_is_accepted(staff_client):
    """The refusals below are the checks' doing, not a broken upload."""
    response = upload_image(staff_client, "photo.png", png_bytes())
    assert response.status_code == 302 and Image.objects.count() == 1


@pytest.mark.parametrize(
    "name, content",
    [
        ("photo.png", b"this is not an image at all"),
        ("photo.png", SCRIPT),
        ("photo.jpg", png_bytes()),  # a PNG named .jpg: the extension does not match the content
        ("dessin.svg", SVG),
        ("dessin.png", SVG),
        ("page.html", SCRIPT),
    ],
)
def test_an_image_is_checked_on_its_content(staff_client, name, content):
    assert refused(upload_image(staff_client, name, content), Image)


def test_the_image_size_is_limited(staff_client, settings):
    assert 0 < settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE <= 10 * 1024 * 1024
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 2_000
    big = png_bytes((400, 400)) + b"\0" * 2_000
    assert len(big) > settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE
    assert refused(upload_image(staff_client, "grande.png", big), Image)


@pytest.mark.parametrize("name, header", [("polyglotte.png", "png"), ("polyglotte.gif", "gif")])
def test_a_polyglot_image_is_never_served_as_html(staff_client, name, header):
    content = (png_bytes() if header == "png" else gif_bytes()) + SCRIPT
    response = upload_image(staff_client, name, content, content_type=f"image/{header}")
    image = Image.objects.first()
    if image is None:  # refused: nothing to serve
        assert response.status_code == 200
        return
    # Kept: under an image's name (served by extension as an image, with nosniff, by the front proxy)...
    assert mimetypes.guess_type(image.file.name)[0] in ("image/png", "image/gif")
    # ...and what pages show is a rendition, re-encoded: the payload is gone.
    rendition = image.get_rendition("width-20")
    with rendition.file.open("rb") as file:
        assert b"<script" not in file.read()
    assert mimetypes.guess_type(rendition.file.name)[0].startswith("image/")


def test_documents_only_of_the_listed_kinds(staff_client, settings):
    assert set(settings.WAGTAILDOCS_EXTENSIONS) <= {"csv", "docx", "odt", "pdf", "rtf", "txt", "xlsx", "ods"}
    for name in ("page.html", "page.htm", "image.svg", "script.js", "page.xhtml", "app.exe"):
        assert refused(upload_document(staff_client, name, SCRIPT), Document), name


def test_the_document_size_is_limited(staff_client, settings):
    assert 0 < settings.WAGTAILDOCS_MAX_UPLOAD_SIZE <= 10 * 1024 * 1024
    settings.WAGTAILDOCS_MAX_UPLOAD_SIZE = 1_000
    assert refused(upload_document(staff_client, "gros.pdf", b"%PDF-1.4\n" + b"0" * 2_000), Document)


@pytest.mark.parametrize(
    "name, inline_type",
    [
        ("programme.pdf", "application/pdf"),  # read in the browser's PDF viewer
        ("liste.txt", None),
        ("liste.csv", None),
        ("fiche.docx", None),
        ("tableau.xlsx", None),
        ("fiche.odt", None),
        ("fiche.rtf", None),
    ],
)
def test_documents_are_downloaded_not_run(client, staff_client, name, inline_type):
    """Whatever a document holds (here HTML and script), the browser never runs it in the site's origin."""
    assert upload_document(staff_client, name, SCRIPT).status_code == 302
    document = Document.objects.get()
    client.logout()
    response = client.get(document.url)
    response.close()  # the file it streams
    assert response.status_code == 200
    content_type = response["Content-Type"].split(";")[0]
    assert "html" not in content_type and "svg" not in content_type and "javascript" not in content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'"
    disposition = response["Content-Disposition"]
    if inline_type:
        assert content_type == inline_type and disposition.startswith("inline")
    else:
        assert disposition.startswith("attachment"), disposition


def test_documents_go_through_the_view_that_sets_those_headers(settings):
    """Served by Wagtail's view (the headers above), never by a redirect to the storage's own URL.

    With the S3 storage, Wagtail's default is to redirect to the bucket, which
    serves the file with whatever type it was given and no ``attachment``.
    """
    method = getattr(settings, "WAGTAILDOCS_SERVE_METHOD", None)
    if settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
        assert method in (None, "serve_view")
    else:
        assert method == "serve_view"


def test_documents_are_served_by_the_view_with_the_s3_storage_too():
    """The production settings with MEDIA_STORAGE=s3 keep documents behind Wagtail's view."""
    import subprocess
    import sys

    from tests.security.test_deploy_checks import production_env

    env = production_env(MEDIA_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="le-po-medias")
    code = "from django.conf import settings; print(getattr(settings, 'WAGTAILDOCS_SERVE_METHOD', None))"
    result = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "serve_view"


def test_the_member_area_takes_no_file():
    """No member-area form takes a file today; one that does must be added to this file's tests."""
    import importlib
    import pkgutil

    import memberspace

    modules = [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(memberspace.__path__, "memberspace.")
        if {"forms", "views", "admin"} & set(info.name.split("."))
    ]
    assert len(modules) >= 5, modules  # every app's forms, views and screens are read
    for form_class in (value for module in modules for value in vars(module).values()):
        if isinstance(form_class, type) and issubclass(form_class, django_forms.BaseForm):
            fields = getattr(form_class, "base_fields", {})
            assert not any(isinstance(field, django_forms.FileField) for field in fields.values()), form_class


# Private metadata (issue 11, finding 10): photos of children must not say where they were taken.

GPS_IFD = 0x8825
ORIENTATION = 0x0112
PRIVATE_INFO = ("exif", "xmp", "XML:com.adobe.xmp", "comment", "Comment", "photoshop", "iptc", "Author", "Location")


@functools.cache
def srgb_profile():
    """An ICC profile (made once: it carries its creation time)."""
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def phone_exif(orientation=6):
    """What a phone writes: the orientation, the device, the owner, and where the photo was taken."""
    exif = PillowImage.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "Fairphone"  # Make
    exif[0x013B] = "Claire Proprietarix"  # Artist
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)})
    return exif


def landscape(mode="RGB"):
    """40 × 20: red on the left, blue on the right (turned a quarter clockwise: red on top, blue below)."""
    picture = PillowImage.new(mode, (40, 20), "blue")
    picture.paste(PillowImage.new(mode, (20, 20), "red"), (0, 0))
    return picture


def phone_jpeg():
    buffer = io.BytesIO()
    landscape().save(
        buffer,
        "JPEG",
        exif=phone_exif(),
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">exif:GPSLatitude 48,51.4N</x:xmpmeta>',
        comment=b"Sortie au parc, 12 rue des Lilas",
        icc_profile=srgb_profile(),
        quality=95,
    )
    return buffer.getvalue()


def tagged_png():
    from PIL import PngImagePlugin

    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "Sortie au parc, 12 rue des Lilas")
    text.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>exif:GPSLatitude 48,51.4N</x:xmpmeta>")
    buffer = io.BytesIO()
    landscape().save(buffer, "PNG", exif=phone_exif(orientation=1), pnginfo=text, icc_profile=srgb_profile())
    return buffer.getvalue()


def tagged_webp():
    buffer = io.BytesIO()
    landscape().save(
        buffer, "WEBP", exif=phone_exif(orientation=1), xmp=b"<x:xmpmeta>GPS</x:xmpmeta>", icc_profile=srgb_profile()
    )
    return buffer.getvalue()


def read_back(field_file):
    with field_file.open("rb") as file:
        picture = PillowImage.open(io.BytesIO(file.read()))
        picture.load()
    return picture


def assert_no_private_metadata(picture):
    assert [key for key in PRIVATE_INFO if key in picture.info] == []
    exif = picture.getexif()
    assert dict(exif) == {} and dict(exif.get_ifd(GPS_IFD)) == {}


def reddish(pixel):
    red, green, blue = pixel[:3]
    return red > 200 and green < 60 and blue < 60


def bluish(pixel):
    red, green, blue = pixel[:3]
    return blue > 200 and red < 60 and green < 60


def test_a_phone_photo_loses_its_location_but_keeps_its_orientation_and_colours(staff_client):
    response = upload_image(staff_client, "sortie.jpg", phone_jpeg(), content_type="image/jpeg")
    assert response.status_code == 302
    image = Image.objects.get()
    original = read_back(image.file)
    assert_no_private_metadata(original)
    assert original.info.get("icc_profile") == srgb_profile()
    # Turned as the phone said (a quarter clockwise): portrait, red on top, and the record agrees.
    assert original.size == (20, 40) == (image.width, image.height)
    assert reddish(original.getpixel((10, 5))) and bluish(original.getpixel((10, 35)))
    assert image.file_size == image.file.size

    for spec in ("width-10", "fill-10x10|format-webp", "max-30x30|format-png"):
        rendition = image.get_rendition(spec)
        picture = read_back(rendition.file)
        assert_no_private_metadata(picture)
        assert picture.info.get("icc_profile") == srgb_profile()
    small = read_back(image.get_rendition("width-10").file)
    assert small.size == (10, 20)
    assert reddish(small.getpixel((5, 2))) and bluish(small.getpixel((5, 17)))


@pytest.mark.parametrize("name, content", [("sortie.png", tagged_png()), ("sortie.webp", tagged_webp())])
def test_png_and_webp_lose_their_metadata_too(staff_client, name, content):
    assert "exif" in PillowImage.open(io.BytesIO(content)).info  # the upload does carry some
    response = upload_image(staff_client, name, content, content_type=mimetypes.guess_type(name)[0])
    assert response.status_code == 302
    image = Image.objects.get()
    original = read_back(image.file)
    assert_no_private_metadata(original)
    assert original.size == (40, 20) and original.info.get("icc_profile") == srgb_profile()
    if name.endswith(".png"):
        assert original.tobytes() == landscape().tobytes()  # lossless stays lossless
    assert_no_private_metadata(read_back(image.get_rendition("width-20").file))


def test_an_animated_gif_keeps_its_frames_but_not_its_comment(staff_client):
    frames = [PillowImage.new("RGB", (10, 10), colour) for colour in ("red", "green", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=120, loop=0, comment=b"12 rue")
    assert upload_image(staff_client, "anim.gif", buffer.getvalue(), content_type="image/gif").status_code == 302
    original = read_back(Image.objects.get().file)
    assert original.n_frames == 3 and original.info.get("duration") == 120
    assert "comment" not in original.info


def test_every_accepted_image_format_is_one_the_metadata_is_stripped_from(settings):
    from pages.image_metadata import WRITTEN_AS

    for extension in settings.WAGTAILIMAGES_EXTENSIONS:
        pillow_format = PillowImage.registered_extensions()[f".{extension}"]
        assert pillow_format in WRITTEN_AS, extension


def test_images_stored_before_are_stripped_by_the_migration(db):
    """The data migration runs ``strip_stored_image`` over every image already stored (historical models)."""
    import importlib

    from django.core.files.base import ContentFile
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from tests.factories import ImageFactory

    image = ImageFactory()
    image.get_rendition("width-10")
    storage, name = image.file.storage, image.file.name
    storage.delete(name)
    assert storage.save(name, ContentFile(phone_jpeg())) == name  # as an upload before the fix left it
    assert "exif" in read_back(image.file).info

    migration = importlib.import_module("pages.migrations.0004_strip_image_metadata")
    state = MigrationExecutor(connection).loader.project_state(("pages", "0004_strip_image_metadata"))
    migration.strip_existing_images(state.apps, None)
    image.refresh_from_db()
    assert image.file.name == name and not image.renditions.exists()
    original = read_back(image.file)
    assert_no_private_metadata(original)
    assert original.size == (20, 40) == (image.width, image.height)
    assert_no_private_metadata(read_back(image.get_rendition("width-10").file))
