"""Demo portfolio records for seed_demo: tjänstgöringar, ledighet, handledning, kurser,
activities, IUP versions, årsrapporter and årsbesök that look like real ST years.

Deterministic for a given day: the random numbers are seeded per trainee. Each kind of
record is added only when the trainee has none yet, so running seed_demo again adds
nothing.
"""

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from accounts.domain import policy_for
from accounts.models import Unit
from portfolio.enums import BTMode, LeaveKind, OtherActivityKind, PlanStatus, ServiceKind, SupervisionKind
from portfolio.models import (
    AnnualReport,
    AnnualVisit,
    Course,
    Leave,
    OtherActivity,
    ServicePeriod,
    SupervisionMeeting,
    Trainee,
    TrainingPlan,
)
from portfolio.timecalc import add_months

# place, months, the c-delmål (2015 numbering; STc under 2021) it gives experience for
SIDE_PLACEMENTS = [
    ("Medicinkliniken, Norrmarks sjukhus", 4, ["c2", "c4", "c5"]),
    ("Psykiatriska kliniken, Norrmarks sjukhus", 3, ["c13"]),
    ("Barn- och ungdomskliniken, Norrmarks sjukhus", 3, ["c6"]),
    ("Kvinnokliniken, Norrmarks sjukhus", 3, ["c7"]),
    ("Öron-, näs- och halskliniken, Norrmarks sjukhus", 2, ["c1"]),
]
# The ST-läkare whose application is complete in the demo (portfolio/demo_certificates.py) work full time.
FULL_TIME = {"st-aslund", "st-rahimi", "st-lundgren"}
HOME_GOALS = ["c1", "c2", "c3", "c4", "c5", "c8", "c9", "c10", "c11", "c12"]
COURSES = [
    ("Kurs i allmänmedicinskt förhållningssätt", "Region Norrmark", ["c3", "STc3"]),
    ("Konsultationskurs", "Region Norrmark", ["b1", "STb1"]),
    ("BHV-kurs", "Region Norrmark", ["c6", "STc6"]),
    ("Ledarskap för ST-läkare", "Regionala kursdagar", ["a1", "STa5"]),
    ("Etik i vardagen", "Regionala kursdagar", ["a2", "STa4"]),
    ("Försäkringsmedicin", "Försäkringsmedicinska kursdagar", ["b4", "STb3"]),
    ("Kurs i lagar, föreskrifter och myndighetsutövning", "Region Norrmark", ["a6", "c14", "STa1", "STc15"]),
]
TOPICS = [
    "Multisjuk äldre patient, läkemedelsgenomgång",
    "Sjukskrivning och försäkringsmedicin",
    "Barn med feber, bedömning av allmäntillstånd",
    "Psykisk ohälsa, suicidriskbedömning",
    "Prioritering på mottagningen",
    "Journalföring och intyg",
    "Konsultationsteknik, patientens farhågor",
    "Hembesök och palliativ vård",
]


# Apps above portfolio (contracts) add their part of the demo region here from their
# AppConfig.ready(); seed_demo runs them, in order, after the portfolio and assessments.
EXTRA_SEEDS = []


def register_seed(seed):
    """`seed(today)` must be idempotent: seed_demo may run any number of times."""
    if seed not in EXTRA_SEEDS:
        EXTRA_SEEDS.append(seed)
    return seed


def aware(day: date, hour: int = 10):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def populate(trainee: Trainee, today: date, people: dict) -> None:
    rng = random.Random(f"{trainee.user.username}:{today.isoformat()}")  # noqa: S311 -- demo data, not security  # nosec B311
    goals = {goal.code: goal for goal in trainee.curriculum.goals.all()}
    if not trainee.service_periods.exists():
        _service(trainee, rng, goals)
    if not trainee.leaves.exists():
        _leave(trainee, today, rng)
    if not trainee.supervision_meetings.exists():
        _supervision(trainee, today, rng, goals)
    if not trainee.courses.exists():
        _courses(trainee, today, goals)
    if not trainee.other_activities.exists():
        _activities(trainee, today, goals)
    if not trainee.plans.exists():
        _plans(trainee, today, goals, people)
    if not trainee.annual_reports.exists() and not trainee.annual_visits.exists():
        _reviews(trainee, today, people)


