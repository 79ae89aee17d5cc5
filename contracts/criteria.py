"""Evaluating a unit against its region's quality criteria (Region Norrbotten's six for
allmänmedicin, Västra Götaland's set, or whatever an administrator has entered).

Two steps, kept apart so the rules can be tested without a database:

* `unit_facts(unit, today)` (and `facts_for_units(units, today)` for a list page) reads
  everything the rules need with a fixed number of queries: the staff employed that day,
  the unit profile, the unit's ST-läkare (started, not finished) with their huvudhandledare, handledning figure
  (StatusSnapshot) and latest approved IUP, the latest attestation and the valid dispens
  per criterion, and the region's norms.
* `evaluate(facts, criteria, today)` is pure: one CriterionResult per criterion, with an
  outcome and the evidence as a Swedish sentence with the numbers in it.

A criterion that is not met but has a valid dispens comes out as DISPENSATION; an
attested criterion is judged by the latest attestation only. `results_as_json` is what a
UnitApproval stores, so a decision keeps its basis as it was that day.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Q, Subquery
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import RegionPolicy, Specialty
from contracts.enums import CriterionOutcome, CriterionRule
from contracts.models import CriteriaSet, CriterionAttestation, Dispensation, UnitProfile, UnitStaff
from portfolio.enums import Phase, PlanStatus
from portfolio.models import Trainee, TrainingPlan

MET, NOT_MET = CriterionOutcome.MET, CriterionOutcome.NOT_MET
DISPENSATION, UNKNOWN = CriterionOutcome.DISPENSATION, CriterionOutcome.UNKNOWN


# --- the facts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffFact:
    """One staff row employed on the day, with the person's account details as fallback."""

    pk: int | None
    name: str
    user_id: int | None = None
    specialty_id: int | None = None
    percent: int = 100
    is_supervisor: bool = False
    supervisor_training_year: int | None = None
    supervision_hours_per_week: Decimal | None = None
    # User.specialist_in / User.supervisor_training_year, read when the row leaves them empty.
    user_specialty_id: int | None = None
    user_training_year: int | None = None


@dataclass(frozen=True)
class TraineeFact:
    """An ST-läkare of the unit and what the criteria read about them."""

    pk: int
    name: str
    main_supervisor_id: int | None = None
    main_supervisor_name: str = ""
    # The huvudhandledare's own account details (the fallback when no staff row says more).
    supervisor_specialty_id: int | None = None
    supervisor_training_year: int | None = None
    supervision_meets_norm: bool | None = None
    self_study_hours: Decimal | None = None  # in the latest approved IUP


@dataclass(frozen=True)
class UnitFacts:
    unit_id: int | None
    specialty_id: int | None
    specialty_name: str = ""
    staff: tuple[StaffFact, ...] = ()
    trainees: tuple[TraineeFact, ...] = ()
    profile: UnitProfile | None = None
    attestations: Mapping[int, CriterionAttestation] = field(default_factory=dict)  # latest per criterion
    dispensations: Mapping[int, Dispensation] = field(default_factory=dict)  # valid, latest end per criterion
    self_study_norm: Decimal | None = None  # the region's kompetensutvecklingstid, hours a week
    supervision_norm: Decimal | None = None  # the region's handledning, hours a week

    @property
    def specialists(self):
        return [row for row in self.staff if row.specialty_id is not None and row.specialty_id == self.specialty_id]

    @property
    def supervisors(self):
        return [row for row in self.staff if row.is_supervisor]

    def staff_row_of(self, user_id):
        return next((row for row in self.staff if user_id is not None and row.user_id == user_id), None)


@dataclass(frozen=True)
class CriterionResult:
    criterion: object  # a Criterion (or anything with pk, code, rule, parameter, text)
    outcome: str
    evidence: str
    dispensation: Dispensation | None = None
    attestation: CriterionAttestation | None = None

    @property
    def label(self):
        return CriterionOutcome(self.outcome).label

    @property
    def is_met(self):
        return self.outcome == MET

    @property
    def is_not_met(self):
        """Not met and no dispens: what needs doing."""
        return self.outcome == NOT_MET


