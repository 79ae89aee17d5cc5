"""Handledarutlåtanden: the domain functions, when the yearly one is due, and the pages per persona."""

from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.domain import policy_for
from accounts.models import AuditEvent
from assessments import statements
from assessments.enums import OnTrack, SignedStatus, StatementKind
from assessments.forms.statements import StatementForm
from assessments.models import SupervisorStatement
from portfolio.enums import BTMode, RegulationCode, ServiceKind
from portfolio.models import FrozenRecordError
from portfolio.timecalc import add_months
from tests.assessments.factories import SupervisorStatementFactory
from tests.factories import regulation
from tests.portfolio.factories_activities import AnnualVisitFactory, persona_user
from tests.portfolio.factories_service import ServicePeriodFactory

pytestmark = pytest.mark.django_db

READERS = ["owner", "supervisor", "second_specialist", "study_director", "unit_head", "region_admin", "national_admin"]
NOT_THE_SUPERVISOR = ["owner", "second_specialist", "study_director", "unit_head", "region_admin"]
OUTSIDERS = ["outsider", "other_supervisor", "other_study_director", "other_trainee", "other_region_admin"]
WRITE_VIEWS = ["statement-create", "statement-update", "statement-sign", "statement-delete"]

SIGNED_STRENGTHS = "Trygg i mötet med patienten."
DRAFT_STRENGTHS = "Halvfärdig text om akuta bedömningar"


@pytest.fixture
def signed(trainee):
    return SupervisorStatementFactory(
        trainee=trainee, strengths=SIGNED_STRENGTHS, progress={"a": "Ledarskapskursen klar i våras."}
    )


@pytest.fixture
def draft(trainee):
    return SupervisorStatementFactory(
        trainee=trainee, status=SignedStatus.DRAFT, signed_at=None, strengths=DRAFT_STRENGTHS
    )


@pytest.fixture
def bt_trainee(trainee):
    """The persona trainee under HSLF-FS 2021:8 with BT integrated in ST."""
    trainee.regulation = regulation(RegulationCode.HSLF_FS_2021_8)
    trainee.bt_mode = BTMode.INTEGRATED
    trainee.save(update_fields=["regulation", "bt_mode"])
    return trainee


def url(name, trainee, pk=None, query=""):
    args = [trainee.pk] if pk is None else [trainee.pk, pk]
    return reverse(name, args=args) + query


def form_data(**overrides):
    data = {
        "period_start": "2024-09-01",
        "period_end": "2025-08-31",
        "progress_a": "Har gått ledarskapskursen.",
        "progress_b": "",
        "progress_c": "Självständig på mottagningen med multisjuka äldre.",
        "strengths": "Strukturerad och lugn.",
        "to_develop": "Prioritera bland många sökorsaker.",
        "on_track": OnTrack.YES,
        "risk_note": "",
    }
    data.update(overrides)
    return data


def events(statement, action):
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(SupervisorStatement), target_id=statement.pk, action=action
    )


# --- when the yearly statement is due (pure)


@pytest.mark.parametrize(
    ("signed_dates", "today", "done", "overdue"),
    [
        ([], date(2026, 1, 10), False, False),
        ([], date(2026, 3, 2), False, True),
        ([date(2025, 12, 1)], date(2026, 3, 2), True, False),
        # Last year's statement belongs to the previous årsbesök.
        ([date(2024, 12, 1)], date(2026, 1, 10), False, False),
        # Signed on the day of the previous årsbesök: that visit's, not this one's.
        ([date(2025, 3, 1)], date(2026, 1, 10), False, False),
        ([date(2025, 3, 2)], date(2026, 1, 10), True, False),
        ([date(2026, 3, 1)], date(2026, 3, 1), True, False),
        # Signed late, before the årsbesök has been recorded: done, no longer overdue.
        ([date(2026, 3, 10)], date(2026, 3, 12), True, False),
        ([date(2024, 5, 1), date(2025, 6, 1)], date(2026, 4, 1), True, False),
    ],
)
def test_statement_due(signed_dates, today, done, overdue):
    due = statements.statement_due(signed_dates, date(2026, 3, 1), 12, today)

    assert due == statements.StatementDue(due=date(2026, 3, 1), done=done, overdue=overdue)


