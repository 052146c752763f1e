from django.db import migrations

MODELS = ["child", "guardianship", "legacycontact", "attachmentrequest", "invitation", "enrollment", "notification"]


def forget(apps, schema_editor):
    """Remove what Wagtail's reference index recorded of families' records (now ignored by it)."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    ReferenceIndex = apps.get_model("wagtailcore", "ReferenceIndex")
    types = ContentType.objects.filter(app_label="memberspace", model__in=MODELS)
    ReferenceIndex.objects.filter(content_type__in=types).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("memberspace", "0005_enrollments"),
        ("wagtailcore", "0096_referenceindex_referenceindex_source_object_and_more"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forget, migrations.RunPython.noop)]
