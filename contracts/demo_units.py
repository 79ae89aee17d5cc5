# ruff: noqa: E501 -- the demo staff are a table, one person a row
"""Demo unit register and quality work for the region built by seed_demo.

Region Norrmark gets Region Norrbotten's criteria for allmänmedicin; every demo unit gets a
profile and its staff. Björkdalen, Kustby and Åsmyra meet every criterion. Forsnäs does
not meet "handledarkompetens" (Johan Lind has no handledarutbildning yet) and has a valid
dispens for it. Östra Granliden does not meet "personlig handledare" (Julia Pettersson has
no huvudhandledare) and has an open unit åtgärdsplan signed by the chef and the
studierektor. Each unit has an approval decision whose stored evaluation is the one of
its day.

Idempotent: every row is matched on a natural key and nothing is added twice.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import Region, Specialty, Unit, User
from contracts import criteria as crit
from contracts.enums import TrainingRegulation
from contracts.models import (
    Criterion,
    CriterionAttestation,
    Dispensation,
    UnitActionPlan,
    UnitActionPlanFollowUp,
    UnitApproval,
    UnitProfile,
    UnitStaff,
)
from contracts.reference import NORRBOTTEN, load_criteria

REGION_CODE = "norrmark"
BOTH = TrainingRegulation.BOTH

# unit name: listed patients, BHV, MHV, elderly care, jour
PROFILES = {
    "Björkdalens hälsocentral": (11200, True, True, True, True),
    "Forsnäs hälsocentral": (7400, True, True, True, False),
    "Kustby hälsocentral": (9100, True, True, True, True),
    "Åsmyra hälsocentral": (5300, True, True, True, False),
    "Östra Granlidens hälsocentral": (8600, True, True, True, True),
    "Medicinkliniken, Norrmarks sjukhus": (None, False, False, True, True),
}

# unit name: rows of (username or None, name, specialty slug, percent, handledare, training year,
# regulation, hours a week, handledarträffar, since, until)
# fmt: off
STAFF = {
    "Björkdalens hälsocentral": [
        ("demo-handledare", "Erik Holmström", "allmanmedicin", 100, True, 2018, BOTH, "2.0", 4, "2016-03-01", None),
        ("handledare-aberg", "Maria Åberg", "allmanmedicin", 80, True, 2020, TrainingRegulation.HSLF_FS_2021_8, "2.0", 3, "2019-08-15", None),
        ("specialist-lundin", "Ingrid Lundin", "allmanmedicin", 100, False, None, "", None, 0, "2014-01-07", None),
        ("demo-chef", "Anna Berg", "allmanmedicin", 40, False, None, "", None, 0, "2018-02-01", None),
        (None, "Gunnar Lidén", "allmanmedicin", 100, True, 2008, TrainingRegulation.SOSFS_2015_8, "2.0", 2, "2003-09-01", "2025-06-30"),
    ],
    "Forsnäs hälsocentral": [
        ("handledare-lind", "Johan Lind", "allmanmedicin", 100, True, None, "", "1.5", 1, "2021-01-11", None),
        ("handledare-nyberg", "Sofia Nyberg", "allmanmedicin", 90, True, 2016, BOTH, "2.0", 4, "2012-05-02", None),
        (None, "Bertil Grahn", "allmanmedicin", 60, False, None, "", None, 0, "2010-09-01", None),
    ],
    "Kustby hälsocentral": [
        ("handledare-wikstrom", "Anders Wikström", "allmanmedicin", 100, True, 2021, TrainingRegulation.HSLF_FS_2021_8, "2.5", 5, "2017-04-03", None),
        ("specialist-isaksson", "Gustav Isaksson", "allmanmedicin", 100, True, 2010, BOTH, "2.0", 3, "2008-01-14", None),
        ("chef-kustby", "Lena Sjöberg", "allmanmedicin", 30, False, None, "", None, 0, "2020-06-01", None),
    ],
    "Åsmyra hälsocentral": [
        # The register knows of the course she finished this year; her account does not yet.
        ("handledare-hedlund", "Cecilia Hedlund", "allmanmedicin", 100, True, 2025, BOTH, "3.0", 2, "2015-02-01", None),
        (None, "Lars Nyström", "allmanmedicin", 80, False, None, "", None, 0, "2023-10-01", None),
        (None, "Amir Haddad", None, 100, False, None, "", None, 0, "2024-09-01", None),
    ],
    "Östra Granlidens hälsocentral": [
        ("handledare-backman", "Olof Bäckman", "allmanmedicin", 100, True, 2019, BOTH, "3.0", 4, "2013-08-19", None),
        ("chef-granliden", "Eva Strand", "allmanmedicin", 50, False, None, "", None, 0, "2016-01-04", None),
        (None, "Karl Wiklund", "allmanmedicin", 100, False, None, "", None, 0, "2022-03-01", None),
    ],
    "Medicinkliniken, Norrmarks sjukhus": [
        ("specialist-marklund", "Helena Marklund", "internmedicin", 100, False, None, "", None, 0, "2011-05-16", None),
    ],
}
# fmt: on

DIRECTORS = {
    "Björkdalens hälsocentral": "demo-studierektor",
    "Forsnäs hälsocentral": "demo-studierektor",
    "Kustby hälsocentral": "demo-studierektor",
    "Åsmyra hälsocentral": "studierektor-nilsson",
    "Östra Granlidens hälsocentral": "studierektor-nilsson",
}

TRAINING_PLACES = {
    "Björkdalens hälsocentral": "Tar emot läkarstudenter, AT-läkare, sjuksköterske- och fysioterapeutstudenter.",
    "Forsnäs hälsocentral": "Tar emot läkar- och sjuksköterskestudenter; distriktssköterskeelev under hösten.",
    "Kustby hälsocentral": "Utbildningsplatser för alla yrkesgrupper enligt enhetschefens planering.",
    "Åsmyra hälsocentral": "Läkarstudenter och sjuksköterskestudenter; fysioterapeut tar emot studenter från våren.",
    "Östra Granlidens hälsocentral": "Tar emot studenter från alla yrkesgrupper på hälsocentralen.",
}

DISPENSATION_REASON = (
    "Johan Lind är anmäld till regionens handledarutbildning som börjar i januari. Till dess är Sofia Nyberg "
    "medhandledare för hans ST-läkare och deltar i varje handledningssamtal en gång i månaden."
)
PLAN = {
    "concern": (
        "Julia Pettersson började sin ST i september utan huvudhandledare på hälsocentralen. Olof Bäckman "
        "handleder redan tre ST-läkare och har inte tid för en fjärde."
    ),
    "measures": (
        "Karl Wiklund blir huvudhandledare och går regionens handledarutbildning i vår. Till dess handleder Olof "
        "Bäckman en timme varannan vecka och studierektorn har ett uppföljningssamtal med Julia varje månad."
    ),
    "responsible": "Eva Strand (enhetschef) ordnar tiden; Per Nilsson (studierektor) följer upp.",
}


def _aware(day, hour=10):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def seed(today):
    region = Region.objects.filter(code=REGION_CODE).first()
    if region is None:
        return
    load_criteria(region, NORRBOTTEN)
    units = {unit.name: unit for unit in Unit.objects.filter(region=region, name__in=PROFILES)}
    users = {user.username: user for user in User.objects.filter(username__in=_usernames())}
    specialties = {specialty.slug: specialty for specialty in Specialty.objects.all()}
    for name, unit in units.items():
        _profile(unit, PROFILES[name], users)
        _staff(unit, STAFF.get(name, ()), users, specialties)
    criteria = {c.code: c for c in Criterion.objects.filter(criteria_set__region=region)}
    for name, username in DIRECTORS.items():
        if name in units and username in users:
            _judgements(units[name], users[username], criteria, today)
    if "Forsnäs hälsocentral" in units:
        _dispensation(units["Forsnäs hälsocentral"], users["demo-studierektor"], criteria, today)
    if "Östra Granlidens hälsocentral" in units:
        _plan(units["Östra Granlidens hälsocentral"], users, criteria, today)
    for name, username in DIRECTORS.items():
        if name in units and username in users:
            _approval(units[name], users[username], today)


def _usernames():
    names = {row[0] for rows in STAFF.values() for row in rows if row[0]}
    return names | set(DIRECTORS.values()) | {"chef-granliden", "demo-chef"}


def _profile(unit, values, users):
    listed, child, maternal, elderly, on_call = values
    UnitProfile.objects.get_or_create(
        unit=unit,
        defaults={
            "listed_patients": listed,
            "child_health": child,
            "maternal_health": maternal,
            "elderly_care": elderly,
            "on_call": on_call,
        },
    )


def _staff(unit, rows, users, specialties):
    for username, name, slug, percent, supervisor, year, regulation, hours, meetings, since, until in rows:
        UnitStaff.objects.get_or_create(
            unit=unit,
            name=name,
            defaults={
                "user": users.get(username),
                "specialty": specialties.get(slug),
                "percent": percent,
                "is_supervisor": supervisor,
                "supervisor_training_year": year,
                "supervisor_training_regulation": regulation,
                "supervision_hours_per_week": Decimal(hours) if hours else None,
                "supervisor_meetings_last_year": meetings,
                "since": date.fromisoformat(since),
                "until": date.fromisoformat(until) if until else None,
            },
        )


def _judgements(unit, director, criteria, today):
    criterion = criteria.get("utbildningsplatser")
    if criterion is None:
        return
    CriterionAttestation.objects.get_or_create(
        unit=unit,
        criterion=criterion,
        defaults={
            "met": True,
            "date": today - timedelta(days=240),
            "note": TRAINING_PLACES[unit.name],
            "attested_by": director,
        },
    )


def _dispensation(unit, director, criteria, today):
    criterion = criteria.get("handledarkompetens")
    if criterion is None:
        return
    Dispensation.objects.get_or_create(
        unit=unit,
        criterion=criterion,
        defaults={
            "reason": DISPENSATION_REASON,
            "granted_on": today - timedelta(days=200),
            "valid_until": today + timedelta(days=150),
            "granted_by": director,
        },
    )


def _plan(unit, users, criteria, today):
    head, director = users.get("chef-granliden"), users.get("studierektor-nilsson")
    if head is None or director is None:
        return
    opened = today - timedelta(days=40)
    plan, created = UnitActionPlan.objects.get_or_create(
        unit=unit,
        criterion=criteria.get("personlig-handledare"),
        defaults={
            **PLAN,
            "opened_on": opened,
            "follow_up_on": today + timedelta(days=5),
            "head_signed_by": head,
            "head_signed_at": _aware(opened + timedelta(days=1)),
            "director_signed_by": director,
            "director_signed_at": _aware(opened + timedelta(days=3), 14),
            "created_by": head,
        },
    )
    if created:
        UnitActionPlanFollowUp.objects.create(
            plan=plan,
            date=opened + timedelta(days=20),
            notes="Karl Wiklund har anmält sig till handledarutbildningen. Handledningen med Olof Bäckman är igång.",
            by=director,
        )


def _approval(unit, director, today):
    """A decision dated before today, storing the evaluation of its own day."""
    if UnitApproval.objects.filter(unit=unit).exists():
        return
    day = today - timedelta(days=120)
    results = crit.evaluate_unit(unit, day)
    not_met = crit.count_not_met(results)
    basis = (
        "Besök på hälsocentralen med enhetschef och handledare. Samtliga kriterier uppfyllda."
        if not not_met
        else "Besök på hälsocentralen. Kriterier som inte är uppfyllda följs upp vid nästa besök."
    )
    UnitApproval.objects.create(
        unit=unit,
        date=day,
        approved=True,
        basis=basis,
        evaluation=crit.results_as_json(results),
        decided_by=director,
    )