def test_statement_due_follows_a_shorter_interval():
    assert statements.statement_due([date(2025, 8, 1)], date(2026, 2, 28), 6, date(2026, 1, 1)).done is False
    assert statements.statement_due([date(2025, 9, 1)], date(2026, 2, 28), 6, date(2026, 1, 1)).done is True


# --- domain


def test_start_statement_suggests_the_period_after_the_latest_yearly_one(trainee, signed):
    statement = statements.start_statement(trainee, by=trainee.main_supervisor)

    assert statement.pk is None
    assert (statement.period_start, statement.period_end) == (
        signed.period_end + timedelta(days=1),
        timezone.localdate(),
    )
    assert (statement.kind, statement.author) == (StatementKind.ANNUAL, trainee.main_supervisor)


def test_start_statement_without_earlier_ones_counts_from_the_start_of_st(trainee):
    assert statements.start_statement(trainee, by=trainee.main_supervisor).period_start == trainee.st_start


@pytest.mark.parametrize("persona", ["owner", "study_director", "second_specialist"])
def test_only_the_main_supervisor_starts_a_statement(request, trainee, persona):
    with pytest.raises(PermissionDenied):
        statements.start_statement(trainee, by=persona_user(request, persona))


def test_bt_summary_is_refused_without_bt(trainee):
    with pytest.raises(ValidationError) as error:
        statements.start_statement(trainee, by=trainee.main_supervisor, kind=StatementKind.BT_PLACEMENT)

    assert error.value.code == "no_bt"


def test_the_author_signs_a_draft(draft):
    before = timezone.now()

    statements.sign_statement(draft, by=draft.author)

    draft.refresh_from_db()
    assert draft.status == SignedStatus.SIGNED
    assert draft.signed_at >= before
    event = events(draft, "statement.signed").get()
    assert (event.actor, event.data["kind"]) == (draft.author, StatementKind.ANNUAL)


def test_a_statement_is_signed_once(signed):
    first = signed.signed_at

    with pytest.raises(ValidationError) as error:
        statements.sign_statement(signed, by=signed.author)

    assert error.value.code == "signed"
    signed.refresh_from_db()
    assert signed.signed_at == first


@pytest.mark.parametrize("persona", ["owner", "study_director"])
def test_nobody_but_the_author_signs(request, draft, persona):
    with pytest.raises(PermissionDenied):
        statements.sign_statement(draft, by=persona_user(request, persona))

    draft.refresh_from_db()
    assert draft.status == SignedStatus.DRAFT


def test_a_draft_at_risk_without_a_note_cannot_be_signed(draft):
    SupervisorStatement.objects.filter(pk=draft.pk).update(at_risk=True, risk_note="  ")

    with pytest.raises(ValidationError) as error:
        statements.sign_statement(draft, by=draft.author)

    assert "risk_note" in error.value.message_dict
    draft.refresh_from_db()
    assert (draft.status, draft.signed_at) == (SignedStatus.DRAFT, None)


def test_risk_without_a_note_is_refused_by_the_model(trainee):
    statement = SupervisorStatementFactory.build(trainee=trainee, at_risk=True, risk_note="")

    with pytest.raises(ValidationError) as error:
        statement.full_clean()

    assert list(error.value.message_dict) == ["risk_note"]


def test_a_signed_statement_refuses_save_and_delete(signed):
    signed.strengths = "Ändrat i efterhand"

    with pytest.raises(FrozenRecordError):
        signed.save()
    with pytest.raises(FrozenRecordError):
        signed.delete()

    signed.refresh_from_db()
    assert signed.strengths == SIGNED_STRENGTHS


def test_a_signed_statement_refuses_delete_draft(signed):
    with pytest.raises(ValidationError):
        statements.delete_draft(signed, by=signed.author)

    assert SupervisorStatement.objects.filter(pk=signed.pk).exists()


def test_the_author_deletes_a_draft_and_it_is_logged(draft):
    pk = draft.pk

    statements.delete_draft(draft, by=draft.author)

    assert not SupervisorStatement.objects.filter(pk=pk).exists()
    assert AuditEvent.objects.filter(action="statement.draft_deleted", target_id=pk).count() == 1


