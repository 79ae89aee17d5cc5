"""The anonymous pre-inspection survey: questions, creating, answering, results, reminders, demo."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from accounts.enums import Role
from accounts.models import AuditEvent, User
from contracts import demo_survey
from contracts import survey as domain
from contracts.enums import SpurArea, SurveyGroup
from contracts.models import Survey, SurveyAnswer, SurveyInvitation, SurveyResponse
from portfolio import reminders
from tests.factories import MembershipFactory, TraineeFactory

pytestmark = pytest.mark.django_db

TRAINEE_QUESTION = "Jag får handledning minst en timme i veckan."
SUPERVISOR_QUESTION = "Jag har avsatt tid för handledning i mitt schema."
TOO_FEW = "Too few answers to show (at least %(min)s)"
COMMENT_CODE = "E9"  # a comment question asked of every group


def swedish(msgid, **values):
    """The text a Swedish page shows for `msgid`, escaped as in HTML."""
    with translation.override("sv"):
        text = gettext(msgid)
    return escape(text % values if values else text)


def today():
    return timezone.localdate()


# --- people and surveys


def add_trainees(unit, count):
    return [TraineeFactory(unit=unit).user for _ in range(count)]


def add_supervisors(unit, count):
    return [MembershipFactory(unit=unit, role=Role.SUPERVISOR).user for _ in range(count)]


def make_survey(unit, creator=None, opens=-1, closes=10, title="Enkät inför SPUR 2026"):
    survey = Survey.objects.create(
        unit=unit,
        title=title,
        opens_on=today() + timedelta(days=opens),
        closes_on=today() + timedelta(days=closes),
        created_by=creator,
    )
    domain.invite(survey)
    return survey


def scale_codes(group, count=None):
    questions = domain.question_set("spur-2026")
    codes = [question.code for question in questions if group in question.groups and question.is_scale]
    return codes[:count] if count else codes


def answer(survey, user, value=4, comment="", count=None):
    group = SurveyInvitation.objects.get(survey=survey, user=user).group
    answers = dict.fromkeys(scale_codes(group, count), value)
    if comment:
        answers[COMMENT_CODE] = comment
    domain.submit_response(survey, by=user, answers=answers)


@pytest.fixture
def survey(unit, study_director, unit_head, supervisor, trainee):
    return make_survey(unit, creator=study_director)


def answer_url(survey):
    return reverse("survey-answer", args=[survey.pk])


def results_url(survey):
    return reverse("survey-results", args=[survey.pk])


def answer_form(codes_values, comment=""):
    data = {f"q_{code}": str(value) for code, value in codes_values.items()}
    if comment:
        data[f"q_{COMMENT_CODE}"] = comment
    return data


# --- the question set


def test_question_set_covers_every_spur_area_for_every_group():
    questions = domain.question_set("spur-2026")

    for area in SpurArea.values:
        in_area = [question for question in questions if question.area == area]
        assert len(in_area) >= 3, area
    for group in SurveyGroup.values:
        asked = [question for question in questions if group in question.groups]
        assert {question.area for question in asked} == set(SpurArea.values), group
        assert any(not question.is_scale for question in asked), group
    codes = [question.code for question in questions]
    assert len(codes) == len(set(codes))
    assert TRAINEE_QUESTION in [question.text for question in questions]


def test_question_set_returns_a_copy_and_refuses_unknown_names():
    first = domain.question_set("spur-2026")
    first.clear()

    assert domain.question_set("spur-2026")
    with pytest.raises(LookupError):
        domain.question_set("no-such-set")


@pytest.mark.parametrize(
    "bad",
    [
        {"code": "X1", "area": "Z", "groups": ["trainee"], "kind": "scale", "text": "Text"},
        {"code": "X1", "area": "A", "groups": ["nurse"], "kind": "scale", "text": "Text"},
        {"code": "X1", "area": "A", "groups": ["trainee"], "kind": "stars", "text": "Text"},
        {"code": "X1", "area": "A", "groups": ["trainee"], "kind": "scale", "text": " "},
        {"code": "", "area": "A", "groups": ["trainee"], "kind": "scale", "text": "Text"},
    ],
)
def test_a_broken_question_file_is_refused(bad):
    with pytest.raises(ImproperlyConfigured):
        domain._parse({"broken": [bad]})


def test_a_code_used_twice_is_refused():
    question = {"code": "X1", "area": "A", "groups": ["trainee"], "kind": "scale", "text": "Text"}
    with pytest.raises(ImproperlyConfigured):
        domain._parse({"broken": [question, question]})


def test_the_question_file_is_valid_json_with_the_default_set():
    data = json.loads(domain.DATA_FILE.read_text(encoding="utf-8"))
    assert domain.DEFAULT_SET in data


# --- anonymity in the models


@pytest.mark.parametrize("model", [SurveyResponse, SurveyAnswer])
def test_responses_and_answers_have_no_link_to_a_person_or_an_invitation(model):
    user_model = get_user_model()
    related = {field.related_model for field in model._meta.get_fields() if field.is_relation}

    assert user_model not in related
    assert SurveyInvitation not in related
    assert related <= {Survey, SurveyResponse, SurveyAnswer}


@pytest.mark.parametrize("model", [SurveyResponse, SurveyAnswer, SurveyInvitation])
def test_responses_answers_and_invitations_store_no_time(model):
    time_fields = (models.DateField, models.DateTimeField, models.TimeField, models.DurationField)
    concrete = [field for field in model._meta.get_fields() if field.concrete]

    assert not [field.name for field in concrete if isinstance(field, time_fields)]


def test_answering_writes_no_audit_event_and_no_trace_of_the_person(survey, trainee):
    events_before = AuditEvent.objects.count()

    answer(survey, trainee.user, comment="Bra handledning")

    assert AuditEvent.objects.count() == events_before
    response = SurveyResponse.objects.get(survey=survey)
    assert response.group == SurveyGroup.TRAINEE
    values = json.dumps(list(SurveyAnswer.objects.filter(response=response).values()), default=str)
    assert trainee.user.name not in values


# --- creating a survey


def create_data(**overrides):
    data = {
        "title": "Enkät inför SPUR-granskningen",
        "opens_on": f"{today():%Y-%m-%d}",
        "closes_on": f"{today() + timedelta(days=14):%Y-%m-%d}",
    }
    data.update(overrides)
    return data


def test_studierektor_creates_a_survey_that_invites_the_unit(
    client, unit, study_director, unit_head, supervisor, second_specialist, trainee, other_trainee
):
    client.force_login(study_director)

    response = client.post(reverse("survey-create", args=[unit.pk]), create_data())

    survey = Survey.objects.get(unit=unit)
    assert response.status_code == 302
    assert response["Location"] == reverse("survey-list", args=[unit.pk])
    assert survey.title == "Enkät inför SPUR-granskningen"
    assert survey.created_by == study_director
    assert survey.question_set == "spur-2026"
    invited = dict(SurveyInvitation.objects.filter(survey=survey).values_list("user_id", "group"))
    assert invited == {
        trainee.user.pk: SurveyGroup.TRAINEE,
        supervisor.pk: SurveyGroup.SUPERVISOR,
        study_director.pk: SurveyGroup.STUDY_DIRECTOR,
        unit_head.pk: SurveyGroup.UNIT_HEAD,
    }
    assert not SurveyInvitation.objects.filter(answered=True).exists()
    event = AuditEvent.objects.get(
        action="survey.created", target_type=ContentType.objects.get_for_model(Survey), target_id=survey.pk
    )
    assert event.actor == study_director
    assert event.data["invited"][SurveyGroup.TRAINEE] == 1


def test_the_create_page_shows_who_will_be_invited(client, unit, study_director, supervisor, trainee):
    client.force_login(study_director)

    response = client.get(reverse("survey-create", args=[unit.pk]))

    counts = {group: count for group, _label, count in response.context["invited"]}
    assert counts == {"trainee": 1, "supervisor": 1, "study_director": 1, "unit_head": 0}
    assert response.context["form"].initial["opens_on"] == today()


def test_a_person_with_two_roles_is_invited_once(unit, study_director, supervisor):
    MembershipFactory(user=supervisor, unit=unit, role=Role.STUDY_DIRECTOR)
    inactive = add_supervisors(unit, 1)[0]
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])

    survey = domain.create_survey(
        unit, by=study_director, title="Enkät", opens_on=today(), closes_on=today() + timedelta(days=7)
    )

    invited = dict(survey.invitations.values_list("user_id", "group"))
    assert invited == {study_director.pk: SurveyGroup.STUDY_DIRECTOR, supervisor.pk: SurveyGroup.STUDY_DIRECTOR}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"closes_on": "2020-01-01", "opens_on": "2020-01-02"}, "closes_on"),
        ({"closes_on": "2020-01-01", "opens_on": "2019-12-01"}, "closes_on"),
        ({"title": ""}, "title"),
        ({"opens_on": "not a date"}, "opens_on"),
    ],
)
def test_bad_input_shows_an_error_and_creates_nothing(client, unit, study_director, data, field):
    client.force_login(study_director)

    response = client.post(reverse("survey-create", args=[unit.pk]), create_data(**data))

    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    assert not Survey.objects.exists()
    assert not SurveyInvitation.objects.exists()


def test_a_closing_date_before_the_opening_date_is_explained(client, unit, study_director):
    client.force_login(study_director)

    response = client.post(
        reverse("survey-create", args=[unit.pk]), create_data(opens_on="2030-02-01", closes_on="2030-01-01")
    )

    assert swedish("The survey must close on or after the day it opens.") in response.content.decode()
    assert not Survey.objects.exists()


@pytest.mark.parametrize("persona", ["unit_head", "region_admin"])
def test_chef_and_administrator_may_not_create(client, request, unit, persona):
    client.force_login(request.getfixturevalue(persona))

    response = client.post(reverse("survey-create", args=[unit.pk]), create_data())

    assert response.status_code == 403
    assert not Survey.objects.exists()


@pytest.mark.parametrize("persona", ["outsider", "other_study_director", "supervisor", "other_region_admin"])
def test_others_do_not_find_the_create_page(client, request, unit, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse("survey-create", args=[unit.pk])).status_code == 404
    assert client.post(reverse("survey-create", args=[unit.pk]), create_data()).status_code == 404
    assert not Survey.objects.exists()


def test_trainee_does_not_find_the_create_page(client, unit, trainee):
    client.force_login(trainee.user)

    assert client.post(reverse("survey-create", args=[unit.pk]), create_data()).status_code == 404
    assert not Survey.objects.exists()


def test_create_survey_refuses_a_user_without_the_permission(unit, unit_head):
    with pytest.raises(PermissionDenied):
        domain.create_survey(unit, by=unit_head, title="Enkät", opens_on=today(), closes_on=today())
    assert not Survey.objects.exists()


# --- the unit's list of surveys


@pytest.mark.parametrize("persona", ["study_director", "unit_head", "region_admin", "national_admin"])
def test_unit_readers_see_the_surveys_with_the_response_rate(client, request, survey, trainee, persona):
    answer(survey, trainee.user)
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse("survey-list", args=[survey.unit_id]))

    assert response.status_code == 200
    assert response.context["surveys"] == [survey]
    listed = response.context["surveys"][0]
    assert (listed.answered, listed.invited, listed.state) == (1, 4, "open")
    assert survey.title in response.content.decode()
    assert response.context["can_create"] is (persona == "study_director")


@pytest.mark.parametrize("persona", ["outsider", "other_study_director", "other_region_admin", "supervisor"])
def test_others_do_not_find_the_unit_survey_list(client, request, survey, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse("survey-list", args=[survey.unit_id])).status_code == 404


def test_invited_trainee_does_not_find_the_unit_survey_list(client, survey, trainee):
    client.force_login(trainee.user)

    assert client.get(reverse("survey-list", args=[survey.unit_id])).status_code == 404


@pytest.mark.parametrize("count", [1, 3])
def test_unit_survey_list_query_count_does_not_grow(client, django_assert_num_queries, unit, study_director, count):
    add_trainees(unit, 3)
    for n in range(count):
        make_survey(unit, title=f"Enkät {n}")
    client.force_login(study_director)

    # session, user, unit, studierektor check (read), studierektor check (create), surveys with counts
    with django_assert_num_queries(6):
        response = client.get(reverse("survey-list", args=[unit.pk]))

    assert len(response.context["surveys"]) == count


# --- the person's page


def test_invited_person_sees_the_open_survey_to_answer(client, survey, trainee):
    closed = make_survey(survey.unit, opens=-20, closes=-1, title="Gammal enkät")
    upcoming = make_survey(survey.unit, opens=3, closes=20, title="Kommande enkät")
    client.force_login(trainee.user)

    response = client.get(reverse("survey-home"))

    assert [invitation.survey for invitation in response.context["to_answer"]] == [survey]
    content = response.content.decode()
    assert survey.title in content
    assert answer_url(survey) in content
    assert closed.title not in content
    assert upcoming.title not in content


def test_an_answered_survey_moves_to_answered(client, survey, trainee):
    answer(survey, trainee.user)
    client.force_login(trainee.user)

    response = client.get(reverse("survey-home"))

    assert response.context["to_answer"] == []
    assert [invitation.survey for invitation in response.context["answered"]] == [survey]
    assert answer_url(survey) not in response.content.decode()


def test_someone_not_invited_sees_nothing_to_answer(client, survey, outsider, other_trainee):
    for user in (outsider, other_trainee.user):
        client.force_login(user)
        response = client.get(reverse("survey-home"))
        assert response.context["to_answer"] == []
        assert survey.title not in response.content.decode()


def test_unit_leaders_find_their_units_on_the_survey_page(client, survey, study_director, unit, other_unit):
    client.force_login(study_director)

    response = client.get(reverse("survey-home"))

    assert response.context["units"] == [unit]
    assert reverse("survey-list", args=[unit.pk]) in response.content.decode()


@pytest.mark.parametrize("count", [1, 3])
def test_survey_home_query_count_does_not_grow(client, django_assert_num_queries, unit, trainee, study_director, count):
    for n in range(count):
        make_survey(unit, title=f"Enkät {n}")
    client.force_login(study_director)

    # session, user, invitations with survey and unit, national-admin check, followed units
    with django_assert_num_queries(5):
        response = client.get(reverse("survey-home"))

    assert len(response.context["to_answer"]) == count
    assert response.context["units"] == [unit]


# --- answering


def test_trainee_sees_only_the_questions_for_st_lakare(client, survey, trainee):
    client.force_login(trainee.user)

    content = client.get(answer_url(survey)).content.decode()

    assert TRAINEE_QUESTION in content
    assert SUPERVISOR_QUESTION not in content


def test_supervisor_sees_only_the_questions_for_handledare(client, survey, supervisor):
    client.force_login(supervisor)

    content = client.get(answer_url(survey)).content.decode()

    assert SUPERVISOR_QUESTION in content
    assert TRAINEE_QUESTION not in content


@pytest.mark.parametrize(
    ("persona", "group", "code"),
    [
        ("supervisor", SurveyGroup.SUPERVISOR, "E2"),
        ("study_director", SurveyGroup.STUDY_DIRECTOR, "D6"),
        ("unit_head", SurveyGroup.UNIT_HEAD, "E8"),
    ],
)
def test_every_invited_group_answers_its_own_questions(client, request, survey, persona, group, code):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    question = next(question for question in domain.question_set("spur-2026") if question.code == code)

    assert question.text in client.get(answer_url(survey)).content.decode()
    response = client.post(answer_url(survey), answer_form({code: 3}))

    assert response.status_code == 302
    saved = SurveyResponse.objects.get(survey=survey)
    assert saved.group == group
    assert list(saved.answers.values_list("question", "value")) == [(code, 3)]
    assert SurveyInvitation.objects.get(survey=survey, user=user).answered is True


def test_answering_saves_an_anonymous_response_and_marks_the_invitation(client, survey, trainee):
    client.force_login(trainee.user)

    response = client.post(answer_url(survey), answer_form({"E1": 2, "E3": 5}, comment="För lite handledning"))

    assert response.status_code == 302
    saved = SurveyResponse.objects.get(survey=survey)
    assert saved.group == SurveyGroup.TRAINEE
    assert dict(saved.answers.filter(value__isnull=False).values_list("question", "value")) == {"E1": 2, "E3": 5}
    assert saved.answers.get(question=COMMENT_CODE).text == "För lite handledning"
    assert SurveyInvitation.objects.get(survey=survey, user=trainee.user).answered is True


def test_a_second_answer_is_refused_and_adds_nothing(client, survey, trainee):
    client.force_login(trainee.user)
    client.post(answer_url(survey), answer_form({"E1": 2}))

    response = client.post(answer_url(survey), answer_form({"E1": 5}))

    assert response.status_code == 200
    assert SurveyResponse.objects.count() == 1
    assert list(SurveyAnswer.objects.values_list("question", "value")) == [("E1", 2)]
    assert swedish("You have already answered this survey.") in response.content.decode()
    assert "q_E1" not in response.content.decode()


def test_submit_response_twice_raises(survey, trainee):
    answer(survey, trainee.user)

    with pytest.raises(ValidationError) as error:
        answer(survey, trainee.user)

    assert error.value.code == "already_answered"
    assert SurveyResponse.objects.count() == 1


@pytest.mark.parametrize("persona", ["outsider", "other_study_director", "region_admin", "second_specialist"])
def test_someone_not_invited_cannot_answer(client, request, survey, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(answer_url(survey)).status_code == 404
    assert client.post(answer_url(survey), answer_form({"A2": 3})).status_code == 404
    assert not SurveyResponse.objects.exists()


def test_another_units_trainee_cannot_answer(client, survey, other_trainee):
    client.force_login(other_trainee.user)

    assert client.post(answer_url(survey), answer_form({"E1": 3})).status_code == 404
    assert not SurveyResponse.objects.exists()


def test_submit_response_refuses_someone_not_invited(survey, outsider):
    with pytest.raises(PermissionDenied):
        domain.submit_response(survey, by=outsider, answers={"E1": 3})
    assert not SurveyResponse.objects.exists()


@pytest.mark.parametrize(("opens", "closes", "state"), [(2, 10, "upcoming"), (-10, -1, "closed")])
def test_answers_outside_the_open_days_are_refused(client, unit, trainee, opens, closes, state):
    survey = make_survey(unit, opens=opens, closes=closes)
    client.force_login(trainee.user)

    response = client.post(answer_url(survey), answer_form({"E1": 3}))

    assert response.status_code == 200
    assert response.context["state"] == state
    assert not SurveyResponse.objects.exists()
    assert SurveyInvitation.objects.get(survey=survey, user=trainee.user).answered is False
    assert swedish("The survey is not open for answers.") in response.content.decode()
    assert "q_E1" not in response.content.decode()


def test_the_last_day_is_still_open(unit, trainee):
    survey = make_survey(unit, opens=-5, closes=0)

    answer(survey, trainee.user)

    assert SurveyResponse.objects.filter(survey=survey).count() == 1


def test_submit_response_refuses_a_closed_survey(unit, trainee):
    survey = make_survey(unit, opens=-10, closes=-1)

    with pytest.raises(ValidationError) as error:
        answer(survey, trainee.user)

    assert error.value.code == "not_open"
    assert not SurveyResponse.objects.exists()


def test_an_empty_answer_shows_an_error_and_saves_nothing(client, survey, trainee):
    client.force_login(trainee.user)

    response = client.post(answer_url(survey), {f"q_{COMMENT_CODE}": "   "})

    assert response.status_code == 200
    assert swedish("Answer at least one question before you send.") in response.content.decode()
    assert not SurveyResponse.objects.exists()
    assert SurveyInvitation.objects.get(survey=survey, user=trainee.user).answered is False


def test_a_value_off_the_scale_shows_an_error_and_saves_nothing(client, survey, trainee):
    client.force_login(trainee.user)

    response = client.post(answer_url(survey), answer_form({"E1": 7, "E3": 4}))

    assert response.status_code == 200
    assert "q_E1" in response.context["form"].errors
    assert not SurveyResponse.objects.exists()


def test_submit_response_refuses_a_question_of_another_group(survey, trainee):
    with pytest.raises(ValueError, match="E2"):
        domain.submit_response(survey, by=trainee.user, answers={"E2": 3})
    assert not SurveyResponse.objects.exists()


# --- results


def trainees_answer(survey, users, comment_prefix="Kommentar"):
    for n, user in enumerate(users):
        answer(survey, user, value=n % 5 + 1, comment=f"{comment_prefix} {n}")


def close(survey):
    """Dated back to have closed yesterday: results are shown only for a closed survey."""
    Survey.objects.filter(pk=survey.pk).update(
        opens_on=today() - timedelta(days=30), closes_on=today() - timedelta(days=1)
    )


def test_an_open_survey_shows_no_answers_even_from_a_large_group(client, survey, unit, trainee, study_director):
    users = [trainee.user, *add_trainees(unit, 3)]
    domain.invite(survey)
    for user in users:
        answer(survey, user, value=4, comment="Synlig för tidigt")
    client.force_login(study_director)

    response = client.get(results_url(survey))

    content = response.content.decode()
    assert response.context["results_shown"] is False
    assert "Synlig för tidigt" not in content
    assert TRAINEE_QUESTION not in content
    rates = {group.group: (group.answered, group.invited) for group in response.context["groups"]}
    assert rates[SurveyGroup.TRAINEE] == (4, 4)  # the response rate still shows


@pytest.mark.parametrize("answering", [1, 2])
def test_a_group_with_fewer_than_three_responses_shows_no_figures_or_comments(
    client, survey, unit, trainee, study_director, answering
):
    users = [trainee.user, *add_trainees(unit, 1)]
    domain.invite(survey)
    trainees_answer(survey, users[:answering], comment_prefix="Hemlig kommentar")
    close(survey)
    client.force_login(study_director)

    response = client.get(results_url(survey))

    group = next(group for group in response.context["groups"] if group.group == SurveyGroup.TRAINEE)
    assert (group.responses, group.shown, group.areas) == (answering, False, [])
    content = response.content.decode()
    assert swedish(TOO_FEW, min=3) in content
    assert "Hemlig kommentar" not in content
    assert TRAINEE_QUESTION not in content


def test_a_group_with_three_responses_shows_figures_and_comments(client, survey, unit, trainee, study_director):
    users = [trainee.user, *add_trainees(unit, 2)]
    domain.invite(survey)
    for user, value in zip(users, [2, 4, 5], strict=True):
        answer(survey, user, value=value, comment=f"Synpunkt {value}")
    close(survey)
    client.force_login(study_director)

    response = client.get(results_url(survey))

    group = next(group for group in response.context["groups"] if group.group == SurveyGroup.TRAINEE)
    assert (group.responses, group.shown) == (3, True)
    results = {result.question.code: result for area in group.areas for result in area.questions}
    assert results["E1"].count == 3
    assert results["E1"].mean == pytest.approx(11 / 3)
    assert results["E1"].distribution == [(1, 0), (2, 1), (3, 0), (4, 1), (5, 1)]
    assert sorted(results[COMMENT_CODE].comments) == ["Synpunkt 2", "Synpunkt 4", "Synpunkt 5"]
    content = response.content.decode()
    assert TRAINEE_QUESTION in content
    assert "Synpunkt 4" in content
    assert swedish(TOO_FEW, min=3) in content  # the other groups have answered less


def test_response_rate_is_shown_for_every_invited_group(client, survey, supervisor, study_director):
    answer(survey, supervisor)
    client.force_login(study_director)

    response = client.get(results_url(survey))

    rates = {group.group: (group.answered, group.invited) for group in response.context["groups"]}
    assert rates == {
        SurveyGroup.TRAINEE: (0, 1),
        SurveyGroup.SUPERVISOR: (1, 1),
        SurveyGroup.STUDY_DIRECTOR: (0, 1),
        SurveyGroup.UNIT_HEAD: (0, 1),
    }


def test_comments_are_not_shown_in_the_order_they_were_written(unit, study_director):
    users = add_trainees(unit, 8)
    survey = make_survey(unit, creator=study_director)
    trainees_answer(survey, users)
    written = [f"Kommentar {n}" for n in range(8)]

    orders = set()
    for _ in range(10):
        group = next(group for group in domain.results(survey) if group.group == SurveyGroup.TRAINEE)
        comments = next(
            result.comments for area in group.areas for result in area.comment_results if result.question.code == "E9"
        )
        assert sorted(comments) == sorted(written)
        orders.add(tuple(comments))

    assert len(orders) > 1  # 10 shuffles of 8 comments all alike: about 1 in 10^40


@pytest.mark.parametrize("persona", ["study_director", "unit_head", "region_admin", "national_admin"])
def test_unit_readers_see_the_results(client, request, survey, persona):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(results_url(survey))

    assert response.status_code == 200
    assert response.context["survey"] == survey
    assert survey.title in response.content.decode()


@pytest.mark.parametrize("persona", ["other_study_director", "outsider", "other_region_admin", "supervisor"])
def test_others_do_not_find_the_results(client, request, survey, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(results_url(survey)).status_code == 404


def test_an_invited_trainee_cannot_see_the_results(client, survey, trainee):
    answer(survey, trainee.user)
    client.force_login(trainee.user)

    assert client.get(results_url(survey)).status_code == 404


@pytest.mark.parametrize("questions", [1, 4])
def test_results_query_count_does_not_grow(client, django_assert_num_queries, unit, study_director, questions):
    users = add_trainees(unit, 6) + add_supervisors(unit, 4)
    survey = make_survey(unit, creator=study_director)
    for user in users:
        answer(survey, user, value=3, comment="Synpunkt", count=questions)
    client.force_login(study_director)

    # session, user, survey with unit, studierektor check, invitations by group,
    # responses by group, scale answers, comments
    with django_assert_num_queries(8):
        response = client.get(results_url(survey))

    trainee_group = next(group for group in response.context["groups"] if group.group == SurveyGroup.TRAINEE)
    answered = [result for area in trainee_group.areas for result in area.scale_results if result.count]
    assert len(answered) == questions
    assert all(result.count == 6 for result in answered)


# --- reminders


def reminder_keys(day):
    return {(item.user_id, item.key) for item in domain.survey_reminders(day)}


def test_reminders_go_to_the_invited_who_have_not_answered_before_closing(unit, trainee, supervisor, study_director):
    survey = make_survey(unit, opens=-5, closes=7)
    answer(survey, supervisor)
    waiting = SurveyInvitation.objects.filter(survey=survey, user__in=[trainee.user, study_director])

    items = list(domain.survey_reminders(today()))

    assert {(item.user_id, item.key) for item in items} == {
        (invitation.user_id, f"survey:{invitation.pk}") for invitation in waiting
    }
    item = next(item for item in items if item.user_id == trainee.user.pk)
    assert item.essential is False
    assert item.overdue is False
    assert item.day == survey.closes_on
    assert item.url.endswith(answer_url(survey))
    assert survey.title in item.text


@pytest.mark.parametrize(("opens", "closes"), [(-5, 8), (1, 5), (-10, -1)])
def test_no_reminder_far_from_closing_before_opening_or_after_closing(unit, trainee, opens, closes):
    make_survey(unit, opens=opens, closes=closes)

    assert reminder_keys(today()) == set()


def test_the_reminder_source_is_registered():
    assert domain.survey_reminders in reminders.SOURCES


@pytest.mark.parametrize("count", [1, 3])
def test_reminders_take_one_query(django_assert_num_queries, unit, count):
    add_trainees(unit, count)
    make_survey(unit, closes=3)

    with django_assert_num_queries(1):
        items = list(domain.survey_reminders(today()))

    assert len(items) == count


# --- demo


def test_demo_has_a_closed_answered_survey_and_an_open_one_and_is_idempotent():
    call_command("seed_demo", quiet=True)
    first = demo_survey.seed(today())
    earlier = Survey.objects.get(unit=first.unit, title=demo_survey.EARLIER_TITLE)
    counts = (Survey.objects.count(), SurveyInvitation.objects.count(), SurveyResponse.objects.count())

    again = demo_survey.seed(today())

    assert again == first
    assert (Survey.objects.count(), SurveyInvitation.objects.count(), SurveyResponse.objects.count()) == counts
    assert domain.is_open(first, today())
    demo_st = SurveyInvitation.objects.get(survey=first, user__username="demo-st")
    assert demo_st.answered is False
    assert domain.state(earlier, today()) == "closed"
    assert SurveyResponse.objects.filter(survey=first).count() == 0
    groups = {group.group: group for group in domain.results(earlier)}
    assert groups[SurveyGroup.TRAINEE].responses >= 3
    assert groups[SurveyGroup.TRAINEE].shown
    supervisors = User.objects.filter(memberships__unit=earlier.unit, memberships__role=Role.SUPERVISOR).count()
    assert groups[SurveyGroup.SUPERVISOR].responses == supervisors
    survey_type = ContentType.objects.get_for_model(Survey)
    assert AuditEvent.objects.filter(action="survey.created", target_type=survey_type, target_id=first.pk).count() == 1
