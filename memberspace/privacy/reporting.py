"""Error reports without the families' sensitive data.

Django's error emails to ADMINS (and its debug page) show the POST data and the
local variables of every frame. Health notes, emergency contacts and payment
details must never travel that way: this filter replaces every POST field and
every variable or dictionary key whose name says so, in addition to what
Django already hides (passwords, tokens, keys). ``DEFAULT_EXCEPTION_REPORTER_FILTER``
points here.
"""

import re

from django.views.debug import SafeExceptionReporterFilter

PERSONAL = re.compile(r"health|sant[eé]|emergency|urgence|m[eé]dical|allerg|iban|password|token", re.I)


class PersonalDataReporterFilter(SafeExceptionReporterFilter):
    def get_post_parameters(self, request):
        params = super().get_post_parameters(request)
        if not params:
            return params
        params = params.copy()
        for key in params:
            if PERSONAL.search(key):
                params[key] = self.cleansed_substitute
        return params

    def get_traceback_frame_variables(self, request, tb_frame):
        variables = super().get_traceback_frame_variables(request, tb_frame)
        return [(name, self.cleanse_personal(name, value)) for name, value in variables]

    def cleanse_personal(self, name, value):
        if isinstance(name, str) and PERSONAL.search(name):
            return self.cleansed_substitute
        if isinstance(value, dict):
            return {key: self.cleanse_personal(key, item) for key, item in value.items()}
        return value
