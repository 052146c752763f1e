import contextlib

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string

from memberspace.accounts.login_limits import LoginLimitsMixin
from memberspace.notifications.services import club_context, queue_email, render_text


class AccountAdapter(LoginLimitsMixin, DefaultAccountAdapter):
    """allauth's adapter: the parent's details saved at sign-up, emails through the outbox.

    ``send_mail`` writes a ``Notification`` row instead of talking to the SMTP
    server during the request: an SMTP outage delays a verification or a
    password-reset email, it never turns the page into an error. Failed logins are
    counted per source and account (``LoginLimitsMixin``).
    """

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        if hasattr(form, "apply_to"):
            form.apply_to(user)
        if commit:
            user.save()
        return user

    def get_login_redirect_url(self, request):
        if request.user.is_authenticated and not request.user.is_parent:
            return "/admin/"
        return super().get_login_redirect_url(request)

    def render_mail(self, template_prefix, email, context, headers=None):
        """allauth's messages are text: their subject and body rendered as such, nothing HTML-escaped.

        (allauth renders them with the default engine, which escapes whatever a
        template forgets to wrap in ``{% autoescape off %}``.)
        """
        request = allauth_context.request
        subject = " ".join(render_text(f"{template_prefix}_subject.txt", context, request).splitlines()).strip()
        body = render_text(f"{template_prefix}_message.txt", context, request).strip()
        to = [email] if isinstance(email, str) else email
        message = EmailMultiAlternatives(
            self.format_email_subject(subject), body, self.get_from_email(), to, headers=headers
        )
        # An HTML part of its own, if a template gives one (escaped, as HTML must be).
        with contextlib.suppress(TemplateDoesNotExist):
            html = render_to_string(f"{template_prefix}_message.html", context, request)
            message.attach_alternative(html, "text/html")
        return message

    def send_mail(self, template_prefix, email, context):
        context = {**club_context(), **context}
        message = self.render_mail(template_prefix, email, context)
        alternatives = getattr(message, "alternatives", [])
        html = next((content for content, mimetype in alternatives if mimetype == "text/html"), "")
        if not html:  # allauth's messages are text: give them the club's branded HTML too
            html = render_to_string("notifications/text_email.html", {**context, "body": message.body})
        user = context.get("user")
        queue_email(
            address=email,
            kind="compte/" + template_prefix.rsplit("/", 1)[-1],
            subject=message.subject,
            body_text=message.body,
            body_html=html,
            user=user if isinstance(user, get_user_model()) and user.pk else None,
        )
