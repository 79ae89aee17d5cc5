"""Deterministic national-scale data for benchmarks: `seed_scale(trainees=10_000)`.

One region with about N/10 allmänmedicin units, 0.3·N handledare and N ST-läkare at every
stage, each with the records the portfolio holds (portfolio/demo.py builds the same kinds
of record one trainee at a time). Everything is computed in Python first and written with
bulk_create; the stored readiness is not recomputed (`store.deferred()`); every account
gets one password hash computed once.

Apps above portfolio add their part through `register_scale` from their AppConfig.ready()
(assessments/scale.py, contracts/scale.py), so this module never imports their models.
Same seed and same `today` give the same rows.
"""

import random
import time as clock
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from accounts.enums import Role, UnitKind
from accounts.models import Membership, Region, Specialty, Unit, User
from portfolio.demo import COURSES, HOME_GOALS, SIDE_PLACEMENTS, TOPICS, aware
from portfolio.demo_certificates import FORMS
from portfolio.enums import (
    ActivityType,
    BTMode,
    CurriculumKind,
    LeaveKind,
    PlanStatus,
    RegulationCode,
    ServiceKind,
    SignedStatus,
    SignerRole,
    SupervisionKind,
)
from portfolio.models import (
    AnnualReport,
    AnnualVisit,
    Certificate,
    CertificateSignature,
    Course,
    Curriculum,
    Leave,
    Regulation,
    ServicePeriod,
    SupervisionMeeting,
    Trainee,
    TrainingPlan,
)
from portfolio.readiness import store
from portfolio.timecalc import add_months

PASSWORD = "scale"  # noqa: S105 -- the published password of generated benchmark accounts  # nosec B105
PREFIX = "scale-"
REGION = ("Region Skalmark", "skalmark")
NEW_RULES_FROM = date(2021, 7, 1)
BATCH = 2000
UNITS_PER_DIRECTOR = 100
EVIDENCE_TRAINEES = 15

FIRST_NAMES = [
    "Anna", "Erik", "Maria", "Lars", "Karin", "Anders", "Sara", "Johan", "Emma", "Per", "Elin", "Mikael",
    "Ida", "Fredrik", "Maja", "Oskar", "Hanna", "Nils", "Linnea", "Gustav", "Sofia", "Olof", "Klara",
    "Henrik", "Ebba", "Viktor", "Alva", "Jonas", "Saga", "Amir", "Leila", "Ahmed", "Fatima", "Mats", "Eva",
    "Ingrid", "Axel", "Wilma", "Hugo", "Astrid", "Filip", "Julia", "David", "Agnes", "Isak", "Greta",
]  # fmt: skip
LAST_NAMES = [
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson",
    "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson", "Jönsson", "Lindberg",
    "Jakobsson", "Magnusson", "Olofsson", "Lindström", "Lindqvist", "Lindgren", "Berg", "Axelsson",
    "Bergström", "Lundberg", "Lind", "Lundgren", "Lundqvist", "Mattsson", "Berglund", "Fredriksson",
    "Sandberg", "Henriksson", "Sjöberg", "Forsberg", "Wallin", "Engström", "Danielsson", "Håkansson",
    "Öberg", "Åberg", "Holmström", "Nyberg", "Wikström", "Hedlund", "Bäckman", "Östlund", "Rahimi",
]  # fmt: skip
PLACES = ["Norr", "Söder", "Öster", "Väster", "Centrum", "Strand", "Berg", "Dal", "Ås", "Skog"]

# Apps above portfolio register `part(scale)` here; seed_scale runs them in order after its own.
SCALE_PARTS = []


def register_scale(part):
    if part not in SCALE_PARTS:
        SCALE_PARTS.append(part)
    return part


class ScaleRefused(Exception):
    """The database already holds trainees or generated accounts; nothing was written."""