# --- reading the facts -----------------------------------------------------------------------


def unit_facts(unit, today: date) -> UnitFacts:
    """Everything the criteria read about one unit on `today` (seven queries)."""
    return facts_for_units([unit], today)[unit.pk]


def facts_for_units(units: Iterable, today: date) -> dict[int, UnitFacts]:
    """UnitFacts for every unit, by unit pk; seven queries however many units there are."""
    units = list(units)
    ids = [unit.pk for unit in units]
    staff = _staff(ids, today)
    trainees = _trainees(ids, today)
    profiles = {profile.unit_id: profile for profile in UnitProfile.objects.filter(unit_id__in=ids)}
    attestations = _latest_by_criterion(
        CriterionAttestation.objects.filter(unit_id__in=ids, date__lte=today)
        .select_related("attested_by")
        .order_by("unit_id", "criterion_id", "-date", "-pk")
    )
    dispensations = _latest_by_criterion(
        Dispensation.objects.filter(unit_id__in=ids, granted_on__lte=today, valid_until__gte=today)
        .select_related("granted_by")
        .order_by("unit_id", "criterion_id", "-valid_until", "-pk")
    )
    policies = {policy.region_id: policy for policy in RegionPolicy.objects.filter(region_id__in=_ids(units, "region"))}
    names = dict(Specialty.objects.filter(pk__in=_ids(units, "specialty")).values_list("pk", "name"))
    facts = {}
    for unit in units:
        # A region whose policy was never opened has the default norms, as policy_for would create them.
        policy = policies.get(unit.region_id) or RegionPolicy()
        facts[unit.pk] = UnitFacts(
            unit_id=unit.pk,
            specialty_id=unit.specialty_id,
            specialty_name=_in_text(names.get(unit.specialty_id, "")),
            staff=tuple(staff.get(unit.pk, ())),
            trainees=tuple(trainees.get(unit.pk, ())),
            profile=profiles.get(unit.pk),
            attestations=attestations.get(unit.pk, {}),
            dispensations=dispensations.get(unit.pk, {}),
            self_study_norm=policy.self_study_hours_per_week,
            supervision_norm=policy.supervision_hours_per_week,
        )
    return facts


def _in_text(name):
    """A specialty's name as it reads inside a sentence: "specialist i allmänmedicin"."""
    return name[:1].lower() + name[1:]


def _ids(units, name):
    return {getattr(unit, f"{name}_id") for unit in units}


def active_staff(unit_ids, today):
    """UnitStaff rows employed on `today` (since <= today, no end or an end not yet passed)."""
    return UnitStaff.objects.filter(unit_id__in=unit_ids, since__lte=today).filter(
        Q(until__isnull=True) | Q(until__gte=today)
    )


def _staff(unit_ids, today):
    rows = {}
    for row in active_staff(unit_ids, today).select_related("user").order_by("unit_id", "name", "pk"):
        user = row.user
        rows.setdefault(row.unit_id, []).append(
            StaffFact(
                pk=row.pk,
                name=row.name,
                user_id=row.user_id,
                specialty_id=row.specialty_id,
                percent=row.percent,
                is_supervisor=row.is_supervisor,
                supervisor_training_year=row.supervisor_training_year,
                supervision_hours_per_week=row.supervision_hours_per_week,
                user_specialty_id=user.specialist_in_id if user else None,
                user_training_year=user.supervisor_training_year if user else None,
            )
        )
    return rows


def unit_trainees(unit_ids, today):
    """The ST-läkare the criteria count on `today`: on the unit, with an open account, started,
    and not finished (a finalised specialist application ends the training at the unit)."""
    return (
        Trainee.objects.filter(unit_id__in=unit_ids, user__is_active=True, st_start__lte=today)
        .exclude(snapshot__phase=Phase.APPLIED)
        .order_by("unit_id", "user__name", "pk")
    )


