"""send_reminders: one digest per person of what is due, overdue or waiting for them."""

import logging
import smtplib
from datetime import date, datetime, time, timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.enums import ReminderFrequency, Role
from accounts.models import SentReminder
from assessments.enums import MidTermStatus
from portfolio import reminders
from portfolio.enums import CertificateForm, Phase, PlanStatus
from portfolio.intyg import workflow
from portfolio.models import StatusSnapshot
from portfolio.readiness.store import refresh
from portfolio.timecalc import add_months
from tests.assessments.factories import ActionPlanFactory, AssessmentRequestFactory
from tests.factories import MembershipFactory, TraineeFactory, UnitFactory, UserFactory
from tests.portfolio.factories_plans import TrainingPlanFactory, at
from tests.portfolio.factories_service import ServicePeriodFactory

pytestmark = pytest.mark.django_db

MONDAY = date(2030, 6, 3)
TUESDAY = date(2030, 6, 4)
FAR = MONDAY + timedelta(days=365)

# Nothing due: the helper below starts every snapshot from these values.
QUIET = {
    "phase": Phase.FIRST_HALF,
    "iup_due": None,
    "next_visit_due": FAR,
    "statement_due": FAR,
    "statement_done": False,
    "mid_st_wanted": False,
    "mid_st_status": "",
    "mid_st_target": None,
    "mid_st_order_by": None,
}


def snapshot(trainee, today=MONDAY, **figures):
    """The trainee's stored status as refresh() writes it, then with the due dates the test needs."""
    refresh(trainee, today)
    StatusSnapshot.objects.filter(trainee=trainee).update(**{**QUIET, **figures})


