from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Assessments")

    def ready(self):
        from accounts.audit import register
        from assessments import models as m

        for model in (
            m.ActionPlan,
            m.Assessment,
            m.MidTermEvaluation,
            m.PanelReview,
            m.AssessmentRequest,
            m.SupervisorStatement,
        ):
            register(model)
        register(m.ActionPlanFollowUp, trainee="plan.trainee_id")
        register(m.AssessmentReflection, trainee="assessment.trainee_id")
        register(m.SpecialistPanel, trainee=None)

        from assessments.scale import part
        from portfolio.scale import register_scale

        register_scale(part)