def test_latest_signed_ignores_drafts_and_older_statements(trainee, draft):
    old = SupervisorStatementFactory(trainee=trainee, signed_at=timezone.now() - timedelta(days=400))
    new = SupervisorStatementFactory(trainee=trainee, kind=StatementKind.ANNUAL)

    assert statements.latest_signed(trainee) == new
    assert statements.latest_signed(trainee, StatementKind.BT_PLACEMENT) is None
    assert old != new


def test_save_draft_refuses_another_authors_draft(trainee, draft, request):
    form = StatementForm(form_data(), instance=draft)
    assert form.is_valid(), form.errors
    SupervisorStatement.objects.filter(pk=draft.pk).update(author=persona_user(request, "second_specialist"))

    with pytest.raises(PermissionDenied):
        statements.save_draft(form, by=trainee.main_supervisor)

    draft.refresh_from_db()
    assert draft.strengths == DRAFT_STRENGTHS


# --- the list


@pytest.mark.parametrize("persona", READERS)
def test_list_shows_signed_statements_to_every_reader(client, request, signed, draft, persona):
    client.force_login(persona_user(request, persona))

    response = client.get(url("statement-list", signed.trainee))

    assert response.status_code == 200
    shown = response.context["statements"]
    assert signed in shown
    # A draft exists only for its author.
    assert (draft in shown) is (persona == "supervisor")
    content = response.content.decode()
    assert url("statement-detail", signed.trainee, signed.pk) in content
    assert (url("statement-detail", signed.trainee, draft.pk) in content) is (persona == "supervisor")
    assert response.context["can_write"] is (persona == "supervisor")
    assert (url("statement-create", signed.trainee) in content) is (persona == "supervisor")


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_list_and_detail_are_404_for_outsiders(client, request, signed, persona):
    client.force_login(persona_user(request, persona))

    listing = client.get(url("statement-list", signed.trainee))
    detail = client.get(url("statement-detail", signed.trainee, signed.pk))

    assert (listing.status_code, detail.status_code) == (404, 404)
    assert SIGNED_STRENGTHS not in detail.content.decode()


def test_list_shows_the_statement_due_by_the_next_visit(client, trainee):
    today = timezone.localdate()
    AnnualVisitFactory(trainee=trainee, date=today - timedelta(days=30))
    client.force_login(trainee.user)

    response = client.get(url("statement-list", trainee))

    due = response.context["due"]
    assert due.due == add_months(today - timedelta(days=30), 12)
    assert (due.done, due.overdue) == (False, False)
    assert f"{due.due:%Y-%m-%d}" in response.content.decode()


def test_list_shows_the_yearly_statement_as_done_once_signed(client, trainee):
    AnnualVisitFactory(trainee=trainee, date=timezone.localdate() - timedelta(days=30))
    SupervisorStatementFactory(trainee=trainee)
    client.force_login(trainee.user)

    response = client.get(url("statement-list", trainee))

    assert response.context["due"].done is True
    assert "flag flag-ok" in response.content.decode()


def test_list_shows_an_overdue_statement(client, trainee):
    # ST started 2023-09-01 with no årsbesök: the first was due 2024-09-01.
    client.force_login(trainee.main_supervisor)

    response = client.get(url("statement-list", trainee))

    assert response.context["due"] == statements.StatementDue(due=date(2024, 9, 1), done=False, overdue=True)
    assert '<span class="flag flag-error">⚠' in response.content.decode()


@pytest.mark.parametrize("count", [1, 3])
def test_list_query_count_does_not_grow(client, django_assert_num_queries, trainee, count):
    policy_for(trainee.unit.region)
    for n in range(count):
        SupervisorStatementFactory(
            trainee=trainee, period_start=date(2020 + n, 1, 1), period_end=date(2020 + n, 12, 31)
        )
        SupervisorStatementFactory(trainee=trainee, status=SignedStatus.DRAFT, signed_at=None)
    client.force_login(trainee.main_supervisor)

    # session, user, national-admin check, trainee, statements with author and placement,
    # policy, latest årsbesök
    with django_assert_num_queries(7):
        response = client.get(url("statement-list", trainee))

    assert len(response.context["statements"]) == 2 * count


