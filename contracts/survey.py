"""The anonymous pre-inspection survey: questions, invitations, answers and results.

The questions are data (contracts/data/survey-questions.json): named sets of questions,
each tied to a SPUR area and asked of one or more groups (ST-läkare, handledare,
studierektor, verksamhetschef), either on a 1–5 scale or as a free-text comment. A survey
stores the name of its set, so a set that has been used must not be changed: add a new
set instead.

Anonymity (see contracts/models/survey.py): an invitation says only whether a person has
answered; a response says only which group answered. `submit_response` writes both in one
transaction and writes no audit event, because an event (actor and time) next to the
responses' order would tell who gave which answers. `results` reads numbers and comments
only for groups with at least MIN_GROUP responses, so nothing about a smaller group leaves
the database.
"""

import json
import secrets
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

import contracts.rules_survey  # noqa: F401 -- registers the permissions checked here (also outside requests)
from accounts.domain import record_event
from accounts.enums import Role
from accounts.models import Membership
from contracts.enums import SpurArea, SurveyGroup
from contracts.models import Survey, SurveyAnswer, SurveyInvitation, SurveyResponse
from portfolio.models import Trainee
from portfolio.reminders import ReminderItem, link, register_source

DATA_FILE = Path(__file__).resolve().parent / "data" / "survey-questions.json"
DEFAULT_SET = "spur-2026"

SCALE, COMMENT = "scale", "comment"
SCALE_STEPS = (1, 2, 3, 4, 5)
COMMENT_MAX_LENGTH = 2000

# Results of a group are shown only when at least this many of its members have answered:
# with fewer, a studierektor who knows who was invited could work out who said what.
MIN_GROUP = 3

# Invited people who have not answered are reminded this long before the survey closes.
REMIND_WITHIN = timedelta(days=7)

CREATE_PERM = "contracts.create_survey"
RESULTS_PERM = "contracts.view_survey_results"

# A person with several roles at the unit is invited once, in the first group here that
# fits: the studierektor's and the chef's view of the unit is what only they can give.
GROUP_ORDER = (SurveyGroup.STUDY_DIRECTOR, SurveyGroup.UNIT_HEAD, SurveyGroup.SUPERVISOR, SurveyGroup.TRAINEE)
ROLE_GROUPS = {
    Role.STUDY_DIRECTOR: SurveyGroup.STUDY_DIRECTOR,
    Role.UNIT_HEAD: SurveyGroup.UNIT_HEAD,
    Role.SUPERVISOR: SurveyGroup.SUPERVISOR,
}


# --- the questions -------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    code: str
    area: str
    groups: tuple[str, ...]
    kind: str
    text: str

    @property
    def is_scale(self):
        return self.kind == SCALE

    @property
    def area_label(self):
        return SpurArea(self.area).label


def scale_labels() -> dict[int, str]:
    """The words of the 1–5 scale, in the current language."""
    return {
        1: _("Disagree completely"),
        2: _("Agree to a small extent"),
        3: _("Agree in part"),
        4: _("Agree to a large extent"),
        5: _("Agree completely"),
    }


def _question(raw, set_name) -> Question:
    code = raw.get("code", "")
    problem = None
    if not code or len(code) > 40:
        problem = "a code of 1–40 characters"
    elif raw.get("area") not in SpurArea.values:
        problem = "a SPUR area A–H"
    elif not raw.get("groups") or not set(raw["groups"]) <= set(SurveyGroup.values):
        problem = f"groups among {SurveyGroup.values}"
    elif raw.get("kind") not in (SCALE, COMMENT):
        problem = f"kind {SCALE!r} or {COMMENT!r}"
    elif not raw.get("text", "").strip():
        problem = "a text"
    if problem:
        raise ImproperlyConfigured(f"Survey question {code!r} in set {set_name!r} needs {problem}.")
    return Question(code, raw["area"], tuple(raw["groups"]), raw["kind"], raw["text"].strip())