def _trainees(unit_ids, today):
    latest_approved = TrainingPlan.objects.filter(trainee=OuterRef("pk"), status=PlanStatus.APPROVED).order_by(
        "-version"
    )
    rows = unit_trainees(unit_ids, today).annotate(
        self_study=Subquery(
            latest_approved.values("self_study_hours_per_week")[:1],
            output_field=DecimalField(max_digits=3, decimal_places=1),
        )
    )
    found = {}
    for row in rows.values(
        "pk",
        "unit_id",
        "user__name",
        "main_supervisor_id",
        "main_supervisor__name",
        "main_supervisor__specialist_in_id",
        "main_supervisor__supervisor_training_year",
        "snapshot__supervision_meets_norm",
        "self_study",
    ):
        found.setdefault(row["unit_id"], []).append(
            TraineeFact(
                pk=row["pk"],
                name=row["user__name"],
                main_supervisor_id=row["main_supervisor_id"],
                main_supervisor_name=row["main_supervisor__name"] or "",
                supervisor_specialty_id=row["main_supervisor__specialist_in_id"],
                supervisor_training_year=row["main_supervisor__supervisor_training_year"],
                supervision_meets_norm=row["snapshot__supervision_meets_norm"],
                self_study_hours=_decimal(row["self_study"]),
            )
        )
    return found


def _decimal(value):
    return None if value is None else Decimal(str(value))


def _latest_by_criterion(rows):
    """{unit_id: {criterion_id: first row}} from rows ordered newest first per criterion."""
    found = {}
    for row in rows:
        found.setdefault(row.unit_id, {}).setdefault(row.criterion_id, row)
    return found


def criteria_for_units(units: Iterable) -> dict[int, list]:
    """The criteria of each unit's set (its region and specialty), by unit pk; two queries.
    A unit whose region has no set for its specialty gets an empty list."""
    units = list(units)
    sets = CriteriaSet.objects.filter(region_id__in=_ids(units, "region"), specialty_id__in=_ids(units, "specialty"))
    by_key = {
        (criteria_set.region_id, criteria_set.specialty_id): list(criteria_set.criteria.all())
        for criteria_set in sets.prefetch_related("criteria")
    }
    return {unit.pk: by_key.get((unit.region_id, unit.specialty_id), []) for unit in units}


def criteria_for(unit) -> list:
    return criteria_for_units([unit])[unit.pk]


def evaluate_units(units: Iterable, today: date) -> dict[int, list[CriterionResult]]:
    """Every unit's results against its own set, by unit pk; nine queries in all."""
    units = list(units)
    criteria = criteria_for_units(units)
    with_set = [unit for unit in units if criteria[unit.pk]]
    facts = facts_for_units(with_set, today) if with_set else {}
    return {unit.pk: evaluate(facts[unit.pk], criteria[unit.pk], today) if unit.pk in facts else [] for unit in units}


def evaluate_unit(unit, today: date) -> list[CriterionResult]:
    return evaluate_units([unit], today)[unit.pk]


# --- evaluating ------------------------------------------------------------------------------


def evaluate(facts: UnitFacts, criteria: Iterable, today: date) -> list[CriterionResult]:
    """One result per criterion, in the order given. Pure: reads only `facts`."""
    results = []
    for criterion in criteria:
        rule = RULES.get(criterion.rule)
        if rule is None:
            outcome, evidence = UNKNOWN, _("This kind of criterion cannot be evaluated.")
        else:
            outcome, evidence = rule(facts, criterion, today)
        dispensation = _valid(facts.dispensations.get(criterion.pk), today)
        if outcome == NOT_MET and dispensation is not None:
            outcome = DISPENSATION
        results.append(
            CriterionResult(criterion, outcome, evidence, dispensation, _attestation(facts, criterion, today))
        )
    return results


