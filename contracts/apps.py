from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = _("Contracts and unit quality")

    def ready(self):
        from accounts.audit import register
        from contracts import models as m

        register(m.TrainingContract)
        register(m.ContractSignature, trainee="contract.trainee_id")
        # A unit's records. Not audited: the anonymous survey answers (an audit row would tie an
        # answer to a person and a time) and the derived criterion states.
        for model in (
            m.HiringEndorsement,
            m.CriteriaSet,
            m.Criterion,
            m.CriterionAttestation,
            m.Dispensation,
            m.UnitApproval,
            m.UnitActionPlan,
            m.UnitActionPlanFollowUp,
            m.Inspection,
            m.AreaGrade,
            m.ImprovementItem,
            m.UnitProfile,
            m.UnitStaff,
        ):
            register(model, trainee=None)

        # Importing these registers their reminder sources (portfolio.reminders), their
        # permission rules and the guards that keep signed and decided records as they are.
        from contracts import agreements, spur, survey, units  # noqa: F401
        from contracts.demo import seed
        from contracts.scale import part
        from portfolio.demo import register_seed
        from portfolio.scale import register_scale

        register_seed(seed)
        register_scale(part)