# --- detail


@pytest.mark.parametrize("persona", READERS)
def test_detail_shows_a_signed_statement_with_its_progress(client, request, signed, persona):
    client.force_login(persona_user(request, persona))

    response = client.get(url("statement-detail", signed.trainee, signed.pk))

    content = response.content.decode()
    assert SIGNED_STRENGTHS in content
    assert "Ledarskapskursen klar i våras." in content
    assert "Delmål a (a1–a6)" in content
    assert url("statement-sign", signed.trainee, signed.pk) not in content
    assert url("statement-update", signed.trainee, signed.pk) not in content


@pytest.mark.parametrize("persona", ["owner", "second_specialist", "study_director", "unit_head", "region_admin"])
def test_a_draft_is_404_for_everyone_but_its_author(client, request, draft, persona):
    client.force_login(persona_user(request, persona))

    response = client.get(url("statement-detail", draft.trainee, draft.pk))

    assert response.status_code == 404
    assert DRAFT_STRENGTHS not in response.content.decode()


def test_the_author_sees_a_draft_with_its_actions(client, draft):
    client.force_login(draft.author)

    response = client.get(url("statement-detail", draft.trainee, draft.pk))

    content = response.content.decode()
    assert DRAFT_STRENGTHS in content
    assert response.context["can_change"] is True
    for name in ["statement-sign", "statement-update", "statement-delete"]:
        assert url(name, draft.trainee, draft.pk) in content


# --- writing


def test_the_form_has_one_text_per_delmal_group(client, trainee):
    client.force_login(trainee.main_supervisor)

    response = client.get(url("statement-create", trainee))

    form = response.context["form"]
    assert form.progress_names == ["progress_a", "progress_b", "progress_c"]
    assert [field.label for field in form.progress_fields] == [
        "Delmål a (a1–a6)",
        "Delmål b (b1–b5)",
        "Delmål c (c1–c14)",
    ]
    assert "service_period" not in form.fields
    content = response.content.decode()
    assert 'for="id_progress_a"' in content
    assert form["period_start"].value() == trainee.st_start


def test_the_supervisor_writes_a_draft(client, trainee):
    client.force_login(trainee.main_supervisor)

    response = client.post(url("statement-create", trainee), form_data())

    statement = SupervisorStatement.objects.get(trainee=trainee)
    assert response["Location"] == url("statement-detail", trainee, statement.pk)
    assert statement.status == SignedStatus.DRAFT
    assert statement.author == trainee.main_supervisor
    assert statement.kind == StatementKind.ANNUAL
    assert statement.progress == {
        "a": "Har gått ledarskapskursen.",
        "c": "Självständig på mottagningen med multisjuka äldre.",
    }
    assert (statement.period_start, statement.period_end) == (date(2024, 9, 1), date(2025, 8, 31))
    assert events(statement, "statement.created").count() == 1


def test_a_statement_at_risk_keeps_its_note(client, trainee):
    client.force_login(trainee.main_supervisor)

    client.post(
        url("statement-create", trainee),
        form_data(on_track=OnTrack.PARTLY, at_risk="on", risk_note="Få kompetensvärderingar i c-delmålen."),
    )

    statement = SupervisorStatement.objects.get(trainee=trainee)
    assert (statement.on_track, statement.at_risk, statement.risk_note) == (
        OnTrack.PARTLY,
        True,
        "Få kompetensvärderingar i c-delmålen.",
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"at_risk": "on", "risk_note": ""}, "risk_note"),
        ({"period_start": "2025-09-01", "period_end": "2025-08-31"}, "period_end"),
        ({"on_track": ""}, "on_track"),
        ({"on_track": "perhaps"}, "on_track"),
        ({"period_start": "31/12/2024"}, "period_start"),
        (
            {"progress_a": "", "progress_c": "", "strengths": " ", "to_develop": ""},
            "__all__",
        ),
    ],
)
def test_bad_input_shows_an_error_and_saves_nothing(client, trainee, overrides, field):
    client.force_login(trainee.main_supervisor)

    response = client.post(url("statement-create", trainee), form_data(**overrides))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert 'class="errorlist' in response.content.decode()
    assert not SupervisorStatement.objects.exists()