def _valid(dispensation, today):
    if dispensation is None or dispensation.granted_on > today or dispensation.valid_until < today:
        return None
    return dispensation


def _attestation(facts, criterion, today):
    attestation = facts.attestations.get(criterion.pk)
    return attestation if attestation is not None and attestation.date <= today else None


def _num(value):
    """A number as Swedish text: 4, 4,5, 1500."""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    elif isinstance(value, float):
        value = round(value, 1)
        value = int(value) if value.is_integer() else value
    return formats.number_format(value)


def _names(items):
    return ", ".join(items)


def _no_number(criterion):
    return UNKNOWN, _("The criterion has no number to compare with; enter it in the criteria set.")


def _min_specialists(facts, criterion, today):
    if criterion.parameter is None:
        return _no_number(criterion)
    specialists = facts.specialists
    values = {
        "count": len(specialists),
        "specialty": facts.specialty_name,
        "required": _num(criterion.parameter),
        "names": _names(row.name for row in specialists),
    }
    if specialists:
        evidence = ngettext(
            "%(count)s specialist in %(specialty)s employed (%(names)s); at least %(required)s required.",
            "%(count)s specialists in %(specialty)s employed (%(names)s); at least %(required)s required.",
            len(specialists),
        )
    else:
        evidence = _("No specialist in %(specialty)s employed; at least %(required)s required.")
    return (MET if len(specialists) >= criterion.parameter else NOT_MET), evidence % values


def _specialist_percent(facts, criterion, today):
    if criterion.parameter is None:
        return _no_number(criterion)
    total = sum(row.percent for row in facts.specialists)
    evidence = _(
        "The specialists in %(specialty)s work %(total)s %% of full time together; at least %(required)s %% required."
    ) % {"specialty": facts.specialty_name, "total": _num(total), "required": _num(criterion.parameter)}
    return (MET if total >= criterion.parameter else NOT_MET), evidence


SCOPE_FIELDS = ("child_health", "maternal_health", "elderly_care")


def _label(name):
    return str(UnitProfile._meta.get_field(name).verbose_name)


def _scope(facts, criterion, today):
    profile = facts.profile
    if profile is None:
        return UNKNOWN, _("No unit profile recorded, so the scope is not known.")
    missing = [_label(name) for name in SCOPE_FIELDS if not getattr(profile, name)]
    if missing:
        return NOT_MET, _("Not part of the unit's work: %(missing)s.") % {"missing": _names(missing)}
    return MET, _("BHV, MHV and care of the elderly are all part of the unit's work.")


def _no_trainees():
    return MET, _("The unit has no ST-läkare at present.")


def _personal_supervisor(facts, criterion, today):
    if not facts.trainees:
        return _no_trainees()
    staff_users = {row.user_id for row in facts.staff if row.user_id is not None}
    missing = []
    for trainee in facts.trainees:
        if trainee.main_supervisor_id is None:
            missing.append(_("%(name)s (no huvudhandledare)") % {"name": trainee.name})
        elif trainee.main_supervisor_id not in staff_users:
            missing.append(
                _("%(name)s (%(supervisor)s is not on the unit's staff)")
                % {"name": trainee.name, "supervisor": trainee.main_supervisor_name}
            )
    if missing:
        return NOT_MET, _("Without a huvudhandledare at the unit: %(names)s.") % {"names": _names(missing)}
    count = len(facts.trainees)
    return MET, ngettext(
        "The ST-läkare has a huvudhandledare on the unit's staff.",
        "All %(count)s ST-läkare have a huvudhandledare on the unit's staff.",
        count,
    ) % {"count": count}


