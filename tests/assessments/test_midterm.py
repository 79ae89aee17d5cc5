"""Mitt-i-ST: the dates on hand-made timelines, and the workflow in assessments/midterm.py."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.domain import policy_for
from accounts.models import AuditEvent
from assessments import midterm
from assessments.enums import MidTermStatus
from assessments.midterm import MidTermDates, mid_term_dates
from assessments.models import MidTermEvaluation
from portfolio.timecalc import Interval
from tests.assessments.factories import MidTermEvaluationFactory
from tests.factories import TraineeFactory
from tests.portfolio.factories_activities import PDF_BYTES, PNG_BYTES, pdf_upload
from tests.portfolio.factories_plans import TrainingPlanFactory
from tests.portfolio.factories_service import ServicePeriodFactory

START = date(2023, 9, 1)
FAR = date(2040, 12, 31)


def full_time(start=START, end=FAR, percent=100):
    return [Interval(start, end, percent, "main")]


# --- dates ---------------------------------------------------------------------------


def test_full_time_target_is_halfway_inside_the_window():
    dates = mid_term_dates(full_time(), [], set(), 60, 6)

    assert dates == MidTermDates(
        st_end=date(2028, 8, 31),
        halfway=date(2026, 2, 28),
        window_start=date(2025, 8, 31),
        window_best_end=date(2026, 8, 31),
        latest=date(2027, 8, 31),
        target=date(2026, 2, 28),
        # Six months' lead time before the target comes before the 18-month rule (2027-02-28).
        order_by=date(2025, 8, 28),
        clamped=False,
    )
    assert dates.in_best_window is True


def test_half_time_halfway_is_too_early_and_is_moved_to_three_years_before_the_end():
    dates = mid_term_dates(full_time(percent=50), [], set(), 60, 6)

    assert dates.st_end == date(2033, 8, 31)
    assert dates.halfway == date(2028, 8, 31)
    assert dates.window_start == date(2030, 8, 31)
    assert dates.target == date(2030, 8, 31)
    assert dates.clamped is True
    assert dates.order_by == date(2030, 2, 28)


def test_a_long_leave_moves_both_dates():
    leave = [Interval(date(2024, 9, 1), date(2025, 8, 31), 100, "parental")]

    dates = mid_term_dates(full_time(), leave, set(), 60, 6)

    assert dates.st_end == date(2029, 8, 31)
    assert dates.halfway == date(2027, 2, 28)
    assert dates.target == date(2027, 2, 28)
    assert dates.clamped is False


def test_leave_that_counts_as_service_does_not_move_the_dates():
    leave = [Interval(date(2024, 7, 1), date(2024, 7, 31), 100, "semester")]

    with_vacation = mid_term_dates(full_time(), leave, {"semester"}, 60, 6)

    assert with_vacation == mid_term_dates(full_time(), [], set(), 60, 6)


def test_an_agreed_date_overrides_the_target():
    dates = mid_term_dates(full_time(), [], set(), 60, 6, desired=date(2026, 10, 1))

    assert dates.target == date(2026, 10, 1)
    assert dates.halfway == date(2026, 2, 28)
    assert dates.clamped is False
    assert dates.order_by == date(2026, 4, 1)
    assert dates.in_best_window is False


def test_order_by_takes_the_18_month_rule_when_the_lead_time_is_short():
    dates = mid_term_dates(full_time(), [], set(), 60, 1, desired=date(2027, 6, 1))

    # A month before the wanted date would be 2027-05-01; SFAM wants registration 18 months before the end.
    assert dates.order_by == date(2027, 2, 28)


def test_a_plan_that_never_reaches_the_minimum_has_no_dates():
    short = full_time(end=date(2025, 12, 31))  # 28 months

    assert mid_term_dates(short, [], set(), 60, 6) == MidTermDates(None, None, None, None, None, None, None, False)


def test_a_plan_that_reaches_halfway_but_not_the_end_keeps_halfway():
    dates = mid_term_dates(full_time(end=date(2027, 8, 31)), [], set(), 60, 6, desired=date(2026, 6, 1))

    assert dates.halfway == date(2026, 2, 28)
    assert (dates.st_end, dates.target, dates.order_by, dates.window_start) == (None, None, None, None)
    assert dates.in_best_window is None


@pytest.mark.django_db
def test_dates_for_a_trainee_come_from_the_records(trainee):
    ServicePeriodFactory(trainee=trainee, start=START, end=FAR, percent=100)
    policy = policy_for(trainee.unit.region)
    policy.mid_st_lead_time_months = 9
    policy.save()
    trainee.unit.region._policy_cache = None

    dates = midterm.dates_for(trainee)

    assert dates == mid_term_dates(full_time(), [], set(), trainee.required_fte_months, 9)


# --- workflow --------------------------------------------------------------------------

TODAY = timezone.localdate()
DAYS_AGO = {n: TODAY - timedelta(days=n) for n in (1, 10, 20, 30, 40, 50, 60)}


def step_fields(step, **overrides):
    """Valid fields for each step, on dates in the past and in order."""
    fields = {
        MidTermStatus.ORDERED: {"ordered_on": DAYS_AGO[60], "evaluator_name": "Åsa Värderare"},
        MidTermStatus.MATERIAL_SENT: {"material_sent_on": DAYS_AGO[50], "video_consultations": 3},
        MidTermStatus.VISITED: {"visit_date": DAYS_AGO[40], "evaluator_name": "Åsa Värderare"},
        MidTermStatus.REPORT_RECEIVED: {
            "report_received_on": DAYS_AGO[30],
            "report_summary": "Följer målbeskrivningen väl.",
            "report_strengths": "Patientmötet.",
        },
        MidTermStatus.PLAN_AGREED: {
            "plan_agreed_on": DAYS_AGO[20],
            "rest_of_st_plan": "Sidotjänstgöring i psykiatri, kurs i geriatrik.",
        },
    }[step]
    return fields | overrides


def walk_to(mid, status, by):
    for step in MidTermStatus.order()[1 : MidTermStatus.order().index(status) + 1]:
        midterm.advance(mid, by=by, to=step, **step_fields(step))
    return mid


def events(mid):
    rows = AuditEvent.objects.workflow().filter(target_type__model="midtermevaluation", target_id=mid.pk).order_by("pk")
    return [(event.action, event.actor, event.data) for event in rows]


def codes(exc_info, field):
    return [error.code for error in exc_info.value.error_dict[field]]


def stored(mid):
    return MidTermEvaluation.objects.get(pk=mid.pk)


@pytest.mark.django_db
def test_the_whole_workflow_by_the_three_who_manage_it(trainee):
    owner, supervisor, director = trainee.user, trainee.main_supervisor, trainee.study_director
    plan = TrainingPlanFactory(trainee=trainee)

    mid = midterm.start_mid_term(trainee, by=owner, desired_date=date(2027, 3, 1))
    midterm.advance(mid, by=owner, to=MidTermStatus.ORDERED, **step_fields(MidTermStatus.ORDERED))
    midterm.advance(mid, by=owner, to=MidTermStatus.MATERIAL_SENT, **step_fields(MidTermStatus.MATERIAL_SENT))
    midterm.advance(mid, by=supervisor, to=MidTermStatus.VISITED, **step_fields(MidTermStatus.VISITED))
    midterm.advance(
        mid,
        by=supervisor,
        to=MidTermStatus.REPORT_RECEIVED,
        **step_fields(MidTermStatus.REPORT_RECEIVED, report_file=pdf_upload("Rapport Sara Öberg.pdf")),
    )
    midterm.advance(
        mid, by=director, to=MidTermStatus.PLAN_AGREED, **step_fields(MidTermStatus.PLAN_AGREED, plan_version=plan)
    )

    row = stored(mid)
    assert row.status == MidTermStatus.PLAN_AGREED
    assert row.is_done
    assert (row.desired_date, row.ordered_on, row.visit_date) == (date(2027, 3, 1), DAYS_AGO[60], DAYS_AGO[40])
    assert (row.video_consultations, row.evaluator_name) == (3, "Åsa Värderare")
    assert (row.report_summary, row.report_strengths) == ("Följer målbeskrivningen väl.", "Patientmötet.")
    assert row.plan_version == plan
    # The stored name carries no personal data, whatever the upload was called.
    assert row.report_file.name.startswith(f"mitt-i-st/{trainee.pk}/rapport")
    assert "Öberg" not in row.report_file.name
    assert row.report_file.read() == PDF_BYTES
    assert mid.status == MidTermStatus.PLAN_AGREED
    assert [(action, actor, data.get("status")) for action, actor, data in events(mid)] == [
        ("midterm.started", owner, None),
        ("midterm.advanced", owner, "ordered"),
        ("midterm.advanced", owner, "material_sent"),
        ("midterm.advanced", supervisor, "visited"),
        ("midterm.advanced", supervisor, "report_received"),
        ("midterm.advanced", director, "plan_agreed"),
    ]
    assert events(mid)[1][2]["fields"] == ["evaluator_name", "ordered_on"]


@pytest.mark.django_db
def test_starting_twice_is_refused(trainee):
    midterm.start_mid_term(trainee, by=trainee.user)

    with pytest.raises(ValidationError) as exc_info:
        midterm.start_mid_term(trainee, by=trainee.main_supervisor)

    assert exc_info.value.code == "exists"
    assert MidTermEvaluation.objects.filter(trainee=trainee).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["second_specialist", "unit_head", "outsider"])
def test_only_the_trainee_huvudhandledare_and_studierektor_manage_it(request, trainee, persona):
    user = request.getfixturevalue(persona)
    mid = MidTermEvaluationFactory(trainee=trainee)

    with pytest.raises(PermissionDenied):
        midterm.start_mid_term(TraineeFactory(), by=user)
    with pytest.raises(PermissionDenied):
        midterm.advance(mid, by=user, to=MidTermStatus.ORDERED, **step_fields(MidTermStatus.ORDERED))
    with pytest.raises(PermissionDenied):
        midterm.update_details(mid, by=user, notes="Nej")

    assert stored(mid).status == MidTermStatus.PLANNED
    assert stored(mid).notes == ""


@pytest.mark.django_db
def test_a_step_cannot_be_skipped(trainee):
    mid = MidTermEvaluationFactory(trainee=trainee)

    with pytest.raises(ValidationError) as exc_info:
        midterm.advance(mid, by=trainee.user, to=MidTermStatus.VISITED, **step_fields(MidTermStatus.VISITED))

    assert exc_info.value.code == "skipped"
    assert str(MidTermStatus.ORDERED.label) in exc_info.value.message
    row = stored(mid)
    assert (row.status, row.visit_date, row.evaluator_name) == (MidTermStatus.PLANNED, None, "")


@pytest.mark.django_db
@pytest.mark.parametrize("back_to", [MidTermStatus.ORDERED, MidTermStatus.MATERIAL_SENT, MidTermStatus.PLANNED])
def test_a_step_cannot_be_undone(trainee, back_to):
    mid = walk_to(MidTermEvaluationFactory(trainee=trainee), MidTermStatus.MATERIAL_SENT, trainee.user)

    with pytest.raises(ValidationError) as exc_info:
        midterm.advance(mid, by=trainee.user, to=back_to)

    assert exc_info.value.code == "backwards"
    assert stored(mid).status == MidTermStatus.MATERIAL_SENT


@pytest.mark.django_db
def test_nothing_follows_the_agreed_plan(trainee):
    mid = walk_to(MidTermEvaluationFactory(trainee=trainee), MidTermStatus.PLAN_AGREED, trainee.user)

    with pytest.raises(ValidationError) as exc_info:
        midterm.advance(mid, by=trainee.user, to=MidTermStatus.PLAN_AGREED, **step_fields(MidTermStatus.PLAN_AGREED))

    assert exc_info.value.code == "finished"


@pytest.mark.django_db
def test_an_unknown_step_or_field_is_refused(trainee):
    mid = MidTermEvaluationFactory(trainee=trainee)

    with pytest.raises(ValidationError) as exc_info:
        midterm.advance(mid, by=trainee.user, to="examined")
    assert exc_info.value.code == "unknown_step"
    with pytest.raises(TypeError):
        midterm.advance(mid, by=trainee.user, to=MidTermStatus.ORDERED, ordered_on=DAYS_AGO[1], visit_date=TODAY)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("step", "missing"),
    [
        (MidTermStatus.ORDERED, "ordered_on"),
        (MidTermStatus.MATERIAL_SENT, "material_sent_on"),
        (MidTermStatus.VISITED, "visit_date"),
        (MidTermStatus.VISITED, "evaluator_name"),
        (MidTermStatus.REPORT_RECEIVED, "report_received_on"),
        (MidTermStatus.REPORT_RECEIVED, "report_summary"),
        (MidTermStatus.PLAN_AGREED, "plan_agreed_on"),
        (MidTermStatus.PLAN_AGREED, "rest_of_st_plan"),
    ],
)
def test_each_step_requires_its_fields(trainee, step, missing):
    order = MidTermStatus.order()
    mid = walk_to(MidTermEvaluationFactory(trainee=trainee), order[order.index(step) - 1], trainee.user)
    fields = step_fields(step)
    fields.pop(missing, None)
    if missing == "evaluator_name":
        # Named when ordering; the visit step needs it, so blanking it is refused too.
        fields["evaluator_name"] = "   "
    before = stored(mid)

    with pytest.raises(ValidationError) as exc_info:
        midterm.advance(mid, by=trainee.user, to=step, **fields)

    assert codes(exc_info, missing) == ["required"]
    assert str(midterm.field_label(missing)) in exc_info.value.error_dict[missing][0].message
    after = stored(mid)
    assert after.status == before.status
    assert after.updated_at == before.updated_at


@pytest.mark.django_db
def test_the_evaluator_named_when_ordering_is_enough_for_the_visit(trainee):
    mid = walk_to(MidTermEvaluationFactory(trainee=trainee), MidTermStatus.MATERIAL_SENT, trainee.user)

    midterm.advance(mid, by=trainee.user, to=MidTermStatus.VISITED, visit_date=DAYS_AGO[40])

    assert (stored(mid).status, stored(mid).evaluator_name) == (MidTermStatus.VISITED, "Åsa Värderare")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("step", "field"),
    [
        (MidTermStatus.ORDERED, "ordered_on"),
        (MidTermStatus.MATERIAL_SENT, "material_sent_on"),
        (MidTermStatus.VISITED, "visit_date"),
        (MidTermStatus.REPORT_RECEIVED, "report_received_on"),
        (MidTermStatus.PLAN_AGREED, "plan_agreed_on"),
    ],
)
def test_a_step_cannot_be_recorded_with_a_future_date(trainee, step, field):
    order = MidTermStatus.order()
    mid = walk_to(MidTermEvaluationFactory(trainee=trainee), order[order.index(step) - 1], trainee.user)

    with pytest.raises(ValidationError) as exc_info:
        midterm.advance(mid, by=trainee.user, to=step, **step_fields(step, **{field: TODAY + timedelta(days=1)}))

    assert "future" in codes(exc_info, field)
    assert getattr(stored(mid), field) is None
    midterm.advance(mid, by=trainee.user, to=step, **step_fields(step, **{field: TODAY}))
    assert stored(mid).status == step


@pytest.mark.django_db
def test_the_visit_cannot_be_before_the_order(trainee):
    mid = walk_to(MidTermEvaluationFactory(trainee=trainee), MidTermStatus.MATERIAL_SENT, trainee.user)

    with pytest.raises(ValidationError) as exc_info:
        midterm.advance(mid, by=trainee.user, to=MidTermStatus.VISITED, visit_date=DAYS_AGO[60] - timedelta(days=1))

    assert codes(exc_info, "visit_date") == ["date_order"]
    assert DAYS_AGO[60].isoformat() in exc_info.value.error_dict["visit_date"][0].message
    assert stored(mid).visit_date is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("step", "field", "before"),
    [
        (MidTermStatus.MATERIAL_SENT, "material_sent_on", "ordered_on"),
        (MidTermStatus.REPORT_RECEIVED, "report_received_on", "visit_date"),
        (MidTermStatus.PLAN_AGREED, "plan_agreed_on", "visit_date"),
    ],
)
def test_the_steps_dates_keep_their_order(trainee, step, field, before):
    order = MidTermStatus.order()
    mid = walk_to(MidTermEvaluationFactory(trainee=trainee), order[order.index(step) - 1], trainee.user)
    earlier = getattr(stored(mid), before)

    with pytest.raises(ValidationError) as exc_info:
        midterm.advance(mid, by=trainee.user, to=step, **step_fields(step, **{field: earlier - timedelta(days=1)}))

    assert codes(exc_info, field) == ["date_order"]
    assert earlier.isoformat() in exc_info.value.error_dict[field][0].message
    assert stored(mid).status == order[order.index(step) - 1]


@pytest.mark.django_db
def test_a_wanted_date_may_be_in_the_future(trainee):
    mid = midterm.start_mid_term(trainee, by=trainee.user, desired_date=TODAY + timedelta(days=400))

    midterm.advance(
        mid, by=trainee.user, to=MidTermStatus.ORDERED, ordered_on=TODAY, desired_date=TODAY + timedelta(days=300)
    )

    assert stored(mid).desired_date == TODAY + timedelta(days=300)


@pytest.mark.django_db
def test_the_report_must_be_a_pdf(trainee):
    mid = walk_to(MidTermEvaluationFactory(trainee=trainee), MidTermStatus.VISITED, trainee.user)
    upload = pdf_upload("rapport.pdf", content=PNG_BYTES, content_type="application/pdf")

    with pytest.raises(ValidationError) as exc_info:
        midterm.advance(
            mid,
            by=trainee.user,
            to=MidTermStatus.REPORT_RECEIVED,
            **step_fields(MidTermStatus.REPORT_RECEIVED),
            report_file=upload,
        )

    assert codes(exc_info, "report_file") == ["not_pdf"]
    row = stored(mid)
    assert (row.status, row.report_summary, bool(row.report_file)) == (MidTermStatus.VISITED, "", False)


@pytest.mark.django_db
def test_the_plan_must_be_one_of_the_trainees_iup_versions(trainee, other_trainee):
    mid = walk_to(MidTermEvaluationFactory(trainee=trainee), MidTermStatus.REPORT_RECEIVED, trainee.user)
    foreign = TrainingPlanFactory(trainee=other_trainee)

    with pytest.raises(ValidationError) as exc_info:
        midterm.advance(
            mid,
            by=trainee.user,
            to=MidTermStatus.PLAN_AGREED,
            **step_fields(MidTermStatus.PLAN_AGREED),
            plan_version=foreign,
        )

    assert codes(exc_info, "plan_version") == ["not_own_plan"]
    assert stored(mid).status == MidTermStatus.REPORT_RECEIVED


@pytest.mark.django_db
def test_details_of_reached_steps_can_be_edited_without_moving_the_status(trainee):
    mid = walk_to(MidTermEvaluationFactory(trainee=trainee), MidTermStatus.VISITED, trainee.user)

    midterm.update_details(
        mid, by=trainee.main_supervisor, evaluator_name="Åsa Lindgren", video_consultations=4, notes="Bra dag."
    )

    row = stored(mid)
    assert (row.status, row.evaluator_name, row.video_consultations, row.notes) == (
        MidTermStatus.VISITED,
        "Åsa Lindgren",
        4,
        "Bra dag.",
    )
    action, actor, data = events(mid)[-1]
    assert (action, actor, data) == (
        "midterm.updated",
        trainee.main_supervisor,
        {"fields": ["evaluator_name", "notes", "video_consultations"]},
    )


@pytest.mark.django_db
def test_editing_without_a_change_leaves_no_event(trainee):
    mid = walk_to(MidTermEvaluationFactory(trainee=trainee), MidTermStatus.ORDERED, trainee.user)
    count = len(events(mid))

    midterm.update_details(mid, by=trainee.user, ordered_on=DAYS_AGO[60], evaluator_name="Åsa Värderare")

    assert len(events(mid)) == count


@pytest.mark.django_db
def test_fields_of_later_steps_cannot_be_edited_yet(trainee):
    mid = walk_to(MidTermEvaluationFactory(trainee=trainee), MidTermStatus.ORDERED, trainee.user)

    with pytest.raises(ValidationError) as exc_info:
        midterm.update_details(mid, by=trainee.user, visit_date=DAYS_AGO[1], notes="Besöket är klart")

    assert codes(exc_info, "visit_date") == ["step_not_reached"]
    row = stored(mid)
    assert (row.visit_date, row.notes, row.status) == (None, "", MidTermStatus.ORDERED)


@pytest.mark.django_db
def test_editing_keeps_the_rules_of_the_steps(trainee):
    mid = walk_to(MidTermEvaluationFactory(trainee=trainee), MidTermStatus.VISITED, trainee.user)

    with pytest.raises(ValidationError) as exc_info:
        midterm.update_details(mid, by=trainee.user, evaluator_name="", visit_date=TODAY + timedelta(days=3))

    assert codes(exc_info, "evaluator_name") == ["required"]
    assert codes(exc_info, "visit_date") == ["future"]
    row = stored(mid)
    assert (row.evaluator_name, row.visit_date) == ("Åsa Värderare", DAYS_AGO[40])


@pytest.mark.django_db
def test_a_new_report_file_replaces_the_old_one(trainee, django_capture_on_commit_callbacks):
    mid = walk_to(MidTermEvaluationFactory(trainee=trainee), MidTermStatus.VISITED, trainee.user)
    midterm.advance(
        mid,
        by=trainee.user,
        to=MidTermStatus.REPORT_RECEIVED,
        **step_fields(MidTermStatus.REPORT_RECEIVED),
        report_file=pdf_upload(),
    )
    old_name = stored(mid).report_file.name

    with django_capture_on_commit_callbacks(execute=True):
        midterm.update_details(mid, by=trainee.user, report_file=pdf_upload(content=PDF_BYTES + b"% v2\n"))

    row = stored(mid)
    assert row.report_file.read().endswith(b"% v2\n")
    assert row.report_file.name != old_name
    assert not row.report_file.storage.exists(old_name)
