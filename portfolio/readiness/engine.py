"""What is missing before the application to Socialstyrelsen: a pure function over plain data.

Nothing here reads the database. `portfolio.readiness.build` turns a trainee's records
into a `ReadinessInput`; `specialist_readiness` (bevis om specialistkompetens) and
`bt_readiness` (intyg om godkänd BT) turn that into a `Verdict`: ready or not, and a
list of gaps, each with the rule it comes from and the next step.

`earliest_application` is the first day the time rule allows an application, never
before today: the later of `minimum_reached_on` and today, or None when the recorded
plan never reaches the minimum. Other blocking gaps are paperwork whose date cannot
be predicted, so with them the date is a "not before".
"""

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from django.template.defaultfilters import floatformat
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from portfolio.enums import ActivityType, BTMode, CertificateForm, CurriculumKind, RegulationCode, SignerRole
from portfolio.timecalc import add_months

BLOCKING = "blocking"
ADVICE = "advice"

# Gap codes (documented in docs/st-status.md).
TIME = "time"
BT_NOT_APPROVED = "bt_not_approved"
BT_INTEGRATED_LONG = "bt_integrated_long"
BT_TIME = "bt_time"
GOAL_MISSING = "goal_missing"
SUMMARY_MISSING = "summary_missing"
WRONGLY_SIGNED = "wrongly_signed"
MID_ST = "mid_st"
FINAL_REVIEW = "final_review"

# Who must sign each form: every group must be signed; a group of two roles means
# either of them. Source: ../shared/domain/intyg-forms.md and st-rules-reference §3.2–§3.4.
REQUIRED_SIGNERS: dict[str, list[frozenset[str]]] = {
    "sosfs2015_b2": [frozenset({"unit_head", "appointed"}), frozenset({"main_supervisor"})],
    "sosfs2015_b3": [frozenset({"supervisor"})],
    "sosfs2015_b4": [frozenset({"supervisor"})],
    "sosfs2015_b5": [frozenset({"course_leader", "supervisor"})],
    "sosfs2015_b6": [frozenset({"supervisor"})],
    "sosfs2015_b7": [frozenset({"supervisor"})],
    "hslf2021_b2": [frozenset({"supervisor"})],
    "hslf2021_b3": [frozenset({"unit_head"})],
    # Printed: "huvudansvarig handledare" and "extern bedömare" each sign (intyg-forms.md).
    "hslf2021_b4": [frozenset({"main_supervisor"}), frozenset({"external"})],
    "hslf2021_b6": [frozenset({"unit_head"})],
    "hslf2021_b7": [frozenset({"main_supervisor"}), frozenset({"second_specialist"})],
    "hslf2021_b8": [frozenset({"supervisor"})],
    "hslf2021_b9": [frozenset({"supervisor"})],
    "hslf2021_b10": [frozenset({"course_leader", "supervisor"})],
    "hslf2021_b11": [frozenset({"supervisor"})],
    "hslf2021_b12": [frozenset({"supervisor"})],
}

# The activity each activity form certifies. Source: intyg-forms.md and
# st-rules-reference §3.2–§3.4 (the summary forms certify no single activity).
FORM_ACTIVITY: dict[str, str] = {
    "sosfs2015_b3": ActivityType.AUSKULTATION,
    "sosfs2015_b4": ActivityType.CLINICAL,
    "sosfs2015_b5": ActivityType.COURSE,
    "sosfs2015_b6": ActivityType.QUALITY_WORK,
    "sosfs2015_b7": ActivityType.WRITTEN_WORK,
    "hslf2021_b2": ActivityType.BT_GOAL,
    "hslf2021_b8": ActivityType.AUSKULTATION,
    "hslf2021_b9": ActivityType.CLINICAL,
    "hslf2021_b10": ActivityType.COURSE,
    "hslf2021_b11": ActivityType.DEVELOPMENT_WORK,
    "hslf2021_b12": ActivityType.SCIENCE_STA3,
}

FORM_PREFIX = {RegulationCode.SOSFS_2015_8: "sosfs2015_", RegulationCode.HSLF_FS_2021_8: "hslf2021_"}

# The summary intyg the specialist application needs (st-rules-reference §3.5 item 6).
SUMMARY_FORMS = {
    RegulationCode.SOSFS_2015_8: ["sosfs2015_b2"],
    RegulationCode.HSLF_FS_2021_8: ["hslf2021_b6", "hslf2021_b7"],
}

# The BT application's intyg (st-rules-reference §3.4): delmål, fullgjord BT, baskompetens.
BT_FORMS = frozenset({"hslf2021_b2", "hslf2021_b3", "hslf2021_b4"})

