"""The anonymous pre-inspection survey.

Who was invited and whether they have answered (SurveyInvitation) is stored apart from
what was answered (SurveyResponse, SurveyAnswer): no column links the two, responses
carry no person and no time finer than the survey itself, so nobody — not even the
database administrator — can tell who answered what.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from contracts.enums import SurveyGroup


class Survey(models.Model):
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="surveys")
    title = models.CharField(_("title"), max_length=200)
    question_set = models.CharField(_("question set"), max_length=60, default="spur-2026")
    opens_on = models.DateField(_("opens"))
    closes_on = models.DateField(_("closes"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["unit", "-opens_on"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self):
        return self.title


class SurveyInvitation(models.Model):
    """An invited person, and only whether they have answered."""

    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    group = models.CharField(_("group"), max_length=16, choices=SurveyGroup.choices)
    answered = models.BooleanField(_("has answered"), default=False)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [models.UniqueConstraint(fields=["survey", "user"], name="survey_invitation_once")]

    def __str__(self):
        return f"{self.survey} {self.user_id}"


class SurveyResponse(models.Model):
    """One anonymous set of answers: the group, nothing about the person."""

    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="responses")
    group = models.CharField(_("group"), max_length=16, choices=SurveyGroup.choices)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")

    def __str__(self):
        return f"{self.survey} {self.group}"


class SurveyAnswer(models.Model):
    response = models.ForeignKey(
        SurveyResponse, verbose_name=_("response"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.CharField(_("question"), max_length=40)
    value = models.PositiveSmallIntegerField(_("value"), null=True, blank=True)
    text = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="survey_answer_once")]

    def __str__(self):
        return f"{self.question}"