def test_the_author_edits_a_draft(client, draft):
    client.force_login(draft.author)

    client.post(url("statement-update", draft.trainee, draft.pk), form_data(strengths="Omskrivet."))

    draft.refresh_from_db()
    assert (draft.strengths, draft.status) == ("Omskrivet.", SignedStatus.DRAFT)
    assert events(draft, "statement.updated").count() == 1


def test_a_signed_statement_is_not_edited(client, signed):
    client.force_login(signed.author)

    get = client.get(url("statement-update", signed.trainee, signed.pk))
    post = client.post(url("statement-update", signed.trainee, signed.pk), form_data(strengths="Ändrat"))

    detail = url("statement-detail", signed.trainee, signed.pk)
    assert (get["Location"], post["Location"]) == (detail, detail)
    signed.refresh_from_db()
    assert signed.strengths == SIGNED_STRENGTHS


def test_sign_page_asks_for_confirmation(client, draft):
    client.force_login(draft.author)

    response = client.get(url("statement-sign", draft.trainee, draft.pk))

    content = response.content.decode()
    assert DRAFT_STRENGTHS in content
    assert 'name="confirm"' in content
    draft.refresh_from_db()
    assert draft.status == SignedStatus.DRAFT


def test_signing_without_the_confirmation_is_refused(client, draft):
    client.force_login(draft.author)

    response = client.post(url("statement-sign", draft.trainee, draft.pk), {})

    assert "confirm" in response.context["form"].errors
    draft.refresh_from_db()
    assert (draft.status, draft.signed_at) == (SignedStatus.DRAFT, None)


def test_the_author_signs_through_the_page(client, draft):
    client.force_login(draft.author)

    response = client.post(url("statement-sign", draft.trainee, draft.pk), {"confirm": "on"}, follow=True)

    draft.refresh_from_db()
    assert draft.status == SignedStatus.SIGNED
    assert response.redirect_chain == [(url("statement-detail", draft.trainee, draft.pk), 302)]
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    # Now the trainee reads it.
    client.force_login(draft.trainee.user)
    assert DRAFT_STRENGTHS in client.get(url("statement-detail", draft.trainee, draft.pk)).content.decode()