# HSLF-FS 2021:8: BT is at least 6 months, of which at least 3 in primary care and 3 in
# acute care (verification-2026-11 Q4b, Socialstyrelsen staff: "must").
BT_MIN_MONTHS = 6
BT_MIN_PART_MONTHS = 3
# Allmänt råd: integrated BT applied for within the first two years of ST (BT-INTEGRATED).
INTEGRATED_BT_YEARS = 2


@dataclass(frozen=True)
class CertificateFact:
    form: str
    goal_codes: frozenset = frozenset()
    signed_roles: frozenset[str] = frozenset()
    signed: bool = False
    superseded: bool = False
    signer_ids: frozenset[int | None] = frozenset()


@dataclass(frozen=True)
class GoalFact:
    code: str
    title: str
    groups: list[frozenset[str]]  # each group: the activity types that can satisfy it
    curriculum: str = CurriculumKind.ST


@dataclass
class ReadinessInput:
    regulation: str
    bt_mode: str
    bt_approved_on: date | None
    bt_service_end: date | None  # last day of BT tjänstgöring, or None
    st_start: date
    today: date
    fte_months: float
    required_fte_months: int
    minimum_reached_on: date | None
    goals: list[GoalFact]
    certificates: list[CertificateFact]
    trainee_user_id: int
    main_supervisor_id: int | None
    second_specialist_id: int | None
    mid_st_required: bool
    mid_st_done: bool
    final_review_required: bool
    final_review_ready: bool
    region_name: str
    # Only the BT application reads these (full-time months of BT service by kind).
    bt_primary_months: float = 0.0
    bt_acute_months: float = 0.0


@dataclass(frozen=True)
class Gap:
    code: str
    severity: str  # BLOCKING or ADVICE
    what: str
    rule: str
    next_step: str

    @property
    def blocking(self):
        return self.severity == BLOCKING


@dataclass
class Verdict:
    ready: bool
    gaps: list[Gap] = field(default_factory=list)
    earliest_application: date | None = None

    @property
    def blocking(self):
        return [gap for gap in self.gaps if gap.blocking]

    @property
    def advice(self):
        return [gap for gap in self.gaps if not gap.blocking]

    # The page folds the per-delmål gaps (often dozens early in ST) under one heading.
    @property
    def goal_gaps(self):
        return [gap for gap in self.gaps if gap.code == GOAL_MISSING]

    @property
    def other_blocking(self):
        return [gap for gap in self.blocking if gap.code != GOAL_MISSING]


def specialist_readiness(data: ReadinessInput) -> Verdict:
    """Whether the trainee can apply for bevis om specialistkompetens, and what is missing."""
    valid = _valid_certificates(data)
    gaps = [
        *_time_gaps(data),
        *_bt_gaps(data),
        *_goal_gaps(data, CurriculumKind.ST, valid),
        *_summary_gaps(data, SUMMARY_FORMS[data.regulation], valid),
        *_signing_gaps(data),
        *_regional_gaps(data),
    ]
    return _verdict(data, gaps)


def bt_readiness(data: ReadinessInput) -> Verdict:
    """Whether the trainee can apply for intyg om godkänd BT (HSLF-FS 2021:8 only)."""
    valid = _valid_certificates(data)
    gaps = [
        *_bt_time_gaps(data),
        *_goal_gaps(data, CurriculumKind.BT, valid),
        *_summary_gaps(data, ["hslf2021_b3", "hslf2021_b4"], valid),
        *_signing_gaps(data, forms=BT_FORMS),
    ]
    return Verdict(ready=not any(gap.blocking for gap in gaps), gaps=gaps)


def _verdict(data, gaps):
    ready = not any(gap.blocking for gap in gaps)
    return Verdict(ready=ready, gaps=gaps, earliest_application=_earliest(data, ready))


def _earliest(data, ready):
    """Today when ready; else the day time allows it (not before today), None if never."""
    if ready:
        return data.today
    return max(data.minimum_reached_on, data.today) if data.minimum_reached_on else None


# Signatures ---------------------------------------------------------------------------


def signing_problems(cert: CertificateFact, data: ReadinessInput) -> list[str]:
    """Why a signed intyg is not validly signed (empty when it is)."""
    problems = [
        _("no signature as %(role)s") % {"role": _roles_label(group)}
        for group in REQUIRED_SIGNERS.get(cert.form, [])
        if not group & cert.signed_roles
    ]
    if data.trainee_user_id in cert.signer_ids:
        problems.append(_("signed by the ST-läkare themself"))
    if cert.form == "hslf2021_b7" and _one_person_signed_twice(cert):
        problems.append(_("the second specialist is the same person as the huvudhandledare"))
    return problems