@dataclass
class ScaleResult:
    counts: dict[str, int]
    seconds: float
    password: str
    director_username: str
    supervisor_username: str
    trainee_username: str
    ready_trainee_username: str
    unit_head_username: str
    evidence_unit_id: int
    admin_username: str

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass
class Scale:
    """What the parts share: the generated people, units and trainees, and the counter."""

    seed: int
    today: date
    stdout: object = None
    counts: dict = field(default_factory=dict)
    region: Region = None
    units: list = field(default_factory=list)
    heads: dict = field(default_factory=dict)  # unit pk → chef
    directors: list = field(default_factory=list)
    supervisors_by_unit: dict = field(default_factory=dict)
    trainees: list = field(default_factory=list)
    goals: dict = field(default_factory=dict)  # regulation code → {code: Goal}
    periods: dict = field(default_factory=dict)  # trainee pk → [ServicePeriod]
    period_goals: dict = field(default_factory=dict)  # ServicePeriod pk → [goal pk]
    ready: list = field(default_factory=list)  # trainees to make ready to apply
    landmarks: dict = field(default_factory=dict)

    def rng(self, *key):
        return random.Random(":".join(str(part) for part in (self.seed, *key)))  # noqa: S311 -- test data  # nosec B311

    def add(self, model, rows):
        """bulk_create in batches, counted under the model's label; returns the saved rows."""
        rows = list(rows)
        created = model.objects.bulk_create(rows, batch_size=BATCH) if rows else []
        label = model._meta.label
        self.counts[label] = self.counts.get(label, 0) + len(created)
        return created

    def link(self, relation, pairs, left, right):
        """Rows of an m2m table from (object pk, goal pk) pairs.

        Two integer columns and no behaviour: written with executemany, skipping the
        model instances and SQL compilation that would cost more than the insert itself.
        """
        through = relation.through
        rows = list(pairs)
        meta, quote = through._meta, connection.ops.quote_name
        columns = ", ".join(quote(meta.get_field(name).column) for name in (left, right))
        sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES (%s, %s)"  # noqa: S608 -- names from the model  # nosec B608
        with connection.cursor() as cursor:
            for begin in range(0, len(rows), BATCH * 5):
                cursor.executemany(sql, rows[begin : begin + BATCH * 5])
        label = meta.label
        self.counts[label] = self.counts.get(label, 0) + len(rows)

    def say(self, text):
        if self.stdout is not None:
            self.stdout.write(text)


def seed_scale(trainees: int, seed: int = 1, today: date | None = None, stdout=None) -> ScaleResult:
    if trainees < 1:
        raise ValueError("trainees must be at least 1")
    refuse_unless_empty()
    scale = Scale(seed=seed, today=today or timezone.localdate(), stdout=stdout)
    started = clock.perf_counter()
    with store.deferred(), transaction.atomic():
        _people_and_units(scale, trainees)
        _trainees(scale, trainees)
        _portfolio(scale)
        for part in SCALE_PARTS:
            part(scale)
    seconds = clock.perf_counter() - started
    return ScaleResult(counts=dict(scale.counts), seconds=seconds, password=PASSWORD, **scale.landmarks)


def refuse_unless_empty():
    """Generated data is for an empty database: never mixed with real trainees, never run twice."""
    if Trainee.objects.exists() or User.objects.filter(username__startswith=PREFIX).exists():
        raise ScaleRefused(
            "The database already holds ST-läkare or generated accounts; seed_scale only writes to a "
            "freshly migrated database."
        )


