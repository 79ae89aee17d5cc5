"""Build a believable demo region: hälsocentraler, people in every role and about
twenty ST-läkare at different stages under both regulations, some in integrated BT,
each with a portfolio (portfolio/demo.py): tjänstgöringar, handledning, kurser, IUP,
and its assessments (assessments/demo.py): kompetensvärderingar, requests,
handledarutlåtanden, specialistkollegier, Mitt-i-ST and an åtgärdsplan.

Safe to run again: every row is matched on a natural key (username, unit name …)
and nothing is duplicated. Demo logins get the password "demo" only while DEBUG is
on; with DEBUG off the command still builds the data but makes the demo accounts
impossible to log in to.
"""

from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.domain import policy_for
from accounts.enums import Role, UnitKind
from accounts.models import Membership, Region, Specialty, Unit, User
from assessments import demo as assessments_demo
from portfolio import demo, demo_certificates
from portfolio.enums import BTMode, RegulationCode
from portfolio.models import Regulation, Trainee
from portfolio.readiness import store as readiness_store
from portfolio.timecalc import add_months

DEMO_PASSWORD = "demo"  # noqa: S105 -- public demo password, set only while DEBUG is on  # nosec B105
REGION = ("Region Norrmark", "norrmark")

UNITS = [
    # name, kind, specialty slug
    ("Björkdalens hälsocentral", UnitKind.HALSOCENTRAL, "allmanmedicin"),
    ("Forsnäs hälsocentral", UnitKind.HALSOCENTRAL, "allmanmedicin"),
    ("Kustby hälsocentral", UnitKind.HALSOCENTRAL, "allmanmedicin"),
    ("Åsmyra hälsocentral", UnitKind.HALSOCENTRAL, "allmanmedicin"),
    ("Östra Granlidens hälsocentral", UnitKind.HALSOCENTRAL, "allmanmedicin"),
    ("Medicinkliniken, Norrmarks sjukhus", UnitKind.KLINIK, "internmedicin"),
]

# username, name, handledarutbildning year (None = none), specialist in
PEOPLE = [
    ("demo-studierektor", "Karin Lindqvist", 2012, "allmanmedicin"),
    ("studierektor-nilsson", "Per Nilsson", 2015, "allmanmedicin"),
    ("demo-chef", "Anna Berg", None, "allmanmedicin"),
    ("chef-forsnas", "Jonas Ekman", None, None),
    ("chef-kustby", "Lena Sjöberg", None, "allmanmedicin"),
    ("chef-asmyra", "Mats Öhman", None, None),
    ("chef-granliden", "Eva Strand", None, "allmanmedicin"),
    ("demo-handledare", "Erik Holmström", 2018, "allmanmedicin"),
    ("handledare-aberg", "Maria Åberg", 2020, "allmanmedicin"),
    ("handledare-lind", "Johan Lind", None, "allmanmedicin"),
    ("handledare-nyberg", "Sofia Nyberg", 2016, "allmanmedicin"),
    ("handledare-wikstrom", "Anders Wikström", 2021, "allmanmedicin"),
    ("handledare-hedlund", "Cecilia Hedlund", None, "allmanmedicin"),
    ("handledare-backman", "Olof Bäckman", 2019, "allmanmedicin"),
    ("specialist-lundin", "Ingrid Lundin", None, "allmanmedicin"),
    ("specialist-isaksson", "Gustav Isaksson", 2010, "allmanmedicin"),
    ("specialist-marklund", "Helena Marklund", None, "internmedicin"),
    ("demo-admin", "Regionens administratör", None, None),
]

# username, unit index, role
MEMBERSHIPS = [
    ("demo-studierektor", 0, Role.STUDY_DIRECTOR),
    ("demo-studierektor", 1, Role.STUDY_DIRECTOR),
    ("demo-studierektor", 2, Role.STUDY_DIRECTOR),
    ("studierektor-nilsson", 3, Role.STUDY_DIRECTOR),
    ("studierektor-nilsson", 4, Role.STUDY_DIRECTOR),
    ("demo-chef", 0, Role.UNIT_HEAD),
    ("chef-forsnas", 1, Role.UNIT_HEAD),
    ("chef-kustby", 2, Role.UNIT_HEAD),
    ("chef-asmyra", 3, Role.UNIT_HEAD),
    ("chef-granliden", 4, Role.UNIT_HEAD),
    ("demo-handledare", 0, Role.SUPERVISOR),
    ("handledare-aberg", 0, Role.SUPERVISOR),
    ("handledare-lind", 1, Role.SUPERVISOR),
    ("handledare-nyberg", 1, Role.SUPERVISOR),
    ("handledare-wikstrom", 2, Role.SUPERVISOR),
    ("handledare-hedlund", 3, Role.SUPERVISOR),
    ("handledare-backman", 4, Role.SUPERVISOR),
    ("specialist-lundin", 0, Role.SPECIALIST),
    ("specialist-isaksson", 2, Role.SPECIALIST),
    ("specialist-marklund", 5, Role.SPECIALIST),
    ("demo-handledare", 0, Role.SPECIALIST),
    ("handledare-aberg", 0, Role.SPECIALIST),
    ("handledare-lind", 1, Role.SPECIALIST),
    ("handledare-nyberg", 1, Role.SPECIALIST),
    ("handledare-wikstrom", 2, Role.SPECIALIST),
    ("handledare-hedlund", 3, Role.SPECIALIST),
    ("handledare-backman", 4, Role.SPECIALIST),
]

