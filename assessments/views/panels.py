"""Specialistkollegium pages.

The unit's pages (enheter/<unit>/specialistkollegium/): the panels and when the next is
due, new, one panel with every ST-läkare, edit, the panel's form for one ST-läkare and
"mark as held". They are 404 for anyone who may not open the unit (see
assessments.panels.may_open_unit); writing needs assessments.manage_panel (403 otherwise).

The trainee's pages (st-lakare/<trainee>/specialistkollegium/): the trainee's reviews, and
the self-assessment form for the trainee. The panel's views are shown to the trainee's
readers only once the panel is held; the unit's leaders and the panel's specialists see them
before that.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.enums import Role
from accounts.models import Membership, Unit
from assessments import panels
from assessments.forms.panels import HeldConfirmForm, PanelForm, PanelReviewForm, SelfAssessmentForm
from assessments.models import PanelReview, SpecialistPanel
from portfolio.views.access import get_trainee, posted

OWN_RECORDS = "portfolio.change_own_records"
TEMPLATES = "assessments/panels/"


# --- access


def _get_unit(request, unit_pk, manage=False):
    """The unit if the user may open its panels (else 404) and, with `manage`, lead it (else 403)."""
    unit = get_object_or_404(Unit.objects.select_related("region"), pk=unit_pk)
    if not panels.may_open_unit(request.user, unit):
        raise Http404("No access to this unit's specialistkollegium")
    if manage and not panels.can_manage(request.user, unit):
        raise PermissionDenied
    return unit


def _get_panel(request, unit_pk, pk, manage=False):
    unit = _get_unit(request, unit_pk, manage)
    panel = get_object_or_404(panels.visible_panels(request.user, unit).select_related("held_by"), pk=pk)
    panel.unit = unit
    return unit, panel


def _to_detail(panel):
    return redirect("panel-detail", unit_pk=panel.unit_id, pk=panel.pk)


def _refuse_held(request, panel):
    messages.error(request, _("This specialistkollegium has been held and can no longer be changed."))
    return _to_detail(panel)


def _error(error):
    return " ".join(error.messages)


def _people(panel):
    return {
        "specialists": list(panel.specialists.order_by("name")),
        "unit_head": panel.unit_head,
        "study_director": panel.study_director,
    }


# --- the unit's pages


@login_required
def panel_list(request, unit_pk):
    unit = _get_unit(request, unit_pk)
    today = timezone.localdate()
    last = panels.last_panel_date(unit)
    context = {
        "unit": unit,
        "panels": list(panels.panels_for(request.user, unit)),
        "last_held": last,
        "due": panels.panel_due(last, today),
        "today": today,
        "can_manage": panels.can_manage(request.user, unit),
    }
    return render(request, TEMPLATES + "panel_list.html", context)


def _initial(unit, user):
    """The whole unit by default: every specialist, and the only chef or studierektor (or the user)."""
    form = PanelForm(unit=unit)
    heads = list(form.fields["unit_head"].queryset)
    directors = list(form.fields["study_director"].queryset)
    return {
        "date": timezone.localdate(),
        "specialists": list(form.fields["specialists"].queryset),
        "unit_head": user if user in heads else (heads[0] if len(heads) == 1 else None),
        "study_director": user if user in directors else (directors[0] if len(directors) == 1 else None),
    }


@login_required
def panel_create(request, unit_pk):
    unit = _get_unit(request, unit_pk, manage=True)
    form = PanelForm(
        posted(request), unit=unit, initial=None if request.method == "POST" else _initial(unit, request.user)
    )
    if request.method == "POST" and form.is_valid():
        panel = panels.create_panel(unit, by=request.user, **form.cleaned_data)
        messages.success(
            request,
            _("The specialistkollegium on %(date)s was created with %(count)s ST-läkare.")
            % {"date": f"{panel.date:%Y-%m-%d}", "count": panel.reviews.count()},
        )
        return _to_detail(panel)
    return render(request, TEMPLATES + "panel_form.html", {"unit": unit, "form": form})


@login_required
def panel_update(request, unit_pk, pk):
    unit, panel = _get_panel(request, unit_pk, pk, manage=True)
    if panel.is_held:
        return _refuse_held(request, panel)
    form = PanelForm(posted(request), unit=unit, instance=panel)
    if request.method == "POST" and form.is_valid():
        try:
            panels.update_panel(panel, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, _error(error))
        else:
            messages.success(request, _("The specialistkollegium was saved."))
        return _to_detail(panel)
    return render(request, TEMPLATES + "panel_form.html", {"unit": unit, "form": form, "panel": panel})


@login_required
def panel_detail(request, unit_pk, pk):
    unit, panel = _get_panel(request, unit_pk, pk)
    reviews = list(PanelReview.objects.filter(panel=panel).select_related("trainee__user", "trainee__main_supervisor"))
    insider = panels.sees_everything(request.user, panel)
    for review in reviews:
        review.areas = panels.area_rows(review)
        review.clinical = panels.focus_list(review.focus_clinical)
        review.non_clinical = panels.focus_list(review.focus_non_clinical)
    can_manage = panels.can_manage(request.user, unit)
    context = {
        "unit": unit,
        "panel": panel,
        "reviews": reviews,
        "show_views": insider or panel.is_held,
        "can_manage": can_manage and not panel.is_held,
        "missing_focus": panels.missing_focus(reviews),
        **_people(panel),
    }
    return render(request, TEMPLATES + "panel_detail.html", context)


def _previous_review(review):
    """The trainee's review from the latest held panel before this one: the focus areas agreed then."""
    previous = (
        PanelReview.objects.filter(
            trainee=review.trainee_id, panel__held_at__isnull=False, panel__date__lt=review.panel.date
        )
        .select_related("panel")
        .order_by("-panel__date")
        .first()
    )
    if previous is not None:
        previous.clinical = panels.focus_list(previous.focus_clinical)
        previous.non_clinical = panels.focus_list(previous.focus_non_clinical)
    return previous