def supervisor_qualification(facts, trainee):
    """(specialty_id, training year) of a trainee's huvudhandledare: the unit's staff row
    first, the person's account where the row says nothing."""
    row = facts.staff_row_of(trainee.main_supervisor_id)
    specialty = row.specialty_id if row is not None and row.specialty_id is not None else None
    year = row.supervisor_training_year if row is not None and row.supervisor_training_year is not None else None
    if specialty is None:
        specialty = trainee.supervisor_specialty_id
    if year is None:
        year = trainee.supervisor_training_year
    return specialty, year


def _supervisor_qualified(facts, criterion, today):
    if not facts.trainees:
        return _no_trainees()
    checked = {}
    for trainee in facts.trainees:
        if trainee.main_supervisor_id is not None:
            checked.setdefault(trainee.main_supervisor_id, (trainee, *supervisor_qualification(facts, trainee)))
    if not checked:
        return UNKNOWN, _("No ST-läkare has a huvudhandledare yet, so there is nobody to check.")
    problems = []
    for trainee, specialty, year in checked.values():
        reasons = []
        if specialty is None or specialty != facts.specialty_id:
            reasons.append(_("not a specialist in %(specialty)s") % {"specialty": facts.specialty_name})
        if year is None:
            reasons.append(_("no handledarutbildning recorded"))
        if reasons:
            problems.append(f"{trainee.main_supervisor_name} ({', '.join(reasons)})")
    if problems:
        return NOT_MET, _("Not qualified: %(names)s.") % {"names": _names(problems)}
    return MET, ngettext(
        "The huvudhandledare is a specialist in %(specialty)s with handledarutbildning.",
        "All %(count)s huvudhandledare are specialists in %(specialty)s with handledarutbildning.",
        len(checked),
    ) % {"count": len(checked), "specialty": facts.specialty_name}


def _supervisor_time(facts, criterion, today):
    supervisors = facts.supervisors
    if not supervisors:
        if facts.trainees:
            return UNKNOWN, _("No handledare is registered on the unit's staff.")
        return _no_trainees()
    missing = [row.name for row in supervisors if not row.supervision_hours_per_week]
    if missing:
        return NOT_MET, _("No time for handledning recorded for: %(names)s.") % {"names": _names(missing)}
    hours = _names(f"{row.name} {_num(row.supervision_hours_per_week)} h" for row in supervisors)
    return MET, _("Every handledare has time for handledning each week: %(hours)s.") % {"hours": hours}


def _partly_unknown(evidence, unknown, message):
    if unknown:
        evidence = f"{evidence} {message % {'names': _names(unknown)}}"
    return evidence


def _supervision_hours(facts, criterion, today):
    if not facts.trainees:
        return _no_trainees()
    norm = {"norm": _num(facts.supervision_norm) if facts.supervision_norm is not None else "–"}
    below = [t.name for t in facts.trainees if t.supervision_meets_norm is False]
    unknown = [t.name for t in facts.trainees if t.supervision_meets_norm is None]
    no_figures = _("No figures yet for: %(names)s.")
    if below:
        evidence = _("Handledning below the norm (%(norm)s h a week) over the last eight weeks: %(names)s.") % (
            norm | {"names": _names(below)}
        )
        return NOT_MET, _partly_unknown(evidence, unknown, no_figures)
    if len(unknown) == len(facts.trainees):
        return UNKNOWN, no_figures % {"names": _names(unknown)}
    measured = len(facts.trainees) - len(unknown)
    evidence = ngettext(
        "Handledning meets the norm (%(norm)s h a week) for the ST-läkare measured.",
        "Handledning meets the norm (%(norm)s h a week) for all %(count)s ST-läkare measured.",
        measured,
    ) % (norm | {"count": measured})
    return MET, _partly_unknown(evidence, unknown, no_figures)


