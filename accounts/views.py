from axes.utils import reset as reset_login_failures
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Max, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts import oidc
from accounts.domain import administered_regions, policy_for, roles_of
from accounts.enums import Role
from accounts.forms import MandatoryCourseFormSet, RegionPolicyForm
from accounts.models import Region, Unit
from assessments.action_plans import has_open_action_plan, open_action_plan_count
from portfolio import queries
from portfolio.forms.service import WhatIfForm
from portfolio.intyg.workflow import certificates_to_sign
from portfolio.snapshot import due_next, start_page_status


class LoginView(auth_views.LoginView):
    """The password form, with the single sign-on button above it when that is enabled."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sso_enabled"] = settings.OIDC_ENABLED
        context["sso_button_text"] = settings.OIDC_BUTTON_TEXT
        return context


class LogoutView(auth_views.LogoutView):
    """Ends the session here; after a single sign-on, also the provider's when it has an end-session endpoint."""

    def post(self, request, *args, **kwargs):
        id_token = request.session.get("oidc_id_token")
        response = super().post(request, *args, **kwargs)
        provider_logout = oidc.end_session_url(request, id_token)
        return HttpResponseRedirect(provider_logout) if provider_logout else response


@login_required
def home(request):
    user = request.user
    own_trainee = queries.own_trainee(user)
    # The user's roles, read once, say which lists can hold anything: most people have none
    # of the studierektor's, the chef's or the administrator's.
    roles = {role for role, _region in roles_of(user)}
    leads = bool(roles & {Role.STUDY_DIRECTOR, Role.UNIT_HEAD})
    administers = user.is_superuser or Role.ADMINISTRATOR in roles
    # The annotations are built only for a list that can hold anything (each costs Python).
    led_units = Unit.objects.none()
    if leads:
        led_units = queries.led_units(user).annotate(
            open_action_plans=open_action_plan_count(),
            last_panel=Max("specialist_panels__date", filter=Q(specialist_panels__held_at__isnull=False)),
        )
    context = {
        "own_trainee": own_trainee,
        # The åtgärdsplan flag and count come from the same queries as the lists.
        "supervised": queries.supervised_trainees(user).annotate(has_open_action_plan=has_open_action_plan()),
        "led_units": led_units,
        "regions": administered_regions(user) if administers else Region.objects.none(),
        "certificates_to_sign": list(certificates_to_sign(user)),
    }
    if own_trainee is not None:
        # The ST-läkare's start page leads with the same figures as their own page, as stored
        # after the last change when that was today (it shows no delmål coverage).
        status = start_page_status(own_trainee)
        context.update(own_status=status, own_due_next=due_next(status), own_what_if=WhatIfForm())
    return render(request, "accounts/home.html", context)


@login_required
def region_list(request):
    regions = administered_regions(request.user).select_related("policy")
    if not regions:
        # Not an administrator: the page does not exist for them.
        raise Http404
    return render(request, "accounts/region_list.html", {"regions": regions})


@login_required
def region_policy_edit(request, code):
    region = get_object_or_404(administered_regions(request.user), code=code)
    policy = policy_for(region)
    form = RegionPolicyForm(request.POST or None, instance=policy)
    courses = MandatoryCourseFormSet(request.POST or None, instance=policy, prefix="courses")
    if request.method == "POST" and form.is_valid() and courses.is_valid():
        with transaction.atomic():
            policy = form.save(commit=False)
            policy.updated_by = request.user
            policy.save()
            courses.save()
        messages.success(request, _("The policy for %(region)s was saved.") % {"region": region.name})
        return redirect("region-policy", code=region.code)
    return render(request, "accounts/region_policy_form.html", {"region": region, "form": form, "courses": courses})


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Choosing a new password through the e-mailed link also lifts a login lockout.

    Only the owner of the account's e-mail address gets that link, so this lets a person who
    locked themselves out back in at once, and gives an attacker nothing.
    """

    def form_valid(self, form):
        response = super().form_valid(form)
        reset_login_failures(username=form.user.get_username())
        return response
