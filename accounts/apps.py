from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _mark_session_seen(sender, request, user, **kwargs):
    # A fresh login counts as the session's last use (config.middleware.IdleSessionMiddleware).
    from config.middleware import mark_seen

    mark_seen(request.session)


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("People and organisation")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(_mark_session_seen, dispatch_uid="accounts.mark_session_seen")

        from accounts import lookups

        lookups.register()

        from accounts import models as m
        from accounts.audit import register

        # Who holds which role, and the region's rules: answerable like the portfolio records.
        register(m.Membership, trainee=None)
        register(m.RegionPolicy, trainee=None)
        register(m.MandatoryCourse, trainee=None)
