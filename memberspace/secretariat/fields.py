"""Long free text, counted as it is typed and never cut by the browser.

Here, in the bottom layer, so that the secretariat's forms (a refusal's reason, sent
to the family) and the parents' (``memberspace.accounts.validators.LongTextField``)
share one implementation.
"""

from django import forms


class CountedTextField(forms.CharField):
    """Free text with a length limit said in a message, never by a ``maxlength`` attribute.

    A browser silently cuts pasted text at ``maxlength``: the end of a long message
    would be lost without a word. The limit is checked on the server, which answers
    with the field's French message and the whole text kept.

    The widget carries ``data-maxchars`` instead: static/js/char-counter.js shows a
    live counter under the field (« 1 234 caractères restants », « 120 caractères en
    trop »), with the texts of templates/includes/char_counter.html. Line breaks are
    counted as one character, as the counter counts them (a browser sends each one
    as two, CR LF).
    """

    widget = forms.Textarea

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n") if value else value

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        if self.max_length is not None:
            attrs["data-maxchars"] = str(self.max_length)
        return attrs