def _one_person_signed_twice(cert):
    # The roles are one row each; when every signer is known, fewer people than roles
    # means one person signed as both huvudhandledare and second specialist.
    known = None not in cert.signer_ids
    return known and {"main_supervisor", "second_specialist"} <= cert.signed_roles and len(cert.signer_ids) < 2


def counts(cert: CertificateFact, data: ReadinessInput) -> bool:
    """An intyg counts when it is signed, validly, and not corrected by a later one."""
    return cert.signed and not cert.superseded and not signing_problems(cert, data)


def _valid_certificates(data):
    return [cert for cert in data.certificates if counts(cert, data)]


def _signing_gaps(data, forms=None):
    gaps = []
    for cert in data.certificates:
        if not cert.signed or cert.superseded or (forms is not None and cert.form not in forms):
            continue
        problems = signing_problems(cert, data)
        if problems:
            gaps.append(
                Gap(
                    WRONGLY_SIGNED,
                    BLOCKING,
                    _("%(form)s is wrongly signed: %(problems)s")
                    % {
                        "form": form_name(cert.form),
                        "problems": "; ".join(problems),
                    },
                    _("The form names who signs it (%(form)s).") % {"form": form_name(cert.form)},
                    _("Write a corrected intyg that replaces this one and have it signed by the right people."),
                )
            )
    return gaps


# Rules ----------------------------------------------------------------------------------


def _time_gaps(data):
    if data.fte_months >= data.required_fte_months:
        return []
    if data.minimum_reached_on:
        next_step = _("With the recorded plan the minimum is reached on %(date)s.") % {
            "date": _iso(data.minimum_reached_on)
        }
    else:
        next_step = _("The recorded plan never reaches the minimum: add tjänstgöringar.")
    return [
        Gap(
            TIME,
            BLOCKING,
            _("%(done)s of %(required)s full-time months")
            % {
                "done": _months(data.fte_months),
                "required": data.required_fte_months,
            },
            _time_rule(data.regulation),
            next_step,
        )
    ]


def _time_rule(regulation):
    if regulation == RegulationCode.SOSFS_2015_8:
        return _("SOSFS 2015:8: at least 60 full-time months of ST, 54 with a doktorsexamen.")
    return _("HSLF-FS 2021:8: at least 66 full-time months of BT and ST together.")


def _bt_gaps(data):
    if data.regulation != RegulationCode.HSLF_FS_2021_8 or data.bt_mode == BTMode.NONE:
        return []
    gaps = []
    if data.bt_approved_on is None:
        gaps.append(
            Gap(
                BT_NOT_APPROVED,
                BLOCKING,
                _("BT must be approved by Socialstyrelsen before the specialist application"),
                _("HSLF-FS 2021:8 bilaga 5: the application states the date of the intyg om godkänd BT."),
                _("Apply for intyg om godkänd BT with the BT intyg (bilagor 2–4)."),
            )
        )
    two_years = add_months(data.st_start, 12 * INTEGRATED_BT_YEARS)
    if data.bt_mode == BTMode.INTEGRATED and data.bt_service_end and data.bt_service_end > two_years:
        gaps.append(
            Gap(
                BT_INTEGRATED_LONG,
                ADVICE,
                _("Integrated BT ends %(end)s, more than two years after the start of ST (%(start)s)")
                % {
                    "end": _iso(data.bt_service_end),
                    "start": _iso(data.st_start),
                },
                _(
                    "Allmänt råd: integrated BT is planned so that it can be approved within the first two years "
                    "of ST; several regions require it. Check what %(region)s says."
                )
                % {"region": data.region_name},
                _("Plan the BT tjänstgöringar so that BT ends by %(date)s.") % {"date": _iso(two_years)},
            )
        )
    return gaps


def _bt_time_gaps(data):
    gaps = []
    total = data.bt_primary_months + data.bt_acute_months
    rule = _("HSLF-FS 2021:8: BT is at least 6 months, with at least 3 in primary care and 3 in acute care.")
    if total < BT_MIN_MONTHS:
        what = _("%(done)s of %(required)s months of BT done") % {"done": _months(total), "required": BT_MIN_MONTHS}
        gaps.append(Gap(BT_TIME, BLOCKING, what, rule, _("Record the remaining BT tjänstgöringar.")))
    parts = [(_("primary care"), data.bt_primary_months), (_("acute care"), data.bt_acute_months)]
    for label, months in parts:
        if months < BT_MIN_PART_MONTHS:
            what = _("%(done)s of %(required)s months of BT in %(part)s") % {
                "done": _months(months),
                "required": BT_MIN_PART_MONTHS,
                "part": label,
            }
            gaps.append(Gap(BT_TIME, BLOCKING, what, rule, _("Plan a BT tjänstgöring in %(part)s.") % {"part": label}))
    return gaps