S15, S21 = RegulationCode.SOSFS_2015_8, RegulationCode.HSLF_FS_2021_8
# username, name, unit index, regulation, BT mode, BT approved, ST start, huvudhandledare,
# second specialist, doktorsexamen
# fmt: off
TRAINEES = [
    ("demo-st", "Sara Öberg", 0, S15, BTMode.NONE, None, date(2022, 9, 1), "demo-handledare", "specialist-lundin", False),
    ("st-andersson", "Lukas Andersson", 0, S15, BTMode.NONE, None, date(2020, 2, 3), "demo-handledare", "handledare-aberg", False),
    ("st-hakansson", "Elin Håkansson", 0, S21, BTMode.INTEGRATED, None, date(2025, 9, 1), "handledare-aberg", "demo-handledare", False),
    ("st-persson", "Ahmed Persson", 0, S21, BTMode.INTEGRATED, date(2024, 10, 15), date(2023, 3, 1), "demo-handledare", "specialist-lundin", False),
    ("st-karlsson", "Maja Karlsson", 1, S15, BTMode.NONE, None, date(2019, 8, 19), "handledare-nyberg", "handledare-lind", True),
    ("st-eriksson", "Oskar Eriksson", 1, S15, BTMode.NONE, None, date(2021, 5, 3), "handledare-lind", "handledare-nyberg", False),
    ("st-stromberg", "Ida Strömberg", 1, S21, BTMode.SEPARATE, date(2023, 1, 20), date(2023, 2, 1), "handledare-nyberg", "handledare-lind", False),
    ("st-nordin", "Viktor Nordin", 1, S21, BTMode.INTEGRATED, None, date(2026, 2, 2), "handledare-lind", "handledare-nyberg", False),
    ("st-lundgren", "Hanna Lundgren", 2, S15, BTMode.NONE, None, date(2020, 10, 1), "handledare-wikstrom", "specialist-isaksson", False),
    ("st-ostlund", "Nils Östlund", 2, S21, BTMode.INTEGRATED, date(2025, 6, 2), date(2024, 1, 8), "handledare-wikstrom", "specialist-isaksson", False),
    ("st-rahimi", "Leila Rahimi", 2, S21, BTMode.SEPARATE, date(2022, 11, 30), date(2022, 12, 1), "specialist-isaksson", "handledare-wikstrom", True),
    ("st-blom", "Emma Blom", 2, S15, BTMode.NONE, None, date(2021, 1, 11), "handledare-wikstrom", "specialist-isaksson", False),
    ("st-aslund", "Filip Åslund", 3, S15, BTMode.NONE, None, date(2019, 3, 4), "handledare-hedlund", "chef-asmyra", False),
    ("st-jonsson", "Klara Jonsson", 3, S21, BTMode.INTEGRATED, None, date(2025, 3, 3), "handledare-hedlund", None, False),
    ("st-sandberg", "Erik Sandberg", 3, S21, BTMode.SEPARATE, date(2024, 4, 10), date(2024, 5, 1), "handledare-hedlund", None, False),
    ("st-mattsson", "Alva Mattsson", 4, S15, BTMode.NONE, None, date(2020, 6, 1), "handledare-backman", "chef-granliden", False),
    ("st-engstrom", "David Engström", 4, S21, BTMode.INTEGRATED, date(2025, 12, 1), date(2024, 9, 2), "handledare-backman", "chef-granliden", False),
    ("st-pettersson", "Julia Pettersson", 4, S21, BTMode.INTEGRATED, None, date(2026, 9, 1), None, None, False),
    ("st-sundqvist", "Henrik Sundqvist", 4, S15, BTMode.NONE, None, date(2021, 6, 14), "handledare-backman", "chef-granliden", False),
    ("st-lindberg", "Saga Lindberg", 0, S21, BTMode.INTEGRATED, None, None, "handledare-aberg", "demo-handledare", False),
]
# fmt: on
# A start date of None is counted back from the day of seeding: the demo always has one
# ST-läkare whose Mitt-i-ST should have been ordered two months ago (half of 66 months comes
# 33 months after the start, ordering six months before that), whatever the day.
ORDERING_WINDOW_START_MONTHS = 29

