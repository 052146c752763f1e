"""Strip the private metadata (GPS, EXIF, XMP, comments) from the images uploaded before it was stripped at upload.

Each original is rewritten in place (same name) and its renditions deleted:
Wagtail makes them again, from the clean original, when a page asks. Nothing
to undo: the metadata is gone on purpose.
"""

from django.db import migrations


def strip_existing_images(apps, schema_editor):
    from pages.image_metadata import strip_stored_image

    image_model = apps.get_model("wagtailimages", "Image")
    rendition_model = apps.get_model("wagtailimages", "Rendition")
    for image in image_model.objects.order_by("pk").iterator():
        strip_stored_image(image, rendition_model.objects.filter(image_id=image.pk))


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0003_offer_terms_permission"),
        ("wagtailimages", "0027_image_description"),
    ]

    operations = [
        migrations.RunPython(strip_existing_images, migrations.RunPython.noop, elidable=True),
    ]