def _goal_gaps(data, curriculum, valid):
    """One gap per delmål and requirement group that no valid intyg covers."""
    gaps = []
    invalid = [cert for cert in data.certificates if not cert.superseded and not counts(cert, data)]
    language = get_language()
    for goal in data.goals:
        if goal.curriculum != curriculum:
            continue
        for group in goal.groups:
            if not any(_covers(cert, goal, group) for cert in valid):
                written = any(_covers(cert, goal, group) for cert in invalid)
                gaps.append(_goal_gap(language, data.regulation, goal.code, goal.title, group, written))
    return gaps


def _covers(cert, goal, group):
    return FORM_ACTIVITY.get(cert.form) in group and goal.code in cert.goal_codes


# A gap's texts depend on these arguments alone, and early in ST most delmål are missing
# for every trainee alike: the batch that refreshes every trainee builds each text once
# per language. Gap is frozen, so the verdicts can share it.
@lru_cache(maxsize=4096)
def _goal_gap(language, regulation, code, title, group, written):
    ordered = _in_enum_order(group, ActivityType)
    forms = [_form_for(regulation, activity) for activity in ordered]
    activities = _or(str(ActivityType(activity).label) for activity in ordered)
    if written:
        next_step = _("An intyg is written but not validly signed: have it signed by the people the form names.")
    else:
        next_step = _("Write the intyg on %(forms)s and have it signed.") % {
            "forms": _or(form_name(form) for form in forms if form)
        }
    return Gap(
        GOAL_MISSING,
        BLOCKING,
        _("%(code)s: %(activities)s missing — intyg on %(forms)s")
        % {
            "code": code,
            "activities": activities,
            "forms": _or(form_name(form) for form in forms if form),
        },
        _("Every delmål needs a signed intyg for each activity the målbeskrivning requires (%(code)s %(title)s).")
        % {"code": code, "title": title},
        next_step,
    )


def _summary_gaps(data, forms, valid):
    present = {cert.form for cert in valid}
    return [
        Gap(
            SUMMARY_MISSING,
            BLOCKING,
            _("No signed %(form)s") % {"form": str(CertificateForm(form).label)},
            _("The application needs this intyg, signed by %(signers)s.") % {"signers": _signers_label(form)},
            _("Write the intyg and have it signed by %(signers)s.") % {"signers": _signers_label(form)},
        )
        for form in forms
        if form not in present
    ]


def _regional_gaps(data):
    gaps = []
    if data.mid_st_required and not data.mid_st_done:
        gaps.append(
            Gap(
                MID_ST,
                BLOCKING,
                _("Mitt-i-ST is not done"),
                _("%(region)s requires Mitt-i-ST before the specialist application.") % {"region": data.region_name},
                _("Order Mitt-i-ST and complete the visit."),
            )
        )
    if data.final_review_required and not data.final_review_ready:
        gaps.append(
            Gap(
                FINAL_REVIEW,
                BLOCKING,
                _("The studierektor's end-of-ST review has not found the portfolio ready"),
                _("%(region)s: the studierektor reviews the portfolio and all intyg before the application is sent.")
                % {"region": data.region_name},
                _("Book the end-of-ST review with the studierektor."),
            )
        )
    return gaps


# Labels ---------------------------------------------------------------------------------


def form_name(form: str) -> str:
    """The short name of a form, as Socialstyrelsen writes it: "SOSFS 2015:8 bilaga 5"."""
    prefix, number = form.split("_b")
    regulation = "SOSFS 2015:8" if prefix == "sosfs2015" else "HSLF-FS 2021:8"
    return _("%(regulation)s bilaga %(number)s") % {"regulation": regulation, "number": number}


def _form_for(regulation, activity):
    prefix = FORM_PREFIX[regulation]
    return next((form for form, kind in FORM_ACTIVITY.items() if form.startswith(prefix) and kind == activity), None)


def _in_enum_order(values, enum):
    order = list(enum.values)
    return sorted(values, key=lambda value: order.index(value) if value in order else len(order))


def _roles_label(group, bracket=False):
    label = _or(str(SignerRole(role).label) for role in _in_enum_order(group, SignerRole))
    return f"({label})" if bracket and len(group) > 1 else label


def _signers_label(form):
    groups = REQUIRED_SIGNERS[form]
    return _and(_roles_label(group, bracket=len(groups) > 1) for group in groups)


def _or(items):
    word = _("or")
    return f" {word} ".join(items)


def _and(items):
    word = _("and")
    return f" {word} ".join(items)


def _months(value):
    return floatformat(value, -1)


def _iso(day):
    return date_format(day, "Y-m-d")
