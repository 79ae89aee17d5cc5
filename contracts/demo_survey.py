"""Demo data for the anonymous survey at Björkdalens hälsocentral: one answered and closed, one open.

In the closed one every ST-läkare of the unit except demo-st has answered, so the ST-läkare
results show. The unit has only two handledare in the demo region; both have answered, and
their group shows "too few answers" — the rule working, not missing data. The open one has
no answers yet, so demo-st finds it under "Enkät att besvara" (results of an open survey
are never shown).

Idempotent: the survey is found by unit and title; when it exists nothing is added.
"""

from datetime import date, timedelta

from accounts.models import Region, Unit, User
from contracts import survey as domain
from contracts.enums import SurveyGroup
from contracts.models import Survey, SurveyInvitation

REGION_CODE = "norrmark"
UNIT_NAME = "Björkdalens hälsocentral"
DIRECTOR = "demo-studierektor"
UNANSWERED = "demo-st"
TITLE = "Enkät inför SPUR-granskningen"
EARLIER_TITLE = "Enkät om utbildningsklimatet, våren"
ANSWERING_GROUPS = (SurveyGroup.TRAINEE, SurveyGroup.SUPERVISOR)

# A believable picture: good structure, handledning and science weaker (1–5).
AREA_LEVEL = {"A": 4, "B": 4, "C": 4, "D": 4, "E": 3, "F": 4, "G": 3, "H": 3}
COMMENTS = {
    SurveyGroup.TRAINEE: {
        "A6": [
            "Bra stämning och lätt att fråga kollegorna.",
            "",
            "Önskar fler fallseminarier tillsammans med de andra ST-läkarna.",
            "Jag skulle vilja ha tydligare besked om sidotjänstgöringarna i god tid.",
        ],
        "E9": [
            "Handledningen blir ofta inställd när det är mycket patienter.",
            "Min handledare är engagerad och ger bra återkoppling.",
            "",
            "Fler medsittningar vore bra, de ger mest.",
        ],
    },
    SurveyGroup.SUPERVISOR: {
        "E9": ["Svårt att hinna med handledningen när vi har vakanser.", ""],
    },
}


def seed(today: date) -> Survey | None:
    unit = Unit.objects.filter(region__in=Region.objects.filter(code=REGION_CODE), name=UNIT_NAME).first()
    director = User.objects.filter(username=DIRECTOR).first()
    if unit is None or director is None:
        return None
    survey = Survey.objects.filter(unit=unit, title=TITLE).first()
    if survey is not None:
        return survey
    # Last spring's survey, answered and closed, so its results show; answered while it
    # was open, then dated back (a survey cannot be created in the past).
    earlier = domain.create_survey(
        unit, by=director, title=EARLIER_TITLE, opens_on=today, closes_on=today + timedelta(days=14)
    )
    _answer(earlier, today)
    Survey.objects.filter(pk=earlier.pk).update(
        opens_on=today - timedelta(days=200), closes_on=today - timedelta(days=180)
    )
    # This autumn's, open now: demo-st still finds it under "Enkät att besvara".
    return domain.create_survey(
        unit, by=director, title=TITLE, opens_on=today - timedelta(days=10), closes_on=today + timedelta(days=5)
    )


def _answer(survey, today):
    invitations = (
        SurveyInvitation.objects.filter(survey=survey, group__in=ANSWERING_GROUPS)
        .exclude(user__username=UNANSWERED)
        .select_related("user")
        .order_by("user__username")
    )
    for person, invitation in enumerate(invitations):
        answers = _answers(domain.questions_for(survey, invitation.group), invitation.group, person)
        domain.submit_response(survey, by=invitation.user, answers=answers, today=today)


def _answers(questions, group, person):
    answers = {}
    for number, question in enumerate(questions):
        if question.is_scale:
            level = AREA_LEVEL[question.area] + (person + number) % 3 - 1
            answers[question.code] = min(5, max(1, level))
        else:
            texts = COMMENTS.get(group, {}).get(question.code, [])
            answers[question.code] = texts[person % len(texts)] if texts else ""
    return answers