@login_required
def panel_review(request, unit_pk, pk, review_pk):
    unit, panel = _get_panel(request, unit_pk, pk, manage=True)
    review = get_object_or_404(
        PanelReview.objects.filter(panel=panel).select_related("trainee__user", "trainee__main_supervisor"),
        pk=review_pk,
    )
    review.panel = panel
    if panel.is_held:
        return _refuse_held(request, panel)
    form = PanelReviewForm(posted(request), review=review)
    if request.method == "POST" and form.is_valid():
        try:
            panels.save_review(review, by=request.user, **form.domain_data())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The panel's view on %(name)s was saved.") % {"name": review.trainee.user.name})
            return _to_detail(panel)
    context = {"unit": unit, "panel": panel, "review": review, "form": form, "previous": _previous_review(review)}
    return render(request, TEMPLATES + "panel_review.html", context)


@login_required
def panel_held(request, unit_pk, pk):
    unit, panel = _get_panel(request, unit_pk, pk, manage=True)
    if panel.is_held:
        messages.error(request, _("This specialistkollegium has already been marked as held."))
        return _to_detail(panel)
    form = HeldConfirmForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            panels.mark_held(panel, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _(
                    "The specialistkollegium was marked as held. Each ST-läkare and their huvudhandledare "
                    "can now read the panel's views."
                ),
            )
            return _to_detail(panel)
    reviews = PanelReview.objects.filter(panel=panel).select_related("trainee__user")
    context = {"unit": unit, "panel": panel, "form": form, "missing_focus": panels.missing_focus(reviews)}
    return render(request, TEMPLATES + "panel_held.html", context)


# --- the trainee's pages


def _insider_panels(user, reviews):
    """The ids of the panels among `reviews` whose views `user` may read before they are held
    (two queries, however many panels)."""
    led = set(
        Membership.objects.filter(
            user=user, role__in=[Role.STUDY_DIRECTOR, Role.UNIT_HEAD], unit__isnull=False
        ).values_list("unit_id", flat=True)
    )
    open_ids = [r.panel_id for r in reviews if not r.panel.is_held]
    taking_part = (
        set(SpecialistPanel.objects.filter(pk__in=open_ids, specialists=user).values_list("pk", flat=True))
        if open_ids
        else set()
    )
    return {r.panel_id for r in reviews if r.panel.unit_id in led or r.panel_id in taking_part}


@login_required
def trainee_panel_list(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk)
    reviews = list(
        PanelReview.objects.filter(trainee=trainee)
        .select_related("panel", "panel__unit")
        .order_by("-panel__date", "-panel_id")
    )
    is_owner = trainee.user_id == request.user.pk
    insider = _insider_panels(request.user, reviews)
    for review in reviews:
        held = review.panel.is_held
        review.show_views = held or review.panel_id in insider
        # The trainee always sees their own text; others once it is submitted (or the panel held).
        review.show_self = is_owner or held or (review.panel_id in insider and review.self_assessment_at)
        review.can_write_self = is_owner and not held and review.self_assessment_at is None
        review.can_open_panel = review.panel_id in insider
        review.areas = panels.area_rows(review)
        review.clinical = panels.focus_list(review.focus_clinical)
        review.non_clinical = panels.focus_list(review.focus_non_clinical)
    context = {"trainee": trainee, "reviews": reviews, "is_owner": is_owner}
    return render(request, TEMPLATES + "trainee_panel_list.html", context)


@login_required
def trainee_panel_self(request, trainee_pk, review_pk):
    trainee = get_trainee(request, trainee_pk, OWN_RECORDS)
    review = get_object_or_404(
        PanelReview.objects.filter(trainee=trainee).select_related("panel", "panel__unit"), pk=review_pk
    )
    if review.panel.is_held or review.self_assessment_at is not None:
        messages.error(request, _("This self-assessment can no longer be changed."))
        return redirect("trainee-panel-list", trainee_pk=trainee.pk)
    form = SelfAssessmentForm(posted(request), initial={"text": review.self_assessment})
    if request.method == "POST" and form.is_valid():
        submit = form.cleaned_data["submit"]
        try:
            panels.save_self_assessment(review, by=request.user, text=form.cleaned_data["text"], submit=submit)
        except ValidationError as error:
            form.add_error("text", error)
        else:
            if submit:
                messages.success(request, _("Your self-assessment was submitted to the specialistkollegium."))
            else:
                messages.success(request, _("Your self-assessment was saved. Submit it when it is ready."))
            return redirect("trainee-panel-list", trainee_pk=trainee.pk)
    return render(request, TEMPLATES + "trainee_panel_self.html", {"trainee": trainee, "review": review, "form": form})