def _service(trainee, rng, goals):
    home = trainee.unit
    hospital = Unit.objects.filter(region=home.region, kind="klinik").first()
    percent = rng.choice([100, 100, 100, 80, 75])
    if trainee.user.username in FULL_TIME:
        percent = 100
    rows = []
    cursor = trainee.st_start
    if trainee.bt_mode == BTMode.SEPARATE:
        # BT before ST is part of the total time: the 15 months before ST starts.
        bt_start = add_months(trainee.st_start, -15)
        rows.append((ServiceKind.BT_PRIMARY, home, "", bt_start, add_months(bt_start, 6), 100, []))
        rows.append((ServiceKind.BT_ACUTE, hospital, "", add_months(bt_start, 6), trainee.st_start, 100, []))
    if trainee.bt_mode == BTMode.INTEGRATED:
        rows.append((ServiceKind.BT_PRIMARY, home, "", cursor, add_months(cursor, 6), 100, []))
        cursor = add_months(cursor, 6)
        rows.append((ServiceKind.BT_ACUTE, hospital, "", cursor, add_months(cursor, 4), 100, []))
        cursor = add_months(cursor, 4)
    main_end = add_months(cursor, 18)
    rows.append((ServiceKind.MAIN, home, "", cursor, main_end, percent, HOME_GOALS))
    cursor = main_end
    for name, months, codes in SIDE_PLACEMENTS:
        end = add_months(cursor, months)
        unit = hospital if hospital and name == hospital.name else None
        rows.append((ServiceKind.SIDE, unit, "" if unit else name, cursor, end, 100, codes))
        cursor = end
    planned_end = add_months(trainee.st_start, trainee.required_fte_months + 8)
    rows.append((ServiceKind.MAIN, home, "", cursor, planned_end, percent, HOME_GOALS))
    created = ServicePeriod.objects.bulk_create(
        ServicePeriod(
            trainee=trainee,
            kind=kind,
            unit=unit,
            workplace=workplace,
            specialty=trainee.specialty if kind in (ServiceKind.MAIN, ServiceKind.BT_PRIMARY) else None,
            start=start,
            end=end - timedelta(days=1),
            percent=pct,
            supervisor=trainee.main_supervisor if unit == home else None,
            supervisor_name="" if unit == home else "Handledare på kliniken",
        )
        for kind, unit, workplace, start, end, pct, _codes in rows
    )
    prefix = "ST" if trainee.regulation.bt_required else ""
    through = ServicePeriod.goals.through
    through.objects.bulk_create(
        through(serviceperiod_id=period.pk, goal_id=goals[prefix + code].pk)
        for period, row in zip(created, rows, strict=True)
        for code in row[-1]
        if prefix + code in goals
    )


def _leave(trainee, today, rng):
    leaves = []
    if rng.random() < 0.25:
        start = add_months(trainee.st_start, 20)
        if start < today:
            leaves.append(Leave(trainee=trainee, kind=LeaveKind.PARENTAL, start=start, end=add_months(start, 5)))
    for year in range(trainee.st_start.year, today.year + 1):
        start = date(year, 7, 1) + timedelta(days=rng.randint(0, 14))
        end = start + timedelta(days=27)
        clashes = any(other.start <= end and start <= other.end for other in leaves)
        if trainee.st_start < start < today and not clashes:
            leaves.append(Leave(trainee=trainee, kind=LeaveKind.VACATION, start=start, end=end))
    Leave.objects.bulk_create(leaves)


def _supervision(trainee, today, rng, goals):
    if trainee.main_supervisor is None:
        return
    # Most keep the norm, one in four does not; the demo ST-läkare keeps it, so her page
    # shows the usual case and the studierektor's list shows the exceptions.
    attendance = 1.0 if trainee.user.username == "demo-st" else rng.choice([1.0, 0.97, 0.95, 0.6])
    day = trainee.st_start + timedelta(days=(1 - trainee.st_start.weekday()) % 7)  # first Tuesday
    meetings, week = [], 0
    while day <= today:
        if not (day.month == 7 and day.day < 29) and rng.random() < attendance:
            if week % 13 == 0:
                kind = SupervisionKind.IUP_REVIEW
            elif week % 6 == 0:
                kind = SupervisionKind.SIT_IN
            else:
                kind = SupervisionKind.TALK
            meetings.append(
                SupervisionMeeting(
                    trainee=trainee,
                    date=day,
                    minutes=rng.choice([60, 60, 75, 90]),
                    kind=kind,
                    supervisor=trainee.main_supervisor,
                    topics=rng.choice(TOPICS),
                    notes="",
                    created_by=trainee.user,
                )
            )
        day += timedelta(weeks=1)
        week += 1
    created = SupervisionMeeting.objects.bulk_create(meetings)
    codes = [code for code in goals if code.startswith(("c", "STc"))]
    through = SupervisionMeeting.goals.through
    through.objects.bulk_create(
        through(supervisionmeeting_id=meeting.pk, goal_id=goals[rng.choice(codes)].pk)
        for meeting in created[::3]
        if codes
    )


def _courses(trainee, today, goals):
    policy = policy_for(trainee.unit.region)
    mandatory = {course.name: course for course in policy.mandatory_courses.all()}
    months_in = (today.year - trainee.st_start.year) * 12 + today.month - trainee.st_start.month
    for index, (title, provider, codes) in enumerate(COURSES):
        start = add_months(trainee.st_start, 4 + index * 7)
        if start >= today or index * 7 > months_in:
            break
        course = Course.objects.create(
            trainee=trainee,
            title=title,
            provider=provider,
            start=start,
            end=start + timedelta(days=2),
            mandatory_course=mandatory.get(title),
            created_by=trainee.user,
        )
        course.goals.set([goals[code] for code in codes if code in goals])