def _parse(data) -> dict[str, tuple[Question, ...]]:
    sets = {}
    for name, raw_questions in data.items():
        questions = tuple(_question(raw, name) for raw in raw_questions)
        codes = [question.code for question in questions]
        if len(codes) != len(set(codes)):
            raise ImproperlyConfigured(f"Survey question set {name!r} uses a code twice.")
        sets[name] = questions
    return sets


@cache
def _sets() -> dict[str, tuple[Question, ...]]:
    """Read once per process: the file changes only with a deployment."""
    with DATA_FILE.open(encoding="utf-8") as handle:
        return _parse(json.load(handle))


def question_set(name: str) -> list[Question]:
    """The questions of a named set, in the file's order (LookupError for an unknown name)."""
    sets = _sets()
    if name not in sets:
        raise LookupError(f"No survey question set named {name!r}")
    return list(sets[name])


def questions_for(survey: Survey, group: str) -> list[Question]:
    """The questions the survey asks of one group."""
    return [question for question in question_set(survey.question_set) if group in question.groups]


# --- state ---------------------------------------------------------------------------------


def is_open(survey: Survey, today: date) -> bool:
    return survey.opens_on <= today <= survey.closes_on


def state(survey: Survey, today: date) -> str:
    """ "upcoming", "open" or "closed"."""
    if today < survey.opens_on:
        return "upcoming"
    return "open" if today <= survey.closes_on else "closed"


# --- creating a survey ---------------------------------------------------------------------


def invitees(unit) -> dict[int, str]:
    """{user id: group} for everyone the unit's survey asks: its active studierektorer, chefer,
    handledare and ST-läkare, each person once (GROUP_ORDER decides for people with two roles)."""
    found = defaultdict(set)
    memberships = Membership.objects.filter(unit=unit, role__in=list(ROLE_GROUPS), user__is_active=True)
    for user_id, role in memberships.values_list("user_id", "role"):
        found[user_id].add(ROLE_GROUPS[role])
    for user_id in Trainee.objects.filter(unit=unit, user__is_active=True).values_list("user_id", flat=True):
        found[user_id].add(SurveyGroup.TRAINEE)
    return {user_id: next(group for group in GROUP_ORDER if group in groups) for user_id, groups in found.items()}


def group_counts(invited: Mapping[int, str]) -> dict[str, int]:
    """{group: number of people} in SurveyGroup order, for every group."""
    counts = dict.fromkeys(SurveyGroup.values, 0)
    for group in invited.values():
        counts[group] += 1
    return counts


def check_dates(opens_on: date, closes_on: date, today: date) -> None:
    """ValidationError (field errors) for a survey that closes before it opens or in the past."""
    if closes_on < opens_on:
        raise ValidationError({"closes_on": _("The survey must close on or after the day it opens.")}, code="order")
    if closes_on < today:
        raise ValidationError({"closes_on": _("The closing date has already passed.")}, code="past")


def create_survey(unit, *, by, title: str, opens_on: date, closes_on: date) -> Survey:
    """A new survey for the unit, by its studierektor, inviting everyone `invitees` finds."""
    if not by.has_perm(CREATE_PERM, unit):
        raise PermissionDenied(f"{by} lacks {CREATE_PERM} for unit {unit.pk}")
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the survey a title.")}, code="title_required")
    check_dates(opens_on, closes_on, timezone.localdate())
    with transaction.atomic():
        survey = Survey.objects.create(
            unit=unit, title=title, opens_on=opens_on, closes_on=closes_on, question_set=DEFAULT_SET, created_by=by
        )
        invited = invite(survey)
        record_event(by, "survey.created", survey, unit=unit.pk, invited=group_counts(invited))
    return survey


