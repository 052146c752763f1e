from django.db import models


class PrivateRecord(models.Model):
    """A family's record (or a message to one): kept out of Wagtail's reference index.

    A page's "Usage" tab, which the communication team sees, must not list the
    children enrolled in an offer; and the index would cost every save a few
    queries for nothing. Every model of the member area derives from this one.
    """

    wagtail_reference_index_ignore = True

    class Meta:
        abstract = True