def _activities(trainee, today, goals):
    started = add_months(trainee.st_start, 24)
    if started >= today:
        return
    quality = OtherActivity.objects.create(
        trainee=trainee,
        kind=OtherActivityKind.QUALITY_WORK if "a4" in goals else OtherActivityKind.DEVELOPMENT_WORK,
        title="Uppföljning av antibiotikaförskrivning vid luftvägsinfektioner",
        start=started,
        end=add_months(started, 6),
        description="Journalgranskning före och efter en genomgång av riktlinjerna på APT.",
        created_by=trainee.user,
    )
    quality.goals.set([goals[code] for code in ("a4", "STa2") if code in goals])
    OtherActivity.objects.create(
        trainee=trainee,
        kind=OtherActivityKind.TEACHING,
        title="Undervisning av läkarstudenter om hypertoni",
        start=add_months(started, 3),
        created_by=trainee.user,
    )


def _plans(trainee, today, goals, people):
    director = trainee.study_director or people.get("demo-studierektor")
    content = {
        "planned_service": "18 månader på hälsocentralen, därefter sidotjänstgöring inom medicin, psykiatri, "
        "barn- och kvinnosjukvård, sedan åter till hälsocentralen.",
        "planned_courses": "Obligatoriska kurser enligt regionens lista; konsultationskurs under första året.",
        "internal_activities": "ST-träffar varannan vecka, journal club en gång i månaden.",
        "external_activities": "Regionala kursdagar, Mitt-i-ST efter halva tiden.",
        "assessment_plan": "Minst fyra kompetensvärderingar per halvår: mini-CEX, medsittning och CbD.",
    }
    focus = [goal for code, goal in goals.items() if code[:2] in ("c1", "c3", "ST")][:6]
    months_in = (today - trainee.st_start).days // 30
    if months_in < 2:
        return
    first = TrainingPlan.objects.create(
        trainee=trainee, version=1, created_by=trainee.user, status=PlanStatus.DRAFT, **content
    )
    first.goals.set(focus)
    if months_in < 5:
        # Newest trainees: one IUP submitted and waiting, or returned with a comment.
        if trainee.user.username.endswith(("n", "a")):
            TrainingPlan.objects.filter(pk=first.pk).update(status=PlanStatus.SUBMITTED, submitted_at=aware(today))
        return
    approved_on = add_months(trainee.st_start, 5)
    TrainingPlan.objects.filter(pk=first.pk).update(
        status=PlanStatus.APPROVED,
        submitted_at=aware(approved_on - timedelta(days=10)),
        decided_at=aware(approved_on),
        decided_by=director,
    )
    if months_in > 18:
        # The latest revision was approved about two months ago, as in a unit that keeps up.
        second_on = max(add_months(trainee.st_start, 17), today - timedelta(days=60))
        TrainingPlan.create_with_goals(
            focus,
            trainee=trainee,
            version=2,
            based_on=first,
            created_by=trainee.user,
            status=PlanStatus.APPROVED,
            submitted_at=aware(second_on - timedelta(days=7)),
            decided_at=aware(second_on),
            decided_by=director,
            decision_comment="Bra plan. Boka Mitt-i-ST i god tid.",
            **{**content, "planned_service": content["planned_service"] + " Psykiatri flyttad till våren."},
        )
    if trainee.user.username in {"st-andersson", "st-lundgren"}:
        latest = trainee.plans.order_by("-version").first()
        TrainingPlan.create_with_goals(
            focus,
            trainee=trainee,
            version=latest.version + 1,
            based_on=latest,
            created_by=trainee.user,
            status=PlanStatus.RETURNED,
            submitted_at=aware(today - timedelta(days=20)),
            decided_at=aware(today - timedelta(days=12)),
            decided_by=director,
            decision_comment="Komplettera med planerade kurser för sista året och en plan för vetenskapligt arbete.",
            **content,
        )


def _reviews(trainee, today, people):
    director = trainee.study_director or people.get("demo-studierektor")
    visit_day = add_months(trainee.st_start, 11)
    while visit_day < today:
        year = visit_day.year
        AnnualReport.objects.create(
            trainee=trainee,
            year=year,
            done="Tjänstgöring enligt IUP, kurser enligt plan och regelbunden handledning.",
            went_well="Mottagningsarbetet och samarbetet med teamet.",
            to_develop="Struktur i långa konsultationer; vetenskapligt arbete.",
            next_steps="Sidotjänstgöringar och kvalitetsarbete enligt IUP.",
            submitted_at=aware(visit_day - timedelta(days=14)),
        )
        AnnualVisit.objects.create(
            trainee=trainee,
            date=visit_day,
            participants=f"{trainee.user.name}, {trainee.main_supervisor or ''}, {director or ''}".strip(", "),
            notes="Genomgång av årsrapport, handledarutlåtande och IUP.",
            decisions="IUP revideras inför nästa termin.",
            recorded_by=director,
        )
        visit_day = add_months(visit_day, 12)
