from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = _("Contracts and unit quality")

    def ready(self):
        # Importing these registers their reminder sources (portfolio.reminders), their
        # permission rules and the guards that keep signed and decided records as they are.
        from contracts import agreements, spur, survey, units  # noqa: F401
        from contracts.demo import seed
        from contracts.scale import part
        from portfolio.demo import register_seed
        from portfolio.scale import register_scale

        register_seed(seed)
        register_scale(part)