def invite(survey: Survey) -> dict[int, str]:
    """Invite the unit's people who are not yet invited; returns {user id: group} of the new ones."""
    already = set(SurveyInvitation.objects.filter(survey=survey).values_list("user_id", flat=True))
    new = {user_id: group for user_id, group in invitees(survey.unit).items() if user_id not in already}
    SurveyInvitation.objects.bulk_create(
        SurveyInvitation(survey=survey, user_id=user_id, group=group) for user_id, group in new.items()
    )
    return new


# --- answering -----------------------------------------------------------------------------


def open_invitations(user, today: date):
    """The user's invitations to surveys open today, soonest closing first."""
    return (
        SurveyInvitation.objects.filter(user=user, survey__opens_on__lte=today, survey__closes_on__gte=today)
        .select_related("survey__unit")
        .order_by("survey__closes_on", "pk")
    )


def invitation_for(user, survey: Survey) -> SurveyInvitation | None:
    if not user.is_authenticated:
        return None
    return SurveyInvitation.objects.filter(survey=survey, user=user).first()


def _answer_rows(questions, answers: Mapping[str, object]) -> list[tuple[str, int | None, str]]:
    """(code, value, text) for every answered question; unanswered ones are left out."""
    by_code = {question.code: question for question in questions}
    unknown = set(answers) - set(by_code)
    if unknown:
        raise ValueError(f"Not questions of this group: {sorted(unknown)}")
    rows = []
    for code, question in by_code.items():
        answer = answers.get(code)
        if answer in (None, ""):
            continue
        if question.is_scale:
            if answer not in SCALE_STEPS:
                raise ValidationError(_("Answer on the scale from 1 to 5."), code="invalid_value")
            rows.append((code, answer, ""))
        elif text := str(answer).strip()[:COMMENT_MAX_LENGTH]:
            rows.append((code, None, text))
    return rows


