"""Handledarutlåtanden: the list with when the yearly one is due, new (yearly or BT summary),
detail, edit, sign (a confirmation page) and delete a draft.

Everyone who may see the trainee reads the signed statements; a draft exists only for its
author (404 for anyone else). Writing needs assessments.write_statement (the huvudhandledare);
a reader who tries gets 403. The changes go through assessments/statements.py.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.domain import policy_for
from assessments import statements
from assessments.enums import StatementKind
from assessments.forms.statements import SignConfirmForm, StatementForm, goal_groups, group_label
from portfolio.enums import GoalGroup
from portfolio.reviews import next_visit_for
from portfolio.views.access import get_trainee, posted

WRITE = statements.WRITE_PERM
TEMPLATES = "assessments/statements/"


def _get_statement(request, trainee_pk, pk, perm=None):
    """The trainee (404 outside visibility, 403 without `perm`) and a statement the user may read."""
    trainee = get_trainee(request, trainee_pk, perm)
    statement = get_object_or_404(statements.visible_statements(trainee, request.user), pk=pk)
    return trainee, statement


def _to_detail(statement):
    return redirect("statement-detail", trainee_pk=statement.trainee_id, pk=statement.pk)


def _refuse_signed(request, statement, message):
    messages.error(request, message)
    return _to_detail(statement)


def _progress_rows(statement):
    """[(label, text)] in the målbeskrivning's order; a group no longer in it comes last."""
    progress = dict(statement.progress or {})
    rows = [
        (group_label(group, codes), progress.pop(group, ""))
        for group, codes in goal_groups(statement.trainee, statement.kind)
    ]
    for group, text in progress.items():
        label = GoalGroup(group).label if group in GoalGroup.values else group
        rows.append((_("Delmål %(group)s") % {"group": label}, text))
    return rows


def _statement_context(trainee, statement):
    return {"trainee": trainee, "statement": statement, "progress": _progress_rows(statement)}


# --- reading


@login_required
def statement_list(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk)
    items = list(statements.visible_statements(trainee, request.user))
    interval = policy_for(trainee.unit.region).annual_visit_interval_months
    signed_annual = [
        timezone.localdate(item.signed_at) for item in items if item.is_signed and item.kind == StatementKind.ANNUAL
    ]
    today = timezone.localdate()
    context = {
        "trainee": trainee,
        "statements": items,
        "due": statements.statement_due(signed_annual, next_visit_for(trainee, interval), interval, today),
        "interval": interval,
        "can_write": request.user.has_perm(WRITE, trainee),
        "offers_bt": statements.has_bt(trainee),
    }
    return render(request, TEMPLATES + "statement_list.html", context)


@login_required
def statement_detail(request, trainee_pk, pk):
    trainee, statement = _get_statement(request, trainee_pk, pk)
    context = _statement_context(trainee, statement)
    context["can_change"] = (
        not statement.is_signed and statement.author_id == request.user.pk and request.user.has_perm(WRITE, trainee)
    )
    return render(request, TEMPLATES + "statement_detail.html", context)


# --- writing


def _form_page(request, trainee, statement):
    form = StatementForm(posted(request), instance=statement)
    if request.method == "POST" and form.is_valid():
        try:
            statements.save_draft(form, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("The handledarutlåtande was saved as a draft. Only you can see it until you sign it.")
            )
            return _to_detail(form.instance)
    return render(
        request, TEMPLATES + "statement_form.html", {"trainee": trainee, "statement": statement, "form": form}
    )


@login_required
def statement_create(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk, WRITE)
    kind = request.GET.get("kind") or StatementKind.ANNUAL
    if kind not in StatementKind.values:
        raise Http404("Unknown kind of statement")
    try:
        statement = statements.start_statement(trainee, by=request.user, kind=kind)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("statement-list", trainee_pk=trainee.pk)
    return _form_page(request, trainee, statement)


@login_required
def statement_update(request, trainee_pk, pk):
    trainee, statement = _get_statement(request, trainee_pk, pk, WRITE)
    if statement.is_signed:
        return _refuse_signed(
            request, statement, _("This handledarutlåtande has been signed and can no longer be changed.")
        )
    return _form_page(request, trainee, statement)


@login_required
def statement_sign(request, trainee_pk, pk):
    trainee, statement = _get_statement(request, trainee_pk, pk, WRITE)
    if statement.is_signed:
        return _refuse_signed(request, statement, _("This handledarutlåtande has already been signed."))
    form = SignConfirmForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            statements.sign_statement(statement, by=request.user)
        except ValidationError as error:
            form.add_error(
                None,
                _("The draft is not complete: %(errors)s Edit it before signing.")
                % {"errors": " ".join(error.messages)},
            )
        else:
            messages.success(request, _("The handledarutlåtande was signed. It can no longer be changed."))
            return _to_detail(statement)
    context = _statement_context(trainee, statement)
    context["form"] = form
    return render(request, TEMPLATES + "statement_sign.html", context)


@login_required
def statement_delete(request, trainee_pk, pk):
    trainee, statement = _get_statement(request, trainee_pk, pk, WRITE)
    if statement.is_signed:
        return _refuse_signed(request, statement, _("A signed handledarutlåtande cannot be deleted."))
    if request.method == "POST":
        statements.delete_draft(statement, by=request.user)
        messages.success(request, _("The draft was deleted."))
        return redirect("statement-list", trainee_pk=trainee.pk)
    return render(request, TEMPLATES + "statement_confirm_delete.html", {"trainee": trainee, "statement": statement})
