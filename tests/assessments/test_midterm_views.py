"""Mitt-i-ST pages per persona, the step and edit forms, and the portfolio summary PDF."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.domain import policy_for
from accounts.models import AuditEvent
from assessments import midterm
from assessments.enums import AssessmentKind, MidTermStatus
from assessments.models import MidTermEvaluation
from portfolio.enums import PlanStatus
from portfolio.models import Trainee
from portfolio.queries import TRAINEE_RELATED
from portfolio.snapshot import build_status
from tests.assessments.factories import AssessmentFactory, MidTermEvaluationFactory
from tests.portfolio.factories_activities import PDF_BYTES, CourseFactory, pdf_upload, persona_user
from tests.portfolio.factories_plans import TrainingPlanFactory, at, plan_history
from tests.portfolio.factories_service import ServicePeriodFactory

pytestmark = pytest.mark.django_db

ACTORS = ["owner", "supervisor", "study_director"]
READ_ONLY = ["second_specialist", "unit_head", "region_admin", "national_admin"]
OUTSIDERS = ["outsider", "other_supervisor", "other_study_director", "other_trainee", "other_region_admin"]

TODAY = timezone.localdate()
EVALUATOR = "Åsa Värderare-Ståhl"
REPORT_SUMMARY = "Trygg i konsultationen; behöver öva prioritering vid multisjuklighet."
PLAN_TEXT = "Sidotjänstgöring i psykiatri och geriatrik under 2027."


def url(name, trainee):
    return reverse(name, args=[trainee.pk])


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def full_time(trainee):
    """Full time from the start of ST (2023-09-01) well past the minimum."""
    return ServicePeriodFactory(
        trainee=trainee, start=trainee.st_start, end=date(2030, 12, 31), percent=100, workplace="Björkdalens vc"
    )


@pytest.fixture
def mid(trainee):
    return MidTermEvaluationFactory(trainee=trainee)


@pytest.fixture
def reported(trainee):
    """A Mitt-i-ST with the report received (and a report file)."""
    record = MidTermEvaluationFactory(
        trainee=trainee,
        status=MidTermStatus.REPORT_RECEIVED,
        ordered_on=TODAY - timedelta(days=90),
        material_sent_on=TODAY - timedelta(days=60),
        visit_date=TODAY - timedelta(days=30),
        evaluator_name=EVALUATOR,
        report_received_on=TODAY - timedelta(days=10),
        report_summary=REPORT_SUMMARY,
    )
    record.report_file.save("rapport.pdf", pdf_upload(), save=True)
    return record


def ordered_data(**overrides):
    data = {
        "step": "ordered",
        "ordered_on": (TODAY - timedelta(days=2)).isoformat(),
        "evaluator_name": EVALUATOR,
        "evaluator_email": "asa@example.se",
        "desired_date": "",
    }
    return data | overrides


# --- the detail page ----------------------------------------------------------------


@pytest.mark.parametrize("persona", ACTORS + READ_ONLY)
def test_detail_shows_dates_steps_and_report_to_every_reader(client, request, trainee, full_time, reported, persona):
    client.force_login(persona_user(request, persona))

    response = client.get(url("midterm-detail", trainee))

    assert response.status_code == 200
    content = response.content.decode()
    dates = response.context["dates"]
    assert dates.target == date(2026, 2, 28)
    assert "2026-02-28" in content  # the target
    assert "2025-08-28" in content  # order by: six months before the target
    assert "2025-08-31" in content  # SFAM's window opens three years before the end
    assert EVALUATOR in content
    assert REPORT_SUMMARY in content
    assert url("midterm-report", trainee) in content
    assert url("midterm-summary-pdf", trainee) in content
    assert [row.done for row in response.context["checklist"]] == [True, True, True, True, True, False]
    assert response.context["checklist"][3].day == TODAY - timedelta(days=30)
    may_act = persona in ACTORS
    assert response.context["can_manage"] is may_act
    assert (response.context["step_form"] is not None) is may_act
    assert (url("midterm-advance", trainee) in content) is may_act
    assert (url("midterm-edit", trainee) in content) is may_act


def test_detail_without_mid_term_offers_start_to_those_who_manage(client, trainee, second_specialist, full_time):
    client.force_login(trainee.user)
    content = client.get(url("midterm-detail", trainee)).content.decode()
    assert url("midterm-start", trainee) in content

    client.force_login(second_specialist)
    content = client.get(url("midterm-detail", trainee)).content.decode()
    assert url("midterm-start", trainee) not in content
    assert "2026-02-28" in content


def test_overdue_warning_while_planned_after_the_order_by_date(client, trainee, full_time, mid):
    client.force_login(trainee.user)

    response = client.get(url("midterm-detail", trainee))

    assert response.context["order_overdue"] is True
    assert "2025-08-28" in response.content.decode()
    assert 'role="alert"' in response.content.decode()

    midterm.advance(mid, by=trainee.user, to=MidTermStatus.ORDERED, ordered_on=TODAY)
    response = client.get(url("midterm-detail", trainee))
    assert response.context["order_overdue"] is False
    assert 'role="alert"' not in response.content.decode()


def test_no_overdue_warning_before_the_order_by_date(client, trainee, mid):
    ServicePeriodFactory(trainee=trainee, start=TODAY, end=TODAY + timedelta(days=365 * 8), percent=100)
    client.force_login(trainee.user)

    response = client.get(url("midterm-detail", trainee))

    assert response.context["dates"].order_by > TODAY
    assert response.context["order_overdue"] is False


def test_part_time_shows_that_the_target_was_moved(client, trainee, mid):
    ServicePeriodFactory(trainee=trainee, start=trainee.st_start, end=date(2040, 12, 31), percent=50)
    client.force_login(trainee.user)

    response = client.get(url("midterm-detail", trainee))

    assert response.context["dates"].clamped is True
    assert response.context["dates"].target == date(2030, 8, 31)
    assert "2028-08-31" in response.content.decode()  # halfway, named in the explanation


def test_a_plan_that_does_not_reach_the_minimum_says_so(client, trainee, mid):
    ServicePeriodFactory(trainee=trainee, start=trainee.st_start, end=date(2024, 12, 31))
    client.force_login(trainee.user)

    response = client.get(url("midterm-detail", trainee))

    assert response.context["dates"].target is None
    assert 'class="note"' in response.content.decode()


def test_the_plan_step_offers_only_the_trainees_iup_versions(client, trainee, other_trainee, full_time, reported):
    own = TrainingPlanFactory(trainee=trainee, version=1)
    foreign = TrainingPlanFactory(trainee=other_trainee, version=1)
    client.force_login(trainee.user)

    response = client.get(url("midterm-detail", trainee))

    choices = list(response.context["step_form"].fields["plan_version"].queryset)
    assert choices == [own]
    assert foreign not in choices


@pytest.mark.parametrize("count", [1, 3])
def test_detail_query_count_does_not_grow(client, django_assert_num_queries, trainee, full_time, reported, count):
    policy_for(trainee.unit.region)
    plan_history(trainee, count, decided_by=trainee.study_director)
    for n in range(count):
        AssessmentFactory(trainee=trainee, date=date(2025, 1 + n, 10))
        CourseFactory(trainee=trainee)
    client.force_login(trainee.user)

    # session, user, national-admin check, trainee, Mitt-i-ST, service, leave, policy,
    # the step form's IUP versions
    with django_assert_num_queries(9):
        response = client.get(url("midterm-detail", trainee))

    assert len(response.context["step_form"].fields["plan_version"].queryset) == count


# --- outsiders and read-only roles ---------------------------------------------------------


@pytest.mark.parametrize("persona", OUTSIDERS)
@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "midterm-detail"),
        ("get", "midterm-edit"),
        ("get", "midterm-summary-pdf"),
        ("get", "midterm-report"),
        ("post", "midterm-start"),
        ("post", "midterm-advance"),
        ("post", "midterm-edit"),
    ],
)
def test_every_url_is_404_outside_visibility(client, request, trainee, reported, persona, method, name):
    client.force_login(persona_user(request, persona))

    response = getattr(client, method)(url(name, trainee), {"step": "plan_agreed"} if method == "post" else None)

    assert response.status_code == 404
    assert REPORT_SUMMARY not in response.content.decode()
    assert MidTermEvaluation.objects.get(pk=reported.pk).status == MidTermStatus.REPORT_RECEIVED


@pytest.mark.parametrize("persona", READ_ONLY)
def test_read_only_roles_may_not_act(client, request, trainee, mid, persona):
    client.force_login(persona_user(request, persona))

    responses = [
        client.post(url("midterm-start", trainee)),
        client.post(url("midterm-advance", trainee), ordered_data()),
        client.get(url("midterm-edit", trainee)),
        client.post(url("midterm-edit", trainee), {"notes": "Ändrat"}),
    ]

    assert [response.status_code for response in responses] == [403, 403, 403, 403]
    row = MidTermEvaluation.objects.get(pk=mid.pk)
    assert (row.status, row.notes, row.ordered_on) == (MidTermStatus.PLANNED, "", None)


def test_anonymous_is_sent_to_log_in(client, trainee, mid):
    response = client.get(url("midterm-detail", trainee))

    assert response.status_code == 302
    assert "logga-in" in response["Location"]


# --- start ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ACTORS)
def test_those_who_manage_start_mid_term(client, request, trainee, persona):
    user = persona_user(request, persona)
    client.force_login(user)

    response = client.post(url("midterm-start", trainee), {"desired_date": "2027-03-15"})

    assert response["Location"] == url("midterm-detail", trainee)
    row = MidTermEvaluation.objects.get(trainee=trainee)
    assert (row.status, row.desired_date) == (MidTermStatus.PLANNED, date(2027, 3, 15))
    assert AuditEvent.objects.filter(action="midterm.started", actor=user, target_id=row.pk).exists()


def test_start_is_post_only_and_happens_once(client, trainee, mid):
    client.force_login(trainee.user)

    assert client.get(url("midterm-start", trainee)).status_code == 405
    response = client.post(url("midterm-start", trainee))

    assert response.status_code == 302
    assert MidTermEvaluation.objects.filter(trainee=trainee).count() == 1
    assert any("redan" in text or "already" in text for text in messages_of(response))


def test_start_with_a_bad_date_shows_the_error(client, trainee):
    client.force_login(trainee.user)

    response = client.post(url("midterm-start", trainee), {"desired_date": "2027-02-30"})

    assert response.status_code == 200
    assert response.context["start_form"].errors["desired_date"]
    assert 'class="errorlist' in response.content.decode()
    assert not MidTermEvaluation.objects.filter(trainee=trainee).exists()


# --- steps -----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ACTORS)
def test_those_who_manage_record_the_next_step(client, request, trainee, mid, persona):
    client.force_login(persona_user(request, persona))

    response = client.post(url("midterm-advance", trainee), ordered_data())

    assert response["Location"] == url("midterm-detail", trainee)
    row = MidTermEvaluation.objects.get(pk=mid.pk)
    assert (row.status, row.ordered_on, row.evaluator_name, row.evaluator_email) == (
        MidTermStatus.ORDERED,
        TODAY - timedelta(days=2),
        EVALUATOR,
        "asa@example.se",
    )


def test_a_step_without_its_date_shows_the_error_and_saves_nothing(client, trainee, full_time, mid):
    client.force_login(trainee.user)

    response = client.post(url("midterm-advance", trainee), ordered_data(ordered_on=""))

    assert response.status_code == 200
    form = response.context["step_form"]
    assert form.errors["ordered_on"]
    assert 'class="errorlist' in response.content.decode()
    assert EVALUATOR in response.content.decode()  # what was typed is kept
    row = MidTermEvaluation.objects.get(pk=mid.pk)
    assert (row.status, row.evaluator_name) == (MidTermStatus.PLANNED, "")


def test_a_future_date_shows_the_domain_error_on_its_field(client, trainee, full_time, mid):
    client.force_login(trainee.user)

    response = client.post(
        url("midterm-advance", trainee), ordered_data(ordered_on=(TODAY + timedelta(days=1)).isoformat())
    )

    assert response.status_code == 200
    assert [error.code for error in response.context["step_form"].errors.as_data()["ordered_on"]] == ["future"]
    assert MidTermEvaluation.objects.get(pk=mid.pk).status == MidTermStatus.PLANNED


def test_a_second_click_does_not_record_the_following_step(client, trainee, mid):
    client.force_login(trainee.user)
    client.post(url("midterm-advance", trainee), ordered_data())

    response = client.post(url("midterm-advance", trainee), ordered_data())

    assert response.status_code == 302
    assert MidTermEvaluation.objects.get(pk=mid.pk).status == MidTermStatus.ORDERED
    assert messages_of(response)


def test_a_posted_later_step_cannot_skip_ahead(client, trainee, mid):
    client.force_login(trainee.user)

    response = client.post(
        url("midterm-advance", trainee),
        {"step": "visited", "visit_date": TODAY.isoformat(), "evaluator_name": EVALUATOR},
    )

    assert response.status_code == 302
    row = MidTermEvaluation.objects.get(pk=mid.pk)
    assert (row.status, row.visit_date) == (MidTermStatus.PLANNED, None)


def test_advance_without_a_mid_term_is_404(client, trainee):
    client.force_login(trainee.user)

    assert client.post(url("midterm-advance", trainee), ordered_data()).status_code == 404


def test_the_report_step_with_a_file_and_its_download(client, trainee, second_specialist, mid):
    mid.status = MidTermStatus.VISITED
    mid.ordered_on = mid.visit_date = TODAY - timedelta(days=20)
    mid.evaluator_name = EVALUATOR
    mid.save()
    client.force_login(trainee.main_supervisor)

    response = client.post(
        url("midterm-advance", trainee),
        {
            "step": "report_received",
            "report_received_on": TODAY.isoformat(),
            "report_summary": REPORT_SUMMARY,
            "report_to_develop": "Prioritering.",
            "report_file": pdf_upload("Sara Öberg rapport.pdf"),
        },
    )

    assert response.status_code == 302
    row = MidTermEvaluation.objects.get(pk=mid.pk)
    assert (row.status, row.report_summary, row.report_to_develop) == (
        MidTermStatus.REPORT_RECEIVED,
        REPORT_SUMMARY,
        "Prioritering.",
    )
    client.force_login(second_specialist)
    download = client.get(url("midterm-report", trainee))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "Öberg" not in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == PDF_BYTES


def test_a_report_that_is_not_a_pdf_is_refused(client, trainee, mid):
    mid.status = MidTermStatus.VISITED
    mid.ordered_on = mid.visit_date = TODAY - timedelta(days=20)
    mid.evaluator_name = EVALUATOR
    mid.save()
    client.force_login(trainee.user)

    response = client.post(
        url("midterm-advance", trainee),
        {
            "step": "report_received",
            "report_received_on": TODAY.isoformat(),
            "report_summary": REPORT_SUMMARY,
            "report_file": pdf_upload("rapport.pdf", content=b"not a pdf at all"),
        },
    )

    assert response.status_code == 200
    assert response.context["step_form"].errors["report_file"]
    row = MidTermEvaluation.objects.get(pk=mid.pk)
    assert (row.status, row.report_summary, bool(row.report_file)) == (MidTermStatus.VISITED, "", False)


def test_the_report_download_is_404_without_a_file(client, trainee, mid):
    client.force_login(trainee.user)

    assert client.get(url("midterm-report", trainee)).status_code == 404


# --- edit ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ACTORS)
def test_those_who_manage_edit_the_details(client, request, trainee, reported, persona):
    client.force_login(persona_user(request, persona))
    page = client.get(url("midterm-edit", trainee))
    assert page.status_code == 200
    assert EVALUATOR in page.content.decode()
    assert "rest_of_st_plan" not in page.context["form"].fields  # a later step

    response = client.post(
        url("midterm-edit", trainee),
        {
            "ordered_on": reported.ordered_on.isoformat(),
            "evaluator_name": "Åsa Lindgren",
            "material_sent_on": reported.material_sent_on.isoformat(),
            "video_consultations": "2",
            "visit_date": reported.visit_date.isoformat(),
            "report_received_on": reported.report_received_on.isoformat(),
            "report_summary": REPORT_SUMMARY,
            "report_recommendations": "Mer hembesök.",
            "notes": "Rättat namnet.",
        },
    )

    assert response["Location"] == url("midterm-detail", trainee)
    row = MidTermEvaluation.objects.get(pk=reported.pk)
    assert (row.status, row.evaluator_name, row.video_consultations, row.report_recommendations, row.notes) == (
        MidTermStatus.REPORT_RECEIVED,
        "Åsa Lindgren",
        2,
        "Mer hembesök.",
        "Rättat namnet.",
    )
    assert row.report_file  # kept when no new file is chosen


def test_edit_that_blanks_a_required_field_shows_the_error(client, trainee, reported):
    client.force_login(trainee.user)

    response = client.post(
        url("midterm-edit", trainee),
        {
            "ordered_on": reported.ordered_on.isoformat(),
            "evaluator_name": EVALUATOR,
            "material_sent_on": reported.material_sent_on.isoformat(),
            "visit_date": (TODAY + timedelta(days=5)).isoformat(),
            "report_received_on": reported.report_received_on.isoformat(),
            "report_summary": "",
            "notes": "Borde inte sparas",
        },
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "report_summary" in errors
    assert 'class="errorlist' in response.content.decode()
    row = MidTermEvaluation.objects.get(pk=reported.pk)
    assert (row.report_summary, row.notes, row.visit_date) == (REPORT_SUMMARY, "", TODAY - timedelta(days=30))


def test_edit_a_future_visit_date_is_refused_by_the_rules(client, trainee, reported):
    client.force_login(trainee.user)

    response = client.post(
        url("midterm-edit", trainee),
        {
            "ordered_on": reported.ordered_on.isoformat(),
            "evaluator_name": EVALUATOR,
            "material_sent_on": reported.material_sent_on.isoformat(),
            "visit_date": (TODAY + timedelta(days=5)).isoformat(),
            "report_received_on": reported.report_received_on.isoformat(),
            "report_summary": REPORT_SUMMARY,
        },
    )

    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["visit_date"]] == ["future"]
    assert MidTermEvaluation.objects.get(pk=reported.pk).visit_date == TODAY - timedelta(days=30)


def test_edit_without_a_mid_term_is_404(client, trainee):
    client.force_login(trainee.user)

    assert client.get(url("midterm-edit", trainee)).status_code == 404


# --- the portfolio summary PDF --------------------------------------------------------------


@pytest.fixture
def portfolio(trainee, full_time):
    CourseFactory(trainee=trainee, title="Konsultationskurs – Ängelholm")
    AssessmentFactory(trainee=trainee, kind=AssessmentKind.MINI_CEX, assessor_name="Göran Åkesson")
    AssessmentFactory(trainee=trainee, kind=AssessmentKind.DOPS, assessor_name="Göran Åkesson", date=date(2025, 4, 2))
    AssessmentFactory(
        trainee=trainee,
        kind=AssessmentKind.CBD,
        assessor_name="Utkast Draftsson",
        status="draft",
        signed_at=None,
    )
    TrainingPlanFactory(
        trainee=trainee,
        status=PlanStatus.APPROVED,
        submitted_at=at(2024, 1, 1),
        decided_at=at(2024, 1, 2),
        decided_by=trainee.study_director,
        goals=list(trainee.curriculum.goals.order_by("position")[:2]),
    )
    return trainee


def pdf_text(content):
    """The text of every page, with line breaks and runs of spaces as single spaces (table cells wrap)."""
    reader = PdfReader(BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def embedded_fonts(content):
    reader = PdfReader(BytesIO(content))
    names = set()
    for page in reader.pages:
        fonts = page["/Resources"].get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is not None and "/FontFile2" in descriptor.get_object():
                names.add(str(font["/BaseFont"]))
    return names


@pytest.mark.parametrize("persona", ACTORS + READ_ONLY)
def test_the_summary_pdf_for_every_reader(client, request, portfolio, mid, persona):
    user = persona_user(request, persona)
    client.force_login(user)

    response = client.get(url("midterm-summary-pdf", portfolio))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="mitt-i-st-sammanstallning.pdf"'
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF-")
    assert AuditEvent.objects.filter(action="midterm.summary_downloaded", actor=user).exists()


def test_the_summary_pdf_contains_the_portfolio(client, portfolio):
    client.force_login(portfolio.user)

    content = client.get(url("midterm-summary-pdf", portfolio)).content

    text = pdf_text(content)
    assert "Sara Öberg" in text
    assert "Björkdalens hälsocentral" in text
    assert "Erik Holmström" in text  # huvudhandledare
    assert "Konsultationskurs – Ängelholm" in text
    assert "Göran Åkesson" in text
    assert "Utkast Draftsson" not in text  # a draft is not a kompetensvärdering yet
    assert "Björkdalens vc" in text  # the tjänstgöring
    assert "2023-09-01" in text
    first_goal = portfolio.curriculum.goals.order_by("position").first()
    assert first_goal.code in text
    assert any("DejaVuSans" in name for name in embedded_fonts(content))


def test_the_summary_pdf_works_without_a_mid_term_and_without_records(client, trainee):
    client.force_login(trainee.user)

    response = client.get(url("midterm-summary-pdf", trainee))

    assert response.status_code == 200
    assert "Sara Öberg" in pdf_text(response.content)


@pytest.mark.parametrize("count", [1, 3])
def test_summary_pdf_query_count_does_not_grow(client, django_assert_num_queries, trainee, full_time, count):
    policy_for(trainee.unit.region)
    ContentType.objects.get_for_model(Trainee)  # cached for the audit event, as in a running server
    goals = list(trainee.curriculum.goals.order_by("position")[:3])
    plan_history(trainee, count + 1, decided_by=trainee.study_director, goals=goals[:count])
    for n in range(count):
        AssessmentFactory(trainee=trainee, date=date(2025, 1 + n, 10), assessor_name=f"Bedömare {n}")
        CourseFactory(trainee=trainee).goals.set(goals[: n + 1])
        ServicePeriodFactory(trainee=trainee, start=date(2031 + n, 1, 1), end=date(2031 + n, 6, 30))
    client.force_login(trainee.user)
    # build_status is the portfolio's own computation with its own guard; measured here on
    # the same data so this guard counts only what the summary adds.
    fresh = Trainee.objects.select_related(*TRAINEE_RELATED).get(pk=trainee.pk)
    with CaptureQueriesContext(connection) as status_queries:
        build_status(fresh)

    # session, user, national-admin check, trainee; build_status; the summary's lists:
    # assessments, the approved IUP with its delmål (2), tjänstgöringar, courses; the audit event.
    with django_assert_num_queries(4 + len(status_queries) + 6):
        response = client.get(url("midterm-summary-pdf", trainee))

    text = pdf_text(response.content)
    assert f"Bedömare {count - 1}" in text
    assert f"IUP version {count}" in text or f"IUP-version {count}" in text
