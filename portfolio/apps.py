from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = _("Portfolio and curricula")

    def ready(self):
        from accounts.audit import register
        from portfolio import models as m

        register(m.Trainee, trainee="pk")
        for model in (
            m.Course,
            m.OtherActivity,
            m.TrainingPlan,
            m.ServicePeriod,
            m.Leave,
            m.Certificate,
            m.FinalReview,
            m.Application,
            m.AnnualReport,
            m.AnnualVisit,
        ):
            register(model)
        # The notes of a handledning are for the trainee and the supervisor: the log says that
        # they changed, not what they say.
        register(m.SupervisionMeeting, private=["notes"])
        register(m.CertificateSignature, trainee="certificate.trainee_id")

        from portfolio.readiness import store

        store.connect()
