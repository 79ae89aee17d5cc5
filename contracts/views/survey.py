"""The anonymous survey's pages.

- /enkat/: the surveys the user is invited to that are open now, and the units whose
  surveys the user may follow.
- /enkat/enhet/<unit>/ and …/ny/: a unit's surveys, and a new one (its studierektor).
  404 for anyone who may not read the unit's results; 403 on "new" for its chef and
  administrators.
- /enkat/<survey>/svara/: the answer form, for invited people only (404 otherwise).
- /enkat/<survey>/resultat/: the results, for the unit's studierektor, chef and the
  region's administrators (404 otherwise, also for the invited).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

import contracts.rules_survey  # noqa: F401 -- registers the permissions used here
from accounts.domain import administered_regions
from accounts.enums import Role
from accounts.models import Unit
from contracts import survey as domain
from contracts.enums import SurveyGroup
from contracts.forms.survey import AnswerForm, SurveyForm
from contracts.models import Survey
from portfolio.views.access import posted

TEMPLATES = "contracts/survey/"


# --- access


def _may_read(user, unit):
    return user.has_perm(domain.RESULTS_PERM, unit)


def _get_unit(request, unit_pk, create=False):
    """The unit if the user may follow its surveys (else 404) and, with `create`, start one (else 403)."""
    unit = get_object_or_404(Unit.objects.select_related("region"), pk=unit_pk)
    if not _may_read(request.user, unit):
        raise Http404("No access to this unit's surveys")
    if create and not request.user.has_perm(domain.CREATE_PERM, unit):
        raise PermissionDenied
    return unit


def _followed_units(user):
    """Units whose surveys the user may follow: led ones, and those of administered regions."""
    led = Q(memberships__user=user, memberships__role__in=[Role.STUDY_DIRECTOR, Role.UNIT_HEAD])
    return (
        Unit.objects.filter(led | Q(region__in=administered_regions(user)))
        .select_related("region")
        .distinct()
        .order_by("region__name", "name")
    )


# --- views


@login_required
def survey_home(request):
    today = timezone.localdate()
    invitations = list(domain.open_invitations(request.user, today))
    context = {
        "to_answer": [invitation for invitation in invitations if not invitation.answered],
        "answered": [invitation for invitation in invitations if invitation.answered],
        "units": list(_followed_units(request.user)),
        "min_group": domain.MIN_GROUP,
    }
    return render(request, TEMPLATES + "home.html", context)


@login_required
def survey_list(request, unit_pk):
    unit = _get_unit(request, unit_pk)
    today = timezone.localdate()
    surveys = list(
        unit.surveys.annotate(
            invited=Count("invitations", distinct=True),
            answered=Count("invitations", filter=Q(invitations__answered=True), distinct=True),
        ).order_by("-opens_on", "-pk")
    )
    for survey in surveys:
        survey.state = domain.state(survey, today)
    context = {
        "unit": unit,
        "surveys": surveys,
        "can_create": request.user.has_perm(domain.CREATE_PERM, unit),
        "min_group": domain.MIN_GROUP,
    }
    return render(request, TEMPLATES + "survey_list.html", context)


@login_required
def survey_create(request, unit_pk):
    unit = _get_unit(request, unit_pk, create=True)
    form = SurveyForm(posted(request))
    if form.is_valid():
        try:
            survey = domain.create_survey(unit, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            count = survey.invitations.count()
            text = ngettext(
                "The survey “%(title)s” was created and %(count)s person was invited.",
                "The survey “%(title)s” was created and %(count)s people were invited.",
                count,
            )
            messages.success(request, text % {"title": survey.title, "count": count})
            return redirect("survey-list", unit_pk=unit.pk)
    counts = domain.group_counts(domain.invitees(unit))
    context = {
        "unit": unit,
        "form": form,
        "invited": [(group, label, counts[group]) for group, label in SurveyGroup.choices],
        "min_group": domain.MIN_GROUP,
    }
    return render(request, TEMPLATES + "survey_form.html", context)


@login_required
def survey_answer(request, survey_pk):
    survey = get_object_or_404(Survey.objects.select_related("unit"), pk=survey_pk)
    invitation = domain.invitation_for(request.user, survey)
    if invitation is None:
        raise Http404("Not invited to this survey")
    today = timezone.localdate()
    context = {"survey": survey, "invitation": invitation, "state": domain.state(survey, today)}
    if invitation.answered or context["state"] != "open":
        if request.method == "POST":
            messages.error(request, _refusal(invitation))
        return render(request, TEMPLATES + "answer.html", context)
    form = AnswerForm(posted(request), questions=domain.questions_for(survey, invitation.group))
    if form.is_valid():
        try:
            domain.submit_response(survey, by=request.user, answers=form.answers(), today=today)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Thank you! Your answers were saved anonymously."))
            return redirect("survey-home")
    context.update({"form": form, "group_label": invitation.get_group_display()})
    return render(request, TEMPLATES + "answer.html", context)


def _refusal(invitation):
    if invitation.answered:
        return _("You have already answered this survey.")
    return _("The survey is not open for answers.")


@login_required
def survey_results(request, survey_pk):
    survey = get_object_or_404(Survey.objects.select_related("unit__region"), pk=survey_pk)
    if not _may_read(request.user, survey.unit):
        raise Http404("No access to this survey's results")
    state = domain.state(survey, timezone.localdate())
    context = {
        "survey": survey,
        "unit": survey.unit,
        "state": state,
        # Only once closed: results that change while answers come in would let a reader
        # who compares two days see what the one person who answered in between said.
        "results_shown": state == "closed",
        "groups": domain.results(survey),
        "min_group": domain.MIN_GROUP,
        "steps": list(domain.scale_labels().items()),
    }
    return render(request, TEMPLATES + "results.html", context)