def test_an_incomplete_draft_is_not_signed_through_the_page(client, draft):
    SupervisorStatement.objects.filter(pk=draft.pk).update(at_risk=True, risk_note="")
    client.force_login(draft.author)

    response = client.post(url("statement-sign", draft.trainee, draft.pk), {"confirm": "on"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    draft.refresh_from_db()
    assert draft.status == SignedStatus.DRAFT


def test_the_author_deletes_a_draft_after_confirming(client, draft):
    client.force_login(draft.author)

    confirm = client.get(url("statement-delete", draft.trainee, draft.pk))
    assert SupervisorStatement.objects.filter(pk=draft.pk).exists()
    response = client.post(url("statement-delete", draft.trainee, draft.pk))

    assert "2024-09-01" in confirm.content.decode()
    assert response["Location"] == url("statement-list", draft.trainee)
    assert not SupervisorStatement.objects.filter(pk=draft.pk).exists()


def test_a_signed_statement_is_not_deleted_through_the_page(client, signed):
    client.force_login(signed.author)

    response = client.post(url("statement-delete", signed.trainee, signed.pk))

    assert response["Location"] == url("statement-detail", signed.trainee, signed.pk)
    assert SupervisorStatement.objects.filter(pk=signed.pk).exists()


@pytest.mark.parametrize("persona", NOT_THE_SUPERVISOR)
@pytest.mark.parametrize("name", WRITE_VIEWS)
def test_writing_is_403_for_readers_who_are_not_the_supervisor(client, request, draft, signed, persona, name):
    client.force_login(persona_user(request, persona))
    pk = None if name == "statement-create" else draft.pk

    get = client.get(url(name, draft.trainee, pk))
    post = client.post(url(name, draft.trainee, pk), form_data(strengths="Ändrat") | {"confirm": "on"})

    assert (get.status_code, post.status_code) == (403, 403)
    draft.refresh_from_db()
    assert (draft.strengths, draft.status) == (DRAFT_STRENGTHS, SignedStatus.DRAFT)
    assert SupervisorStatement.objects.count() == 2


@pytest.mark.parametrize("persona", OUTSIDERS)
@pytest.mark.parametrize("name", WRITE_VIEWS)
def test_writing_is_404_for_outsiders(client, request, draft, persona, name):
    client.force_login(persona_user(request, persona))
    pk = None if name == "statement-create" else draft.pk

    response = client.post(url(name, draft.trainee, pk), form_data(strengths="Ändrat") | {"confirm": "on"})

    assert response.status_code == 404
    draft.refresh_from_db()
    assert (draft.strengths, draft.status) == (DRAFT_STRENGTHS, SignedStatus.DRAFT)
    assert SupervisorStatement.objects.count() == 1


@pytest.mark.parametrize("name", ["statement-list", "statement-create", "statement-detail"])
def test_anonymous_is_sent_to_login(client, signed, name):
    pk = signed.pk if name == "statement-detail" else None

    response = client.get(url(name, signed.trainee, pk))

    assert response["Location"].startswith(reverse("login"))


# --- the BT summary


def test_no_bt_summary_is_offered_without_bt(client, trainee):
    client.force_login(trainee.main_supervisor)

    page = client.get(url("statement-list", trainee))
    response = client.get(url("statement-create", trainee, query="?kind=bt_placement"))

    assert "kind=bt_placement" not in page.content.decode()
    assert response["Location"] == url("statement-list", trainee)
    assert not SupervisorStatement.objects.exists()


def test_the_bt_summary_covers_a_bt_placement(client, bt_trainee):
    placement = ServicePeriodFactory(
        trainee=bt_trainee, kind=ServiceKind.BT_ACUTE, start=date(2024, 2, 1), end=date(2024, 7, 31)
    )
    ServicePeriodFactory(trainee=bt_trainee, kind=ServiceKind.MAIN, start=date(2024, 8, 1), end=date(2024, 12, 31))
    client.force_login(bt_trainee.main_supervisor)

    page = client.get(url("statement-list", bt_trainee))
    form_page = client.get(url("statement-create", bt_trainee, query="?kind=bt_placement"))
    response = client.post(
        url("statement-create", bt_trainee, query="?kind=bt_placement"),
        {
            "service_period": placement.pk,
            "progress_BT": "BT-delmålen för akutsjukvård är uppnådda.",
            "strengths": "Snabb i akuta lägen.",
            "on_track": OnTrack.YES,
        },
    )

    assert "kind=bt_placement" in page.content.decode()
    form = form_page.context["form"]
    assert form.progress_names == ["progress_BT"]
    assert list(form.fields["service_period"].queryset) == [placement]
    statement = SupervisorStatement.objects.get(trainee=bt_trainee)
    assert response["Location"] == url("statement-detail", bt_trainee, statement.pk)
    assert statement.kind == StatementKind.BT_PLACEMENT
    assert statement.service_period == placement
    assert (statement.period_start, statement.period_end) == (date(2024, 2, 1), date(2024, 7, 31))
    assert statement.progress == {"BT": "BT-delmålen för akutsjukvård är uppnådda."}


def test_the_yearly_statement_under_2021_has_the_bt_group_too(client, bt_trainee):
    client.force_login(bt_trainee.main_supervisor)

    response = client.get(url("statement-create", bt_trainee))

    assert response.context["form"].progress_names == ["progress_STa", "progress_STb", "progress_STc", "progress_BT"]


def test_the_bt_summary_needs_a_placement(client, bt_trainee):
    other = ServicePeriodFactory(kind=ServiceKind.BT_PRIMARY)
    client.force_login(bt_trainee.main_supervisor)

    response = client.post(
        url("statement-create", bt_trainee, query="?kind=bt_placement"),
        {"service_period": other.pk, "strengths": "Text", "on_track": OnTrack.YES},
    )

    assert "service_period" in response.context["form"].errors
    assert not SupervisorStatement.objects.filter(trainee=bt_trainee).exists()