def submit_response(survey: Survey, *, by, answers: Mapping[str, object], today: date | None = None) -> None:
    """Record the person's answers ({question code: 1–5 or comment}) anonymously, once.

    Nothing is returned and nothing is logged: after this, only the invitation's `answered`
    flag knows that the person answered, and nothing knows which response is theirs.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        # The lock makes a double click (or two tabs) wait here and then see answered=True.
        invitation = SurveyInvitation.objects.select_for_update().filter(survey=survey, user=by).first()
        if invitation is None:
            raise PermissionDenied(f"{by} is not invited to survey {survey.pk}")
        if invitation.answered:
            raise ValidationError(_("You have already answered this survey."), code="already_answered")
        if not is_open(survey, today):
            raise ValidationError(_("The survey is not open for answers."), code="not_open")
        rows = _answer_rows(questions_for(survey, invitation.group), answers)
        if not rows:
            raise ValidationError(_("Answer at least one question before you send."), code="empty")
        # Responses get increasing primary keys, but that does not reveal who answered:
        # invitations store no time of answering, and no audit event is written, so there is
        # nothing to line the order of responses up against.
        response = SurveyResponse.objects.create(survey=survey, group=invitation.group)
        SurveyAnswer.objects.bulk_create(
            SurveyAnswer(response=response, question=code, value=value, text=text) for code, value, text in rows
        )
        invitation.answered = True
        invitation.save(update_fields=["answered"])


# --- results -------------------------------------------------------------------------------


@dataclass
class QuestionResult:
    question: Question
    count: int = 0
    total: int = 0
    steps: dict[int, int] = field(default_factory=lambda: dict.fromkeys(SCALE_STEPS, 0))
    comments: list[str] = field(default_factory=list)

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count else None

    @property
    def distribution(self) -> list[tuple[int, int]]:
        return list(self.steps.items())


@dataclass
class AreaResult:
    area: str
    label: str
    questions: list[QuestionResult]

    @property
    def scale_results(self):
        return [result for result in self.questions if result.question.is_scale]

    @property
    def comment_results(self):
        return [result for result in self.questions if not result.question.is_scale]


@dataclass
class GroupResult:
    group: str
    invited: int
    answered: int
    responses: int
    areas: list[AreaResult] = field(default_factory=list)

    @property
    def label(self):
        return SurveyGroup(self.group).label

    @property
    def shown(self) -> bool:
        return self.responses >= MIN_GROUP

    @property
    def rate(self) -> int | None:
        """Answered as a whole percentage of invited."""
        return round(100 * self.answered / self.invited) if self.invited else None


def results(survey: Survey) -> list[GroupResult]:
    """Per group (in SurveyGroup order, groups with anyone invited or answering): the response
    rate and, only for groups with at least MIN_GROUP responses, every question's number of
    answers, mean and distribution and the comments in random order. Four queries at most."""
    groups = _group_counts(survey)
    shown = [group.group for group in groups if group.shown]
    if shown:
        by_group = {group.group: _empty_results(survey, group.group) for group in groups if group.shown}
        _add_scale_answers(survey, shown, by_group)
        _add_comments(survey, shown, by_group)
        for group in groups:
            if group.shown:
                group.areas = _by_area(by_group[group.group].values())
    return groups


def _group_counts(survey) -> list[GroupResult]:
    invited = {
        row["group"]: row
        for row in SurveyInvitation.objects.filter(survey=survey)
        .values("group")
        .annotate(invited=Count("pk"), answered=Count("pk", filter=Q(answered=True)))
        .order_by()
    }
    responses = dict(
        SurveyResponse.objects.filter(survey=survey).values("group").annotate(n=Count("pk")).values_list("group", "n")
    )
    return [
        GroupResult(
            group=group,
            invited=invited.get(group, {}).get("invited", 0),
            answered=invited.get(group, {}).get("answered", 0),
            responses=responses.get(group, 0),
        )
        for group in SurveyGroup.values
        if group in invited or group in responses
    ]


def _empty_results(survey, group) -> dict[str, QuestionResult]:
    return {question.code: QuestionResult(question) for question in questions_for(survey, group)}


def _add_scale_answers(survey, groups, by_group):
    rows = (
        SurveyAnswer.objects.filter(response__survey=survey, response__group__in=groups, value__isnull=False)
        .values_list("response__group", "question", "value")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for group, code, value, n in rows:
        result = by_group[group].get(code)
        if result is None or value not in result.steps:  # a question no longer in the set
            continue
        result.steps[value] += n
        result.count += n
        result.total += value * n


def _add_comments(survey, groups, by_group):
    rows = (
        SurveyAnswer.objects.filter(response__survey=survey, response__group__in=groups)
        .exclude(text="")
        .values_list("response__group", "question", "text")
    )
    for group, code, text in rows:
        if result := by_group[group].get(code):
            result.comments.append(text)
    # Never in the order they were written: that order could match who answered when.
    shuffler = secrets.SystemRandom()
    for results_of_group in by_group.values():
        for result in results_of_group.values():
            shuffler.shuffle(result.comments)


def _by_area(question_results) -> list[AreaResult]:
    areas = defaultdict(list)
    for result in question_results:
        areas[result.question.area].append(result)
    return [AreaResult(area, SpurArea(area).label, areas[area]) for area in SpurArea.values if area in areas]


# --- reminders -----------------------------------------------------------------------------


@register_source
def survey_reminders(today: date):
    """Invited people who have not answered a survey that closes within REMIND_WITHIN. One query."""
    invitations = (
        SurveyInvitation.objects.filter(
            answered=False,
            user__is_active=True,
            survey__opens_on__lte=today,
            survey__closes_on__gte=today,
            survey__closes_on__lte=today + REMIND_WITHIN,
        )
        .values_list("pk", "user_id", "survey_id", "survey__title", "survey__closes_on")
        .order_by("pk")
    )
    for pk, user_id, survey_id, title, closes_on in invitations:
        text = _("Answer the anonymous survey “%(title)s” before it closes") % {"title": title}
        yield ReminderItem(user_id, f"survey:{pk}", text, link("survey-answer", survey_id), closes_on, overdue=False)