def run(today=MONDAY, *args):
    out = StringIO()
    call_command("send_reminders", "--date", today.isoformat(), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def mail_to(user):
    found = [message for message in mail.outbox if message.to == [user.email]]
    assert len(found) <= 1, "one digest per person per run"
    return found[0] if found else None


def url(name, *args):
    return settings.SITE_URL + reverse(name, args=args)


def expires_on(day, hour=15):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def set_frequency(user, frequency):
    user.reminder_frequency = frequency
    user.save(update_fields=["reminder_frequency"])


def lines_of(message):
    return [line for line in message.body.splitlines() if line.startswith("- ")]


def draft_certificate(trainee):
    """A draft intyg naming the huvudhandledare as signer (the workflow pre-fills it)."""
    period = ServicePeriodFactory(
        trainee=trainee, workplace="Medicinkliniken, Umeå", supervisor=trainee.main_supervisor
    )
    return workflow.draft_for(trainee, by=trainee.user, form=CertificateForm.S15_CLINICAL, service_period=period)


# --- what each person gets


def test_the_st_lakare_gets_their_own_deadlines_with_links(trainee, other_trainee):
    snapshot(
        trainee,
        iup_due=MONDAY - timedelta(days=3),
        next_visit_due=MONDAY + timedelta(days=30),
        mid_st_wanted=True,
        mid_st_status=MidTermStatus.PLANNED,
        mid_st_order_by=MONDAY + timedelta(days=50),
        mid_st_target=MONDAY + timedelta(days=230),
    )
    plan = ActionPlanFactory(trainee=trainee, follow_up_on=MONDAY + timedelta(days=7))
    request = AssessmentRequestFactory(trainee=trainee, assessor_name="Greta Kollega", expires_at=expires_on(MONDAY))
    snapshot(other_trainee, iup_due=MONDAY - timedelta(days=3))

    run()

    body = mail_to(trainee.user).body
    assert url("plan-list", trainee.pk) in body
    assert url("review-list", trainee.pk) in body
    assert url("midterm-detail", trainee.pk) in body
    assert url("action-plan-detail", trainee.pk, plan.pk) in body
    assert url("request-list", trainee.pk) in body
    assert "Greta Kollega" in body
    # Overdue first (the IUP), then by date: the request (today), the follow-up, the årsbesök, Mitt-i-ST.
    days = [line.rsplit(" ", 1)[1] for line in lines_of(mail_to(trainee.user))]
    assert days == [f"{MONDAY + timedelta(days=n):%Y-%m-%d}" for n in (-3, 0, 7, 30, 50)]
    assert SentReminder.objects.filter(user=trainee.user, day=MONDAY, key=f"request:{request.pk}").exists()
    other = mail_to(other_trainee.user).body
    assert url("plan-list", other_trainee.pk) in other
    assert url("plan-list", trainee.pk) not in other
    assert url("request-list", trainee.pk) not in other


def test_only_what_falls_inside_each_horizon_is_mentioned(trainee):
    snapshot(
        trainee,
        iup_due=MONDAY + timedelta(days=31),
        next_visit_due=MONDAY + timedelta(days=31),
        mid_st_wanted=True,
        mid_st_status=MidTermStatus.ORDERED,
        mid_st_order_by=MONDAY - timedelta(days=5),
        mid_st_target=MONDAY + timedelta(days=100),
    )
    ActionPlanFactory(trainee=trainee, follow_up_on=MONDAY + timedelta(days=8))
    ActionPlanFactory(trainee=trainee, follow_up_on=MONDAY - timedelta(days=3), closed_on=MONDAY - timedelta(days=10))
    AssessmentRequestFactory(trainee=trainee, expires_at=expires_on(MONDAY + timedelta(days=8)))
    AssessmentRequestFactory(trainee=trainee, expires_at=expires_on(MONDAY), revoked_at=timezone.now())

    run()

    assert mail_to(trainee.user) is None


def test_mitt_i_st_follows_the_rule_of_due_next(trainee):
    # Not yet ordered and the order deadline passed, but the wanted date is past too: nothing to order any more.
    snapshot(
        trainee,
        mid_st_wanted=True,
        mid_st_order_by=MONDAY - timedelta(days=200),
        mid_st_target=MONDAY - timedelta(days=1),
    )
    run()
    assert mail_to(trainee.user) is None

    snapshot(
        trainee,
        mid_st_wanted=True,
        mid_st_order_by=MONDAY - timedelta(days=20),
        mid_st_target=MONDAY + timedelta(days=160),
    )
    run()
    (line,) = lines_of(mail_to(trainee.user))
    assert line.endswith(f"{MONDAY - timedelta(days=20):%Y-%m-%d}")
    assert url("midterm-detail", trainee.pk) in mail_to(trainee.user).body


def test_the_huvudhandledare_gets_the_statement_and_an_overdue_iup_of_their_trainees_only(
    trainee, supervisor, other_trainee, other_supervisor
):
    snapshot(trainee, statement_due=MONDAY + timedelta(days=10), iup_due=MONDAY - timedelta(days=1))
    snapshot(other_trainee, statement_due=MONDAY + timedelta(days=12), iup_due=MONDAY - timedelta(days=2))

    run()

    body = mail_to(supervisor).body
    assert url("statement-list", trainee.pk) in body
    assert url("plan-list", trainee.pk) in body
    assert trainee.user.name in body
    assert other_trainee.user.name not in body
    assert url("statement-list", other_trainee.pk) not in body
    other = mail_to(other_supervisor).body
    assert url("statement-list", other_trainee.pk) in other
    assert trainee.user.name not in other


def test_the_huvudhandledare_hears_of_the_iup_only_when_overdue_and_of_no_signed_statement(trainee, supervisor):
    snapshot(trainee, iup_due=MONDAY + timedelta(days=5), statement_due=MONDAY + timedelta(days=3), statement_done=True)

    run()

    assert mail_to(supervisor) is None
    assert url("plan-list", trainee.pk) in mail_to(trainee.user).body


def test_the_studierektor_by_unit_and_by_name_gets_their_trainees_only(
    trainee, study_director, other_trainee, other_study_director
):
    named = UserFactory(name="Namngiven Studierektor")
    trainee.study_director = named
    trainee.save(update_fields=["study_director"])
    figures = {
        "iup_due": MONDAY - timedelta(days=40),
        "next_visit_due": MONDAY + timedelta(days=25),
        "mid_st_wanted": True,
        "mid_st_order_by": MONDAY + timedelta(days=59),
        "mid_st_target": MONDAY + timedelta(days=240),
    }
    snapshot(trainee, **figures)
    snapshot(other_trainee, **figures)
    plan = TrainingPlanFactory(trainee=trainee, status=PlanStatus.SUBMITTED, submitted_at=at(2030, 5, 30))

    run()

    for director in (study_director, named):
        message = mail_to(director)
        assert url("plan-list", trainee.pk) in message.body
        assert url("review-list", trainee.pk) in message.body
        assert url("midterm-detail", trainee.pk) in message.body
        assert url("plan-detail", trainee.pk, plan.pk) in message.body
        assert other_trainee.user.name not in message.body
        assert len(lines_of(message)) == 4
    other = mail_to(other_study_director).body
    assert url("midterm-detail", other_trainee.pk) in other
    assert trainee.user.name not in other
    # The huvudhandledare hears of the overdue IUP but decides no version.
    supervisor_mail = mail_to(trainee.main_supervisor).body
    assert url("plan-list", trainee.pk) in supervisor_mail
    assert url("plan-detail", trainee.pk, plan.pk) not in supervisor_mail


def test_a_studierektor_of_another_unit_in_the_region_gets_nothing(trainee, other_study_director, region_admin):
    snapshot(trainee, iup_due=MONDAY - timedelta(days=40), next_visit_due=MONDAY)
    TrainingPlanFactory(trainee=trainee, status=PlanStatus.SUBMITTED, submitted_at=at(2030, 5, 30))

    run()

    assert mail_to(other_study_director) is None
    assert mail_to(region_admin) is None


def test_the_named_signer_gets_the_intyg_waiting_until_it_is_signed(trainee, supervisor, other_supervisor):
    cert = draft_certificate(trainee)

    run()

    message = mail_to(supervisor)
    assert url("certificate-detail", trainee.pk, cert.pk) in message.body
    assert trainee.user.name in message.body
    assert mail_to(other_supervisor) is None
    assert mail_to(trainee.user) is None

    for row in cert.signatures.all():
        workflow.sign(cert, by=row.signer, role=row.role, city="Umeå")
    mail.outbox.clear()
    run(TUESDAY)
    assert mail.outbox == []


def test_an_applied_trainee_has_no_deadlines_left(trainee, supervisor, study_director):
    snapshot(trainee, phase=Phase.APPLIED, iup_due=MONDAY - timedelta(days=3), statement_due=MONDAY)

    run()

    assert mail.outbox == []


def test_a_digest_built_from_the_records_themselves(trainee):
    """No figures set by hand: the first IUP is due six months after the start of ST (regional norm)."""
    trainee.st_start = add_months(MONDAY, -6) + timedelta(days=10)
    trainee.save(update_fields=["st_start"])
    refresh(trainee, MONDAY)
    due = StatusSnapshot.objects.get(trainee=trainee).iup_due
    assert MONDAY < due <= MONDAY + timedelta(days=30)

    run()

    message = mail_to(trainee.user)
    assert any(line.endswith(f"{due:%Y-%m-%d}") for line in lines_of(message))
    assert url("plan-list", trainee.pk) in message.body


def test_the_mail_says_how_to_change_the_frequency(trainee):
    snapshot(trainee, iup_due=MONDAY)

    run()

    message = mail_to(trainee.user)
    assert message.subject.startswith("ST-portfölj: 1 ")
    assert url("account-settings") in message.body
    assert message.body.startswith(f"Hej {trainee.user.name},")
    assert message.from_email == settings.DEFAULT_FROM_EMAIL


# --- frequency


@pytest.fixture
def supervisor_with_both(trainee, supervisor):
    """The huvudhandledare has an intyg to sign (essential) and a handledarutlåtande due (not)."""
    snapshot(trainee, TUESDAY, statement_due=TUESDAY + timedelta(days=10))
    cert = draft_certificate(trainee)
    return supervisor, cert


def test_weekly_on_a_tuesday_sends_only_what_waits_for_a_signature(supervisor_with_both, trainee):
    supervisor, cert = supervisor_with_both
    assert supervisor.reminder_frequency == ReminderFrequency.WEEKLY

    run(TUESDAY)

    (line,) = lines_of(mail_to(supervisor))
    assert url("certificate-detail", trainee.pk, cert.pk) in mail_to(supervisor).body
    assert "statement" not in line.lower()
    assert url("statement-list", trainee.pk) not in mail_to(supervisor).body


def test_weekly_on_a_monday_and_daily_on_a_tuesday_send_everything(supervisor_with_both, trainee):
    supervisor, _cert = supervisor_with_both

    run(TUESDAY + timedelta(days=6))
    assert len(lines_of(mail_to(supervisor))) == 2

    mail.outbox.clear()
    set_frequency(supervisor, ReminderFrequency.DAILY)
    run(TUESDAY)
    assert len(lines_of(mail_to(supervisor))) == 2
    assert url("statement-list", trainee.pk) in mail_to(supervisor).body


def test_essential_never_sends_the_rest(supervisor_with_both, trainee):
    supervisor, cert = supervisor_with_both
    set_frequency(supervisor, ReminderFrequency.ESSENTIAL)

    for day in (TUESDAY + timedelta(days=6), TUESDAY):
        mail.outbox.clear()
        run(day)
        assert len(lines_of(mail_to(supervisor))) == 1
        assert url("certificate-detail", trainee.pk, cert.pk) in mail_to(supervisor).body


def test_weekly_person_with_nothing_essential_gets_no_mail_on_a_tuesday(trainee, supervisor):
    snapshot(trainee, TUESDAY, statement_due=TUESDAY)

    run(TUESDAY)

    assert mail_to(supervisor) is None
    assert not SentReminder.objects.filter(user=supervisor).exists()


def test_the_submitted_iup_is_essential_for_the_studierektor(trainee, study_director):
    set_frequency(study_director, ReminderFrequency.ESSENTIAL)
    snapshot(trainee, TUESDAY, next_visit_due=TUESDAY)
    plan = TrainingPlanFactory(trainee=trainee, status=PlanStatus.SUBMITTED, submitted_at=at(2030, 5, 30))

    run(TUESDAY)

    (line,) = lines_of(mail_to(study_director))
    assert line.endswith("2030-05-30")
    assert url("plan-detail", trainee.pk, plan.pk) in mail_to(study_director).body


# --- once a day


def test_a_second_run_the_same_day_sends_nothing(trainee, supervisor, study_director):
    snapshot(trainee, iup_due=MONDAY - timedelta(days=1), statement_due=MONDAY + timedelta(days=2))
    run()
    sent = len(mail.outbox)
    recorded = set(SentReminder.objects.values_list("user_id", "day", "key"))
    assert sent == 3
    assert (study_director.pk, MONDAY, f"iup_overdue:{trainee.pk}") in recorded
    assert (supervisor.pk, MONDAY, f"statement_due:{trainee.pk}") in recorded
    assert (trainee.user_id, MONDAY, f"iup_overdue:{trainee.pk}") in recorded

    output = run()

    assert len(mail.outbox) == sent
    assert set(SentReminder.objects.values_list("user_id", "day", "key")) == recorded
    assert "Sent 0 reminder e-mail(s) with 0 item(s)" in output


def test_a_new_item_the_same_day_comes_in_a_second_smaller_digest(trainee):
    snapshot(trainee, iup_due=MONDAY - timedelta(days=1), next_visit_due=MONDAY + timedelta(days=3))
    run()
    assert len(lines_of(mail_to(trainee.user))) == 2

    plan = ActionPlanFactory(trainee=trainee, follow_up_on=MONDAY + timedelta(days=2))
    mail.outbox.clear()
    run()

    message = mail_to(trainee.user)
    assert len(lines_of(message)) == 1
    assert url("action-plan-detail", trainee.pk, plan.pk) in message.body
    assert url("plan-list", trainee.pk) not in message.body
    assert message.subject.startswith("ST-portfölj: 1 ")


def test_the_next_day_sends_again_to_whoever_wants_it_daily(trainee, supervisor):
    snapshot(trainee, iup_due=MONDAY - timedelta(days=1))
    set_frequency(trainee.user, ReminderFrequency.DAILY)
    run()
    assert mail_to(supervisor) is not None
    mail.outbox.clear()

    run(TUESDAY)

    assert [message.to for message in mail.outbox] == [[trainee.user.email]]


def test_dry_run_sends_and_records_nothing(trainee, supervisor, study_director):
    snapshot(trainee, iup_due=MONDAY - timedelta(days=1), statement_due=MONDAY + timedelta(days=2))

    output = run(MONDAY, "--dry-run")

    assert mail.outbox == []
    assert not SentReminder.objects.exists()
    assert trainee.user.email in output
    assert supervisor.email in output
    assert url("statement-list", trainee.pk) in output
    assert study_director.email in output
    assert output.endswith("Would send 3 reminder e-mail(s) with 4 item(s) for 2030-06-03; 0 failed.\n")


# --- who is skipped


def test_inactive_people_and_people_without_e_mail_are_skipped(trainee, supervisor, study_director):
    snapshot(trainee, iup_due=MONDAY - timedelta(days=1), statement_due=MONDAY)
    supervisor.is_active = False
    supervisor.save(update_fields=["is_active"])
    trainee.user.email = ""
    trainee.user.save(update_fields=["email"])

    run()

    assert [message.to for message in mail.outbox] == [[study_director.email]]
    assert set(SentReminder.objects.values_list("user_id", flat=True)) == {study_director.pk}


def test_a_trainee_whose_account_is_closed_is_not_reminded_about(trainee, supervisor, study_director):
    snapshot(trainee, iup_due=MONDAY - timedelta(days=1), statement_due=MONDAY)
    trainee.user.is_active = False
    trainee.user.save(update_fields=["is_active"])

    run()

    assert mail.outbox == []


class RefusingBackend(EmailBackend):
    """The test mail backend, refusing one address as an SMTP server would."""

    refused = "handledare@example.se"

    def send_messages(self, messages):
        for message in messages:
            if self.refused in message.to:
                raise smtplib.SMTPRecipientsRefused({self.refused: (550, b"No such user")})
        return super().send_messages(messages)


def test_one_failed_send_neither_stops_the_others_nor_is_recorded(trainee, supervisor, settings, caplog):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.RefusingBackend"}}
    snapshot(trainee, iup_due=MONDAY - timedelta(days=1), statement_due=MONDAY)
    assert supervisor.email == RefusingBackend.refused

    with caplog.at_level(logging.ERROR, logger="portfolio.reminders"):
        output = run()

    assert [message.to for message in mail.outbox] == [[email] for email in sorted_recipients(trainee)]
    assert not SentReminder.objects.filter(user=supervisor).exists()
    assert SentReminder.objects.filter(user=trainee.user).exists()
    assert "could not be sent" in caplog.text
    assert "1 failed" in output

    # The next run retries the failed one only.
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    mail.outbox.clear()
    run()
    assert [message.to for message in mail.outbox] == [[supervisor.email]]


def sorted_recipients(trainee):
    """Everyone but the refused huvudhandledare, in the order digests go out (by name)."""
    people = [trainee.user, trainee.study_director]
    return [user.email for user in sorted(people, key=lambda user: (user.name, user.pk))]


def test_a_bad_date_is_refused():
    with pytest.raises(CommandError):
        call_command("send_reminders", "--date", "3 juni")


# --- the extension point


def test_a_registered_source_is_walked(trainee, monkeypatch):
    def handlingsplan_follow_ups(today):
        yield reminders.ReminderItem(
            trainee.user_id, "spur:1", "Uppföljning av handlingsplan", url("trainee-detail", trainee.pk), today, False
        )

    monkeypatch.setattr(reminders, "SOURCES", list(reminders.SOURCES))
    reminders.register_source(handlingsplan_follow_ups)
    reminders.register_source(handlingsplan_follow_ups)

    run()

    (line,) = lines_of(mail_to(trainee.user))
    assert line == "- Uppföljning av handlingsplan – 2030-06-03"


# --- queries do not grow with the number of trainees and people


def busy_trainee(number):
    """A trainee in a unit of their own, with their own huvudhandledare and studierektor, and
    something of every kind due for each of them."""
    unit = UnitFactory()
    supervisor = UserFactory()
    director = UserFactory()
    MembershipFactory(user=director, unit=unit, role=Role.STUDY_DIRECTOR)
    trainee = TraineeFactory(unit=unit, main_supervisor=supervisor, study_director=UserFactory())
    snapshot(
        trainee,
        iup_due=MONDAY - timedelta(days=number + 1),
        next_visit_due=MONDAY + timedelta(days=number),
        statement_due=MONDAY + timedelta(days=number),
        mid_st_wanted=True,
        mid_st_order_by=MONDAY + timedelta(days=10),
        mid_st_target=MONDAY + timedelta(days=190),
    )
    ActionPlanFactory(trainee=trainee, follow_up_on=MONDAY)
    AssessmentRequestFactory(trainee=trainee, expires_at=expires_on(MONDAY + timedelta(days=2)))
    TrainingPlanFactory(trainee=trainee, status=PlanStatus.SUBMITTED, submitted_at=at(2030, 5, 1))
    draft_certificate(trainee)
    for user in (trainee.user, supervisor, director, trainee.study_director):
        set_frequency(user, ReminderFrequency.DAILY)
    return trainee


def queries_of(action):
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured.captured_queries)


def test_collecting_takes_the_same_queries_for_one_and_four_trainees_and_sending_one_more_per_mail():
    busy_trainee(0)
    one_collect = queries_of(lambda: reminders.collect(MONDAY))
    one_send = queries_of(lambda: reminders.send_digests(MONDAY))
    assert len(mail.outbox) == 4
    SentReminder.objects.all().delete()
    mail.outbox.clear()

    for number in range(1, 4):
        busy_trainee(number)
    items = reminders.collect(MONDAY)
    four_collect = queries_of(lambda: reminders.collect(MONDAY))
    four_send = queries_of(lambda: reminders.send_digests(MONDAY))

    assert len(mail.outbox) == 16
    assert sum(len(found) for found in items.values()) == 4 * (5 + 3 + 4 + 4)
    assert four_collect == one_collect
    # Each mail is recorded as soon as it has gone out: one insert per mail, nothing per item.
    assert four_send - 16 == one_send - 4