def _name(rng):
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _people_and_units(scale, trainees):
    rng = scale.rng("people")
    unit_count = max(3, round(trainees / 10))
    specialty = Specialty.objects.get(slug="allmanmedicin")
    scale.region = Region.objects.create(name=REGION[0], code=REGION[1])
    scale.counts["accounts.Region"] = 1
    scale.units = scale.add(
        Unit,
        (
            Unit(
                name=f"{PLACES[number % len(PLACES)]}-{number // len(PLACES) + 1:03} hälsocentral",
                kind=UnitKind.HALSOCENTRAL if number % 2 else UnitKind.VARDCENTRAL,
                specialty=specialty,
                region=scale.region,
            )
            for number in range(unit_count)
        ),
    )
    password = make_password(PASSWORD)

    def person(kind, number, width, **fields):
        username = f"{PREFIX}{kind}-{number:0{width}}"
        return User(username=username, email=f"{username}@scale.invalid", name=_name(rng), password=password, **fields)

    director_count = -(-unit_count // UNITS_PER_DIRECTOR)
    scale.directors = scale.add(
        User,
        (
            person("sr", n, 2, specialist_in=specialty, supervisor_training_year=2010 + n % 10)
            for n in range(director_count)
        ),
    )
    heads = scale.add(User, (person("chef", n, 4) for n in range(unit_count)))
    scale.heads = {unit.pk: head for unit, head in zip(scale.units, heads, strict=True)}
    admin = scale.add(User, [person("admin", 1, 2)])[0]
    # Handledare per unit in proportion to its trainees (0.3 per trainee, at least one).
    per_unit = _trainees_per_unit(trainees, unit_count)
    supervisor_rows, owners = [], []
    for unit, count in zip(scale.units, per_unit, strict=True):
        for _ in range(max(1, round(count * 0.3))):
            supervisor_rows.append(
                person(
                    "hl",
                    len(supervisor_rows),
                    4,
                    specialist_in=specialty,
                    supervisor_training_year=rng.choice([None, 2012, 2016, 2019, 2022]),
                )
            )
            owners.append(unit)
    for unit, supervisor in zip(owners, scale.add(User, supervisor_rows), strict=True):
        scale.supervisors_by_unit.setdefault(unit.pk, []).append(supervisor)
    memberships = [Membership(user=admin, role=Role.ADMINISTRATOR, region=scale.region)]
    for index, unit in enumerate(scale.units):
        memberships.append(
            Membership(user=scale.directors[index // UNITS_PER_DIRECTOR], role=Role.STUDY_DIRECTOR, unit=unit)
        )
        memberships.append(Membership(user=scale.heads[unit.pk], role=Role.UNIT_HEAD, unit=unit))
        for supervisor in scale.supervisors_by_unit[unit.pk]:
            memberships.append(Membership(user=supervisor, role=Role.SUPERVISOR, unit=unit))
            memberships.append(Membership(user=supervisor, role=Role.SPECIALIST, unit=unit))
    scale.add(Membership, memberships)
    scale.landmarks.update(
        director_username=scale.directors[0].username,
        unit_head_username=heads[0].username,
        evidence_unit_id=scale.units[0].pk,
        admin_username=admin.username,
    )


def _trainees_per_unit(trainees, unit_count):
    """The first unit (the SPUR evidence unit) holds exactly 15 when there are enough;
    the rest are spread evenly."""
    first = (
        min(EVIDENCE_TRAINEES, trainees) if trainees >= EVIDENCE_TRAINEES + unit_count - 1 else trainees // unit_count
    )
    rest = trainees - first
    others = unit_count - 1
    return [first] + [rest // others + (1 if index < rest % others else 0) for index in range(others)]


def _trainees(scale, count):
    rng = scale.rng("trainees")
    regulations = {regulation.code: regulation for regulation in Regulation.objects.all()}
    specialty = scale.units[0].specialty
    for code, regulation in regulations.items():
        curriculum = Curriculum.objects.filter(
            regulation=regulation, specialty=specialty, kind=CurriculumKind.ST
        ).first()
        if curriculum is not None:
            scale.goals[code] = {goal.code: goal for goal in curriculum.goals.all()}
    password = make_password(PASSWORD)
    people, rows = [], []
    number = 0
    for index, unit in enumerate(scale.units):
        in_unit = _trainees_per_unit(count, len(scale.units))[index]
        supervisors = scale.supervisors_by_unit[unit.pk]
        for position in range(in_unit):
            if number == 0:
                start = add_months(scale.today, -60)  # the landmark: five full years
            elif number == 1:
                start = add_months(scale.today, -66)  # the landmark ready to apply
            else:
                start = scale.today - timedelta(days=rng.randint(20, int(5.5 * 365)))
            code = RegulationCode.HSLF_FS_2021_8 if start >= NEW_RULES_FROM else RegulationCode.SOSFS_2015_8
            if number == 1:
                code = RegulationCode.SOSFS_2015_8
            # HSLF-FS 2021:8 always has BT: mostly integrated, some did it before ST.
            bt, bt_approved = BTMode.NONE, None
            if code == RegulationCode.HSLF_FS_2021_8:
                bt = BTMode.SEPARATE if number > 1 and rng.random() < 0.3 else BTMode.INTEGRATED
                bt_approved = start - timedelta(days=1) if bt == BTMode.SEPARATE else add_months(start, 12)
                if bt_approved >= scale.today:
                    bt_approved = None
            main = supervisors[position * len(supervisors) // in_unit]
            others = [s for s in supervisors if s.pk != main.pk]
            username = f"{PREFIX}st-{number:05}"
            people.append(
                User(username=username, email=f"{username}@scale.invalid", name=_name(rng), password=password)
            )
            rows.append(
                Trainee(
                    unit=unit,
                    specialty=specialty,
                    regulation=regulations[code],
                    bt_mode=bt,
                    bt_approved_on=bt_approved,
                    st_start=start,
                    main_supervisor=main,
                    second_specialist=others[0] if others else None,
                    study_director=scale.directors[index // UNITS_PER_DIRECTOR],
                    has_doctorate=number > 1 and rng.random() < 0.05,
                )
            )
            number += 1
    for user, trainee in zip(scale.add(User, people), rows, strict=True):
        trainee.user = user
    scale.trainees = scale.add(Trainee, rows)
    first = scale.trainees[0]
    mentor_load = sum(1 for t in scale.trainees if t.main_supervisor_id == first.main_supervisor_id)
    supervisor = first.main_supervisor
    if not 3 <= mentor_load <= 4:
        loads = {}
        for trainee in scale.trainees:
            loads[trainee.main_supervisor_id] = loads.get(trainee.main_supervisor_id, 0) + 1
        supervisor = next(
            (t.main_supervisor for t in scale.trainees if 3 <= loads[t.main_supervisor_id] <= 4), supervisor
        )
    scale.landmarks.update(
        trainee_username=first.user.username,
        ready_trainee_username=scale.trainees[min(1, len(scale.trainees) - 1)].user.username,
        supervisor_username=supervisor.username,
    )


def _portfolio(scale):
    periods, period_goals = [], []
    leaves, meetings, meeting_goals, courses, course_goals = [], [], [], [], []
    plans, reports, visits = [], [], []
    for trainee in scale.trainees:
        rng = scale.rng("portfolio", trainee.user.username)
        goals = scale.goals.get(trainee.regulation.code, {})
        full_time = trainee is scale.trainees[0] or trainee.user.username == scale.landmarks["ready_trainee_username"]
        for row, codes in _service(scale, trainee, rng, full_time):
            periods.append(row)
            period_goals.append([goals[c].pk for c in codes if c in goals])
        leaves.extend(_leave(scale, trainee, rng, full_time))
        _supervision(scale, trainee, rng, goals, meetings, meeting_goals)
        _courses(scale, trainee, goals, courses, course_goals)
        plans.extend(_plans(scale, trainee, rng))
        _reviews(scale, trainee, reports, visits)
    created = scale.add(ServicePeriod, periods)
    scale.link(
        ServicePeriod.goals,
        ((p.pk, g) for p, gs in zip(created, period_goals, strict=True) for g in gs),
        "serviceperiod_id",
        "goal_id",
    )
    for period, goals in zip(created, period_goals, strict=True):
        scale.periods.setdefault(period.trainee_id, []).append(period)
        scale.period_goals[period.pk] = goals
    scale.add(Leave, leaves)
    created = scale.add(SupervisionMeeting, meetings)
    scale.link(
        SupervisionMeeting.goals,
        ((m.pk, g) for m, g in zip(created, meeting_goals, strict=True) if g),
        "supervisionmeeting_id",
        "goal_id",
    )
    created_courses = scale.add(Course, courses)
    scale.link(
        Course.goals,
        ((c.pk, g) for c, gs in zip(created_courses, course_goals, strict=True) for g in gs),
        "course_id",
        "goal_id",
    )
    scale.add(TrainingPlan, plans)
    scale.add(AnnualReport, reports)
    scale.add(AnnualVisit, visits)
    _certificates(scale, created_courses, course_goals)


def _service(scale, trainee, rng, full_time):
    """Like the demo: BT placements, 18 months at the home unit, the side placements, and
    home again until the planned end; part-time trainees stay longer."""
    percent = 100 if full_time else rng.choice([100, 100, 100, 80, 75])
    prefix = "ST" if trainee.regulation.code == RegulationCode.HSLF_FS_2021_8 else ""
    rows = []
    cursor = trainee.st_start
    if trainee.bt_mode == BTMode.SEPARATE:
        # BT before ST counts in the total time: the 15 months before ST starts.
        bt_start = add_months(cursor, -15)
        rows.append((ServiceKind.BT_PRIMARY, trainee.unit, "", bt_start, add_months(bt_start, 6), 100, []))
        rows.append(
            (ServiceKind.BT_ACUTE, None, "Akutkliniken, länssjukhuset", add_months(bt_start, 6), cursor, 100, [])
        )
    if trainee.bt_mode == BTMode.INTEGRATED:
        rows.append((ServiceKind.BT_PRIMARY, trainee.unit, "", cursor, add_months(cursor, 6), 100, []))
        cursor = add_months(cursor, 6)
        rows.append((ServiceKind.BT_ACUTE, None, "Akutkliniken, länssjukhuset", cursor, add_months(cursor, 4), 100, []))
        cursor = add_months(cursor, 4)
    main_end = add_months(cursor, 18)
    rows.append((ServiceKind.MAIN, trainee.unit, "", cursor, main_end, percent, HOME_GOALS))
    cursor = main_end
    for name, months, codes in SIDE_PLACEMENTS:
        end = add_months(cursor, months)
        rows.append((ServiceKind.SIDE, None, name.replace("Norrmarks", "Skalmarks"), cursor, end, 100, codes))
        cursor = end
    extra = 0 if percent == 100 else round(trainee.required_fte_months * (100 - percent) / percent)
    planned_end = max(add_months(trainee.st_start, trainee.required_fte_months + 6 + extra), add_months(cursor, 1))
    rows.append((ServiceKind.MAIN, trainee.unit, "", cursor, planned_end, percent, HOME_GOALS))
    for kind, unit, workplace, start, end, pct, codes in rows:
        at_home = unit is not None
        yield (
            ServicePeriod(
                trainee=trainee,
                kind=kind,
                unit=unit,
                workplace=workplace,
                specialty=trainee.specialty if kind in (ServiceKind.MAIN, ServiceKind.BT_PRIMARY) else None,
                start=start,
                end=end - timedelta(days=1),
                percent=pct,
                supervisor=trainee.main_supervisor if at_home else None,
                supervisor_name="" if at_home else "Handledare på kliniken",
            ),
            [prefix + code for code in codes],
        )


def _leave(scale, trainee, rng, full_time):
    leaves = []
    if not full_time and rng.random() < 0.15:
        start = add_months(trainee.st_start, 20)
        if start < scale.today:
            leaves.append(Leave(trainee=trainee, kind=LeaveKind.PARENTAL, start=start, end=add_months(start, 5)))
    for year in range(trainee.st_start.year, scale.today.year + 1):
        start = date(year, 7, 1) + timedelta(days=rng.randint(0, 14))
        end = start + timedelta(days=27)
        clashes = any(other.start <= end and start <= other.end for other in leaves)
        if trainee.st_start < start and end < scale.today and not clashes:
            leaves.append(Leave(trainee=trainee, kind=LeaveKind.VACATION, start=start, end=end))
    return leaves


def _supervision(scale, trainee, rng, goals, meetings, meeting_goals):
    """Weekly handledning outside the summer weeks (about 45 a year); one in five keeps it less well."""
    attendance = 1.0 if trainee is scale.trainees[0] else rng.choice([1.0, 1.0, 0.97, 0.95, 0.8])
    codes = [goal.pk for code, goal in goals.items() if code.startswith(("c", "STc"))]
    day = trainee.st_start + timedelta(days=(1 - trainee.st_start.weekday()) % 7)
    week = 0
    while day <= scale.today:
        if not (day.month == 7 or (day.month == 12 and day.day > 22)) and rng.random() < attendance:
            kind = (
                SupervisionKind.IUP_REVIEW
                if week % 13 == 0
                else SupervisionKind.SIT_IN
                if week % 6 == 0
                else SupervisionKind.TALK
            )
            meetings.append(
                SupervisionMeeting(
                    trainee=trainee,
                    date=day,
                    minutes=rng.choice([60, 60, 75, 90]),
                    kind=kind,
                    supervisor=trainee.main_supervisor,
                    topics=rng.choice(TOPICS),
                    created_by=trainee.user,
                )
            )
            meeting_goals.append(rng.choice(codes) if codes and week % 3 == 0 else None)
        day += timedelta(weeks=1)
        week += 1


def _courses(scale, trainee, goals, courses, course_goals):
    for index, (title, provider, codes) in enumerate(COURSES):
        start = add_months(trainee.st_start, 4 + index * 7)
        if start >= scale.today:
            break
        courses.append(
            Course(
                trainee=trainee,
                title=title,
                provider=provider.replace("Norrmark", "Skalmark"),
                start=start,
                end=start + timedelta(days=2),
                created_by=trainee.user,
            )
        )
        course_goals.append([goals[code].pk for code in codes if code in goals])


def _plans(scale, trainee, rng):
    """IUP v1 approved after five months, v2 after eighteen; the newest have a draft or a
    submitted version, and one in ten has a revision waiting for the studierektor."""
    content = {
        "planned_service": "18 månader på hälsocentralen, därefter sidotjänstgöring, sedan åter till hälsocentralen.",
        "planned_courses": "Obligatoriska kurser enligt regionens lista.",
        "assessment_plan": "Minst fyra kompetensvärderingar per halvår.",
    }
    months_in = (scale.today - trainee.st_start).days // 30
    director = trainee.study_director
    if months_in < 1:
        return []
    if months_in < 5:
        submitted = rng.random() < 0.5
        return [
            TrainingPlan(
                trainee=trainee,
                version=1,
                created_by=trainee.user,
                status=PlanStatus.SUBMITTED if submitted else PlanStatus.DRAFT,
                submitted_at=aware(scale.today - timedelta(days=3)) if submitted else None,
                **content,
            )
        ]
    approved_on = add_months(trainee.st_start, 5)
    rows = [
        TrainingPlan(
            trainee=trainee,
            version=1,
            created_by=trainee.user,
            status=PlanStatus.APPROVED,
            submitted_at=aware(approved_on - timedelta(days=10)),
            decided_at=aware(approved_on),
            decided_by=director,
            **content,
        )
    ]
    if months_in > 18:
        second_on = add_months(trainee.st_start, 17)
        rows.append(
            TrainingPlan(
                trainee=trainee,
                version=2,
                created_by=trainee.user,
                status=PlanStatus.APPROVED,
                submitted_at=aware(second_on - timedelta(days=7)),
                decided_at=aware(second_on),
                decided_by=director,
                decision_comment="Bra plan. Boka Mitt-i-ST i god tid.",
                **content,
            )
        )
    if rng.random() < 0.1:
        rows.append(
            TrainingPlan(
                trainee=trainee,
                version=len(rows) + 1,
                created_by=trainee.user,
                status=PlanStatus.SUBMITTED,
                submitted_at=aware(scale.today - timedelta(days=rng.randint(1, 30))),
                **content,
            )
        )
    return rows


def _reviews(scale, trainee, reports, visits):
    visit_day = add_months(trainee.st_start, 11)
    while visit_day < scale.today:
        reports.append(
            AnnualReport(
                trainee=trainee,
                year=visit_day.year,
                done="Tjänstgöring enligt IUP, kurser enligt plan och regelbunden handledning.",
                went_well="Mottagningsarbetet och samarbetet med teamet.",
                to_develop="Struktur i långa konsultationer; vetenskapligt arbete.",
                next_steps="Sidotjänstgöringar och kvalitetsarbete enligt IUP.",
                submitted_at=aware(visit_day - timedelta(days=14)),
            )
        )
        visits.append(
            AnnualVisit(
                trainee=trainee,
                date=visit_day,
                participants=f"{trainee.user.name}, {trainee.main_supervisor.name}, {trainee.study_director.name}",
                notes="Genomgång av årsrapport, handledarutlåtande och IUP.",
                decisions="IUP revideras inför nästa termin.",
                recorded_by=trainee.study_director,
            )
        )
        visit_day = add_months(visit_day, 12)


def _certificates(scale, courses, course_goals):
    """Signed intyg for every finished tjänstgöring with delmål and every finished course,
    as the demo has them; trainees past their minimum time are marked to be made ready."""
    by_trainee = {trainee.pk: trainee for trainee in scale.trainees}
    certificates, goal_lists, signers = [], [], []

    def add(trainee, form, goals, signer, signed_on, **fields):
        moment = aware(signed_on, 15)
        certificates.append(
            Certificate(
                trainee=trainee,
                form=form,
                created_by=trainee.user,
                status=SignedStatus.SIGNED,
                signed_at=moment,
                **fields,
            )
        )
        goal_lists.append(goals)
        signers.append((signer, moment, trainee))

    for trainee_pk, periods in scale.periods.items():
        trainee = by_trainee[trainee_pk]
        forms = FORMS[trainee.regulation.code]
        for period in periods:
            goals = scale.period_goals.get(period.pk)
            if period.end >= scale.today or not goals:
                continue
            add(
                trainee,
                forms[ActivityType.CLINICAL],
                goals,
                (SignerRole.SUPERVISOR, period.supervisor or trainee.main_supervisor, ""),
                period.end,
                place=period.place,
                period_start=period.start,
                period_end=period.end,
                service_period=period,
                description="Mottagningsarbete och jourtjänstgöring under handledning.",
            )
    for course, goals in zip(courses, course_goals, strict=True):
        if course.end >= scale.today or not goals:
            continue
        trainee = by_trainee[course.trainee_id]
        add(
            trainee,
            FORMS[trainee.regulation.code][ActivityType.COURSE],
            goals,
            (SignerRole.COURSE_LEADER, None, f"Kursledare, {course.provider}"),
            course.end,
            place=course.provider,
            period_start=course.start,
            period_end=course.end,
            subject=course.title,
            course=course,
        )
    created = scale.add(Certificate, certificates)
    scale.link(
        Certificate.goals,
        ((c.pk, g) for c, gs in zip(created, goal_lists, strict=True) for g in gs),
        "certificate_id",
        "goal_id",
    )
    scale.add(
        CertificateSignature,
        (
            CertificateSignature(
                certificate=certificate,
                role=role,
                signer=user,
                name=user.name if user else name,
                workplace=trainee.unit.name,
                city="Skalmark",
                supervisor_training_year=user.supervisor_training_year if user else None,
                signed_at=moment,
            )
            for certificate, ((role, user, name), moment, trainee) in zip(created, signers, strict=True)
        ),
    )
    # The landmark, and three in ten of those past the minimum time, have applied-ready portfolios.
    for trainee in scale.trainees:
        months = (scale.today.year - trainee.st_start.year) * 12 + scale.today.month - trainee.st_start.month
        landmark = trainee.user.username == scale.landmarks["ready_trainee_username"]
        eligible = months > trainee.required_fte_months and scale.rng("ready", trainee.user.username).random() < 0.3
        if landmark or eligible:
            scale.ready.append(trainee)