DEMO_LOGINS = ["demo-st", "demo-handledare", "demo-studierektor", "demo-chef", "demo-admin"]


class Command(BaseCommand):
    help = "Create or complete the demo region with its units, people and ST-läkare (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Print nothing but errors.")

    def handle(self, *args, quiet=False, **options):
        with readiness_store.deferred(), transaction.atomic():
            self._seed(quiet)

    def _seed(self, quiet):
        specialties = {
            "allmanmedicin": Specialty.objects.get(slug="allmanmedicin"),
            "internmedicin": Specialty.objects.get_or_create(slug="internmedicin", defaults={"name": "Internmedicin"})[
                0
            ],
        }
        region, _ = Region.objects.get_or_create(code=REGION[1], defaults={"name": REGION[0]})
        policy_for(region)
        units = [
            Unit.objects.get_or_create(
                region=region, name=name, defaults={"kind": kind, "specialty": specialties[slug]}
            )[0]
            for name, kind, slug in UNITS
        ]

        users = {}
        created_count = 0
        for username, name, training_year, specialty_slug in PEOPLE:
            users[username], created = self._user(
                username, name, supervisor_training_year=training_year, specialist_in=specialties.get(specialty_slug)
            )
            created_count += created
        for username, name, *_rest in TRAINEES:
            users[username], created = self._user(username, name)
            created_count += created

        for username, unit_index, role in MEMBERSHIPS:
            Membership.objects.get_or_create(user=users[username], role=role, unit=units[unit_index])
        Membership.objects.get_or_create(user=users["demo-admin"], role=Role.ADMINISTRATOR, region=region)

        regulations = {regulation.code: regulation for regulation in Regulation.objects.all()}
        directors = {0: "demo-studierektor", 1: "demo-studierektor", 2: "demo-studierektor"}
        today = timezone.localdate()
        for username, _name, unit_index, reg, bt_mode, bt_approved, start, supervisor, second, phd in TRAINEES:
            if start is None:
                start = add_months(today, -ORDERING_WINDOW_START_MONTHS).replace(day=1)
            Trainee.objects.get_or_create(
                user=users[username],
                defaults={
                    "unit": units[unit_index],
                    "specialty": specialties["allmanmedicin"],
                    "regulation": regulations[reg],
                    "bt_mode": bt_mode,
                    "bt_approved_on": bt_approved,
                    "st_start": start,
                    "main_supervisor": users.get(supervisor),
                    "second_specialist": users.get(second),
                    "study_director": users[directors.get(unit_index, "studierektor-nilsson")],
                    "has_doctorate": phd,
                },
            )

        trainees = Trainee.objects.filter(unit__region=region).select_related(
            "user", "unit__region", "specialty", "regulation", "main_supervisor", "study_director"
        )
        for trainee in trainees:
            demo.populate(trainee, today, users)
            assessments_demo.populate(trainee, today)
            demo_certificates.populate(trainee, today)
        by_unit = {}
        for trainee in trainees:
            by_unit.setdefault(trainee.unit_id, []).append(trainee)
        assessments_demo.populate_panels(units, by_unit, today)
        for seed in demo.EXTRA_SEEDS:
            seed(today)
        # The stored verdicts were not recomputed record by record (deferred); once now.
        readiness_store.refresh_all(trainees, today)

        self._set_passwords(users)
        if not quiet:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo region {region.name}: {len(units)} units, {len(users)} people "
                    f"({created_count} new), {Trainee.objects.filter(unit__region=region).count()} ST-läkare."
                )
            )
            if settings.DEBUG:
                self.stdout.write(f"Demo logins (password “{DEMO_PASSWORD}”): {', '.join(DEMO_LOGINS)}")
            else:
                self.stdout.write(self.style.WARNING("DEBUG is off: the demo accounts cannot be logged in to."))

    def _user(self, username, name, **fields):
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"name": name, "email": f"{username}@demo.st-portfolj.example", **fields},
        )
        return user, created

    def _set_passwords(self, users):
        """Demo logins get the well-known password only in development; every other
        demo person, and every demo person in production, cannot log in."""
        for username, user in users.items():
            if settings.DEBUG and username in DEMO_LOGINS:
                if not user.check_password(DEMO_PASSWORD):
                    user.set_password(DEMO_PASSWORD)
                    user.save(update_fields=["password"])
            elif user.has_usable_password():
                user.set_unusable_password()
                user.save(update_fields=["password"])