def _self_study_hours(facts, criterion, today):
    required = criterion.parameter if criterion.parameter is not None else facts.self_study_norm
    if required is None:
        return _no_number(criterion)
    if not facts.trainees:
        return _no_trainees()
    values = {"required": _num(required)}
    below = [
        f"{t.name} ({_num(t.self_study_hours)} h)"
        for t in facts.trainees
        if t.self_study_hours is not None and t.self_study_hours < required
    ]
    unknown = [t.name for t in facts.trainees if t.self_study_hours is None]
    no_plan = _("No approved IUP yet for: %(names)s.")
    if below:
        evidence = _(
            "Less than %(required)s h of kompetensutvecklingstid a week in the latest approved IUP: %(names)s."
        )
        return NOT_MET, _partly_unknown(evidence % (values | {"names": _names(below)}), unknown, no_plan)
    if len(unknown) == len(facts.trainees):
        return UNKNOWN, no_plan % {"names": _names(unknown)}
    evidence = _("At least %(required)s h of kompetensutvecklingstid a week in every approved IUP.") % values
    return MET, _partly_unknown(evidence, unknown, no_plan)


def _listed_per_trainee(facts, criterion, today):
    if criterion.parameter is None:
        return _no_number(criterion)
    if not facts.trainees:
        return _no_trainees()
    listed = facts.profile.listed_patients if facts.profile is not None else None
    if listed is None:
        return UNKNOWN, _("The number of listed patients is not recorded in the unit profile.")
    count = len(facts.trainees)
    per_trainee = Decimal(listed) / count
    evidence = _(
        "%(listed)s listed patients and %(count)s ST-läkare: %(per)s per ST-läkare; at least %(required)s required."
    ) % {
        "listed": _num(listed),
        "count": count,
        "per": _num(per_trainee.quantize(Decimal("1"))),
        "required": _num(criterion.parameter),
    }
    return (MET if per_trainee >= criterion.parameter else NOT_MET), evidence


def _attested(facts, criterion, today):
    attestation = _attestation(facts, criterion, today)
    if attestation is None:
        return UNKNOWN, _("Not yet judged by the studierektor.")
    values = {"date": f"{attestation.date:%Y-%m-%d}", "note": attestation.note}
    if attestation.met:
        return MET, _("Judged met on %(date)s: %(note)s") % values
    return NOT_MET, _("Judged not met on %(date)s: %(note)s") % values


RULES = {
    CriterionRule.MIN_SPECIALISTS: _min_specialists,
    CriterionRule.SPECIALIST_PERCENT: _specialist_percent,
    CriterionRule.SCOPE: _scope,
    CriterionRule.PERSONAL_SUPERVISOR: _personal_supervisor,
    CriterionRule.SUPERVISOR_QUALIFIED: _supervisor_qualified,
    CriterionRule.SUPERVISOR_TIME: _supervisor_time,
    CriterionRule.SUPERVISION_HOURS: _supervision_hours,
    CriterionRule.SELF_STUDY_HOURS: _self_study_hours,
    CriterionRule.LISTED_PER_TRAINEE: _listed_per_trainee,
    CriterionRule.ATTESTED: _attested,
}


# --- summaries and storage -------------------------------------------------------------------


def count_not_met(results) -> int:
    """Criteria not met and without a dispens."""
    return sum(1 for result in results if result.outcome == NOT_MET)


def results_as_json(results) -> list[dict]:
    """The results as plain data, for UnitApproval.evaluation (stored, never recomputed)."""
    rows = []
    for result in results:
        criterion, dispensation, attestation = result.criterion, result.dispensation, result.attestation
        rows.append(
            {
                "criterion_id": criterion.pk,
                "position": criterion.position,
                "code": criterion.code,
                "text": criterion.text,
                "rule": criterion.rule,
                "outcome": str(result.outcome),
                "evidence": result.evidence,
                "dispensation": (
                    {"reason": dispensation.reason, "valid_until": dispensation.valid_until.isoformat()}
                    if dispensation is not None
                    else None
                ),
                "attestation": (
                    {"met": attestation.met, "date": attestation.date.isoformat(), "note": attestation.note}
                    if attestation is not None
                    else None
                ),
            }
        )
    return rows
