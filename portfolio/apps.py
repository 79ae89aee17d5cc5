from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = _("Portfolio and curricula")

    def ready(self):
        from portfolio.readiness import store

        store.connect()
