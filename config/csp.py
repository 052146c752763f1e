"""What a page adds to its Content-Security-Policy while it is built (read by config.middleware).

The member area may use this module (tests/test_layers.py, ``CONFIG_FOR_MEMBERS``): it imports nothing.
"""

# The request's attribute holding the origins its page's forms may lead to.
FORM_ACTIONS = "csp_form_actions"


def allow_form_action(request, origins):
    """Let the page answering ``request`` hold a form that leads to ``origins`` (a payment provider's pages).

    Called while the page is built (a view, a panel rendered in its template): the
    Content-Security-Policy middleware adds them to the page's ``form-action``.
    """
    allowed = getattr(request, FORM_ACTIONS, None)
    if allowed is None:
        allowed = set()
        setattr(request, FORM_ACTIONS, allowed)
    allowed.update(origins)
