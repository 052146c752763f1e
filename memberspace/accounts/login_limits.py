"""Failed logins are counted per source and account, so that no one can lock someone else out.

allauth counts failed logins per "key", by default the address typed: five bad
passwords from anywhere then lock the account for everyone, the secretariat
included, even with the right password. Here allauth's ``login_failed`` limits
(``ACCOUNT_RATE_LIMITS``) count the source and the account together (the key is
the address typed *and* the visitor's IP, as allauth's per-IP limits see it,
behind the trusted proxies), ``login_failed_source_day`` bounds the same pair over
a day, and a much higher limit, ``login_failed_account``, counts the account
alone, whatever the source, to bound guessing spread over many addresses. A
source already locked out adds nothing to the account's count, so one source
cannot use up the account's budget; a successful login takes back its attempt
from every count (as allauth does); a password reset, the second way in, clears
the account's count and the resetting source's. Why these numbers:
docs/deployment.md, « Connexions refusées ».
"""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit
from django.utils.translation import gettext_lazy as _

SOURCE_DAY_ACTION = "login_failed_source_day"
ACCOUNT_ACTION = "login_failed_account"


class LoginLimitsMixin:
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": _(
            "Trop de tentatives de connexion échouées. Réessayez plus tard, "
            "ou choisissez un nouveau mot de passe avec « Mot de passe oublié ? »."
        ),
    }

    def _account_key(self, request, **credentials):
        """The account the attempt is for (allauth's own key: the site and the address typed, in lower case)."""
        return super()._get_login_attempts_cache_key(request, **credentials)

    def _get_login_attempts_cache_key(self, request, **credentials):
        """The key of allauth's ``login_failed`` limits: the account and the source together."""
        return f"{self._account_key(request, **credentials)}:{ratelimit.get_ip(request)}"

    def pre_authenticate(self, request, **credentials):
        # allauth's login_failed first (per source, then per account and source), then the
        # account and source over a day, the account alone last: an attempt refused by a
        # per-source limit never reaches the account's own count.
        super().pre_authenticate(request, **credentials)
        self._login_failed_more_usage = []
        for action, key in (
            (SOURCE_DAY_ACTION, self._get_login_attempts_cache_key(request, **credentials)),
            (ACCOUNT_ACTION, self._account_key(request, **credentials)),
        ):
            usage = ratelimit.consume(request, app="allauth.account", action=action, key=key)
            if not usage:
                self._rollback_login_failed_rl_usage()
                raise self.validation_error("too_many_login_attempts")
            self._login_failed_more_usage.append(usage)

    def _rollback_login_failed_rl_usage(self):
        super()._rollback_login_failed_rl_usage()
        for usage in getattr(self, "_login_failed_more_usage", []):
            usage.rollback()

    def _delete_login_attempts_cached_email(self, request, **credentials):
        super()._delete_login_attempts_cached_email(request, **credentials)
        for action, key in (
            (SOURCE_DAY_ACTION, self._get_login_attempts_cache_key(request, **credentials)),
            (ACCOUNT_ACTION, self._account_key(request, **credentials)),
        ):
            ratelimit.clear(request, app="allauth.account", action=action, key=key)
