from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth import get_user_model

from memberspace.services.notifications import queue_email


class AccountAdapter(DefaultAccountAdapter):
    """allauth's adapter, sending its emails through the notifications outbox.

    ``send_mail`` writes a ``Notification`` row instead of talking to the SMTP
    server during the request: an SMTP outage delays a verification or a
    password-reset email, it never turns the page into an error.
    """

    def send_mail(self, template_prefix, email, context):
        message = self.render_mail(template_prefix, email, context)
        html = next(
            (content for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), ""
        )
        user = context.get("user")
        queue_email(
            address=email,
            kind="compte/" + template_prefix.rsplit("/", 1)[-1],
            subject=message.subject,
            body_text=message.body,
            body_html=html,
            user=user if isinstance(user, get_user_model()) and user.pk else None,
        )
