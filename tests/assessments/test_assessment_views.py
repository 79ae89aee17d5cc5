"""The pages of kompetensvärderingar written in the app, per persona."""

from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from accounts.domain import policy_for
from accounts.enums import Role
from accounts.models import AuditEvent
from assessments import scales
from assessments.enums import AssessmentKind, AssessorRole, SignedStatus
from assessments.models import Assessment, AssessmentReflection, AssessmentTemplate
from portfolio import queries
from tests.assessments.factories import AssessmentFactory, default_template
from tests.factories import MembershipFactory
from tests.portfolio.factories_activities import persona_user

pytestmark = pytest.mark.django_db

ASSESSORS = ["supervisor", "second_specialist", "study_director"]
READ_ONLY = ["owner", "unit_head", "region_admin", "national_admin"]
READERS = ASSESSORS + READ_ONLY
OUTSIDERS = ["outsider", "other_supervisor", "other_study_director", "other_trainee", "other_region_admin"]

SIGNED_SITUATION = "Akut bröstsmärta på mottagningen"
DRAFT_SITUATION = "Halvskrivet utkast om ryggsmärta"
REFLECTION = "Jag ska sammanfatta planen tydligare."


@pytest.fixture
def goals(trainee):
    return list(queries.trainee_goals(trainee)[:2])


@pytest.fixture
def signed(trainee, goals):
    assessment = AssessmentFactory(trainee=trainee, goals=goals, situation=SIGNED_SITUATION, ratings={"anamnes": 8})
    AssessmentReflection.objects.create(assessment=assessment, text=REFLECTION)
    return assessment


@pytest.fixture
def draft(trainee):
    """The main supervisor's draft."""
    return AssessmentFactory(trainee=trainee, status=SignedStatus.DRAFT, signed_at=None, situation=DRAFT_SITUATION)


def url(name, trainee, pk=None, query=""):
    args = [trainee.pk] if pk is None else [trainee.pk, pk]
    return reverse(name, args=args) + query


def form_data(kind=AssessmentKind.MINI_CEX, ratings=None, **overrides):
    data = {
        "date": "2025-03-10",
        "situation": "Mottagningsbesök, yrsel hos äldre",
        "assessor_role": AssessorRole.SUPERVISOR,
        "went_well": "Lugn och strukturerad anamnes.",
        "to_develop": "Sammanfatta planen för patienten.",
    }
    for domain in default_template(kind).domains:
        data[f"rating_{domain['code']}"] = str((ratings or {}).get(domain["code"], ""))
    data.update(overrides)
    return data


def events(assessment, action):
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(Assessment), target_id=assessment.pk, action=action
    )


def swedish(msgid):
    """The text a Swedish page shows for `msgid`, escaped as in HTML."""
    with translation.override("sv"):
        return escape(gettext(msgid))


FUTURE_DATE_ERROR = "An assessment is recorded after it took place; the date cannot be in the future."
NO_FEEDBACK_ERROR = "Write the feedback: what went well, what to develop, or both."
CONFIRM_ERROR = "Tick the box to confirm before you sign."


# --- the list


@pytest.mark.parametrize("persona", READERS)
def test_every_reader_sees_the_signed_assessments(client, request, signed, draft, persona):
    client.force_login(persona_user(request, persona))

    response = client.get(url("assessment-list", signed.trainee))

    assert response.status_code == 200
    content = response.content.decode()
    assert SIGNED_SITUATION in content
    assert url("assessment-detail", signed.trainee, signed.pk) in content
    for goal in signed.goals.all():
        assert goal.code in content
    assert 'id="assessment-figures"' in content
    assert response.context["can_assess"] is (persona in ASSESSORS)
    assert (url("assessment-create", signed.trainee) in content) is (persona in ASSESSORS)
    # The supervisor's draft is theirs alone.
    assert (DRAFT_SITUATION in content) is (persona == "supervisor")


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_the_list_is_404_for_outsiders(client, request, signed, persona):
    client.force_login(persona_user(request, persona))

    response = client.get(url("assessment-list", signed.trainee))

    assert response.status_code == 404
    assert SIGNED_SITUATION not in response.content.decode()


def test_the_list_counts_signed_per_kind_and_filters_by_kind(client, trainee, signed, draft):
    AssessmentFactory(trainee=trainee, kind=AssessmentKind.SIT_IN, situation="Medsittning på förmiddagen")
    client.force_login(trainee.main_supervisor)

    response = client.get(url("assessment-list", trainee, query="?kind=sit_in"))

    counts = dict(response.context["counts"])
    assert (counts[AssessmentKind.MINI_CEX], counts[AssessmentKind.SIT_IN], counts[AssessmentKind.DOPS]) == (1, 1, 0)
    assert response.context["signed_total"] == 2
    content = response.content.decode()
    assert "Medsittning på förmiddagen" in content
    assert SIGNED_SITUATION not in content
    assert DRAFT_SITUATION not in content


def test_an_unknown_kind_in_the_filter_shows_everything(client, trainee, signed):
    client.force_login(trainee.user)

    response = client.get(url("assessment-list", trainee, query="?kind=osce"))

    assert response.status_code == 200
    assert response.context["assessments"] == [signed]


def test_the_list_is_newest_first_and_shows_reflection_and_status(client, trainee, signed):
    older = AssessmentFactory(trainee=trainee, date=date(2024, 1, 15), situation="Äldre bedömning")
    client.force_login(trainee.user)

    response = client.get(url("assessment-list", trainee))

    assert response.context["assessments"] == [signed, older]
    content = response.content.decode()
    assert content.index(SIGNED_SITUATION) < content.index("Äldre bedömning")
    assert "2024-01-15" in content


@pytest.mark.parametrize("count", [1, 3])
def test_list_query_count_does_not_grow(client, django_assert_num_queries, trainee, goals, count):
    policy_for(trainee.unit.region)
    for n in range(count):
        assessment = AssessmentFactory(trainee=trainee, goals=goals, date=date(2025, 1, 1 + n))
        AssessmentReflection.objects.create(assessment=assessment, text=f"Tanke nummer {n}")
    client.force_login(trainee.main_supervisor)

    # session, user, national-admin check, trainee, signed counts,
    # assessments with template and reflection, their delmål; for the figures:
    # policy, tjänstgöringar, ledighet, signed dates; waiting requests
    with django_assert_num_queries(12):
        response = client.get(url("assessment-list", trainee))

    assert len(response.context["assessments"]) == count
    assert sum(period.count for period in response.context["figures"].half_years) == count
    assert "Tanke nummer" not in response.content.decode()  # the reflection itself is on the detail page


# --- new: choosing the kind


@pytest.mark.parametrize("persona", ASSESSORS)
def test_the_kind_page_offers_every_template_with_its_guidance(client, request, trainee, persona):
    client.force_login(persona_user(request, persona))

    response = client.get(url("assessment-create", trainee))

    content = response.content.decode()
    for template in AssessmentTemplate.objects.filter(region=None):
        assert escape(template.name) in content
        assert escape(template.guidance) in content
    assert url("assessment-create", trainee, query="?kind=dops") in content


def test_the_kind_page_shows_the_regions_own_template(client, trainee):
    AssessmentTemplate.objects.create(
        region=trainee.unit.region,
        kind=AssessmentKind.DOPS,
        name="DOPS enligt Region Norrmark",
        scale="numeric_1_5",
        domains=[{"code": "teknik", "label": "Teknik"}],
        guidance="Regional vägledning för DOPS.",
    )
    client.force_login(trainee.main_supervisor)

    content = client.get(url("assessment-create", trainee)).content.decode()

    assert "DOPS enligt Region Norrmark" in content
    assert "Regional vägledning för DOPS." in content
    assert escape(default_template(AssessmentKind.DOPS).guidance) not in content


def test_an_unknown_kind_is_404(client, trainee):
    client.force_login(trainee.main_supervisor)

    assert client.get(url("assessment-create", trainee, query="?kind=osce")).status_code == 404
    assert client.post(url("assessment-create", trainee, query="?kind=osce"), form_data()).status_code == 404


@pytest.mark.parametrize("persona", ["owner", "unit_head", "region_admin"])
def test_create_is_403_for_those_who_only_read(client, request, trainee, persona):
    client.force_login(persona_user(request, persona))

    assert client.get(url("assessment-create", trainee)).status_code == 403
    assert client.get(url("assessment-create", trainee, query="?kind=mini_cex")).status_code == 403
    response = client.post(url("assessment-create", trainee, query="?kind=mini_cex"), form_data(sign="1", confirm="on"))

    assert response.status_code == 403
    assert not Assessment.objects.filter(trainee=trainee).exists()


# --- new: the form


def test_the_form_has_a_rating_per_domain_and_both_buttons(client, trainee, goals):
    client.force_login(trainee.main_supervisor)

    response = client.get(url("assessment-create", trainee, query="?kind=mini_cex"))

    content = response.content.decode()
    for domain in default_template(AssessmentKind.MINI_CEX).domains:
        assert f'name="rating_{domain["code"]}"' in content
        assert escape(domain["label"]) in content
    assert escape(str(scales.label("numeric_1_9", 9))) in content
    assert 'name="draft"' in content
    assert 'name="sign"' in content
    assert 'name="confirm"' in content
    assert f'value="{goals[0].pk}"' in content
    assert response.context["form"]["date"].value() == timezone.localdate()
    assert response.context["form"]["assessor_role"].value() == AssessorRole.SUPERVISOR


def test_a_free_text_kind_has_no_ratings(client, trainee):
    client.force_login(trainee.main_supervisor)

    response = client.get(url("assessment-create", trainee, query="?kind=sit_in"))

    assert 'name="rating_' not in response.content.decode()
    assert escape(default_template(AssessmentKind.SIT_IN).guidance) in response.content.decode()


def test_the_supervisor_creates_and_signs_in_one_step(client, trainee, goals):
    client.force_login(trainee.main_supervisor)
    data = form_data(ratings={"anamnes": 7, "helhet": 6}, goals=[goals[0].pk], sign="1", confirm="on")

    response = client.post(url("assessment-create", trainee, query="?kind=mini_cex"), data)

    assessment = Assessment.objects.get(trainee=trainee)
    assert response["Location"] == url("assessment-detail", trainee, assessment.pk)
    assert assessment.status == SignedStatus.SIGNED
    assert assessment.signed_at is not None
    assert assessment.assessor == trainee.main_supervisor
    assert assessment.ratings["anamnes"] == 7
    assert assessment.ratings["status"] is None
    assert list(assessment.goals.all()) == [goals[0]]
    assert events(assessment, "assessment.created").exists()
    assert events(assessment, "assessment.signed").exists()


@pytest.mark.parametrize("persona", ASSESSORS)
def test_every_assessor_saves_a_draft(client, request, trainee, persona):
    user = persona_user(request, persona)
    client.force_login(user)
    role = AssessorRole.SUPERVISOR if persona == "supervisor" else AssessorRole.SPECIALIST

    response = client.post(
        url("assessment-create", trainee, query="?kind=dops"), form_data(AssessmentKind.DOPS, assessor_role=role)
    )

    assessment = Assessment.objects.get(trainee=trainee)
    assert response["Location"] == url("assessment-detail", trainee, assessment.pk)
    assert (assessment.kind, assessment.status, assessment.assessor) == (AssessmentKind.DOPS, SignedStatus.DRAFT, user)
    assert assessment.assessor_role == role
    assert assessment.template == default_template(AssessmentKind.DOPS)
    assert events(assessment, "assessment.created").get().actor == user


def test_a_future_date_is_refused_and_nothing_is_saved(client, trainee):
    client.force_login(trainee.main_supervisor)
    tomorrow = timezone.localdate() + timedelta(days=1)

    response = client.post(url("assessment-create", trainee, query="?kind=mini_cex"), form_data(date=tomorrow))

    assert response.status_code == 200
    assert "date" in response.context["form"].errors
    assert swedish(FUTURE_DATE_ERROR) in response.content.decode()
    assert not Assessment.objects.exists()


def test_no_feedback_at_all_is_refused_and_nothing_is_saved(client, trainee):
    client.force_login(trainee.main_supervisor)

    response = client.post(
        url("assessment-create", trainee, query="?kind=mini_cex"), form_data(went_well="  ", to_develop="", sign="1")
    )

    assert response.status_code == 200
    assert swedish(NO_FEEDBACK_ERROR) in response.content.decode()
    assert not Assessment.objects.exists()


def test_save_and_sign_without_the_box_saves_nothing(client, trainee):
    client.force_login(trainee.main_supervisor)

    response = client.post(url("assessment-create", trainee, query="?kind=mini_cex"), form_data(sign="1"))

    assert response.status_code == 200
    content = response.content.decode()
    assert swedish(CONFIRM_ERROR) in content
    # What was typed is still there.
    assert "Lugn och strukturerad anamnes." in content
    assert not Assessment.objects.exists()


def test_save_draft_does_not_need_the_box(client, trainee):
    client.force_login(trainee.main_supervisor)

    client.post(url("assessment-create", trainee, query="?kind=mini_cex"), form_data(draft="1"))

    assert Assessment.objects.get().status == SignedStatus.DRAFT


# --- detail


@pytest.mark.parametrize("persona", READERS)
def test_every_reader_sees_the_whole_signed_assessment(client, request, signed, persona):
    client.force_login(persona_user(request, persona))

    response = client.get(url("assessment-detail", signed.trainee, signed.pk))

    content = response.content.decode()
    assert SIGNED_SITUATION in content
    assert escape(signed.template.name) in content
    assert escape(str(scales.label(signed.scale, 8))) in content
    for goal in signed.goals.all():
        assert goal.code in content
        assert escape(goal.title) in content
    assert escape(signed.assessor_name) in content
    assert timezone.localtime(signed.signed_at).strftime("%Y-%m-%d") in content
    assert REFLECTION in content
    reflect_link = url("assessment-reflection", signed.trainee, signed.pk)
    assert (reflect_link in content) is (persona == "owner")
    assert url("assessment-update", signed.trainee, signed.pk) not in content


def test_detail_shows_each_rating_with_its_label(client, trainee):
    assessment = AssessmentFactory(trainee=trainee, ratings={"anamnes": 3, "helhet": 9})
    client.force_login(trainee.user)

    response = client.get(url("assessment-detail", trainee, assessment.pk))

    rows = {label: rating for label, _value, rating in response.context["ratings"]}
    assert rows["Anamnes"] == scales.label(assessment.scale, 3)
    assert rows["Helhetsbedömning"] == scales.label(assessment.scale, 9)
    assert rows["Kommunikation"] == scales.label(assessment.scale, None)
    content = response.content.decode()
    assert escape(str(scales.label(assessment.scale, 3))) in content
    assert escape(str(scales.label(assessment.scale, None))) in content


@pytest.mark.parametrize("persona", OUTSIDERS)
@pytest.mark.parametrize(
    ("name", "record"),
    [
        ("assessment-create", None),
        ("assessment-detail", "signed"),
        ("assessment-detail", "draft"),
        ("assessment-update", "signed"),
        ("assessment-update", "draft"),
        ("assessment-sign", "draft"),
        ("assessment-sign", "signed"),
        ("assessment-delete", "draft"),
        ("assessment-delete", "signed"),
        ("assessment-reflection", "signed"),
    ],
)
def test_every_page_is_404_for_outsiders(client, request, signed, draft, persona, name, record):
    client.force_login(persona_user(request, persona))
    pk = {"signed": signed.pk, "draft": draft.pk, None: None}[record]

    get = client.get(url(name, signed.trainee, pk))
    post = client.post(url(name, signed.trainee, pk, "?kind=mini_cex"), form_data(sign="1", confirm="on", text="x"))

    assert (get.status_code, post.status_code) == (404, 404)
    assert Assessment.objects.count() == 2
    assert Assessment.objects.get(pk=draft.pk).status == SignedStatus.DRAFT
    assert AssessmentReflection.objects.get().text == REFLECTION


@pytest.mark.parametrize("persona", ["owner", "second_specialist", "study_director", "unit_head", "region_admin"])
@pytest.mark.parametrize(
    "name", ["assessment-detail", "assessment-update", "assessment-sign", "assessment-delete", "assessment-reflection"]
)
def test_someone_elses_draft_is_404(client, request, draft, persona, name):
    client.force_login(persona_user(request, persona))

    get = client.get(url(name, draft.trainee, draft.pk))
    post = client.post(url(name, draft.trainee, draft.pk), form_data(confirm="on", text="x"))

    # Only the trainee may reflect: the others are stopped by that right (403) before the draft is looked up.
    expected = 403 if name == "assessment-reflection" and persona != "owner" else 404
    assert (get.status_code, post.status_code) == (expected, expected)
    assert DRAFT_SITUATION not in get.content.decode()
    draft.refresh_from_db()
    assert (draft.status, draft.situation) == (SignedStatus.DRAFT, DRAFT_SITUATION)


def test_the_assessor_sees_the_draft_with_its_actions(client, draft):
    client.force_login(draft.assessor)

    content = client.get(url("assessment-detail", draft.trainee, draft.pk)).content.decode()

    assert DRAFT_SITUATION in content
    for name in ("assessment-update", "assessment-sign", "assessment-delete"):
        assert url(name, draft.trainee, draft.pk) in content


# --- edit


def test_the_assessor_edits_a_draft(client, draft, goals):
    client.force_login(draft.assessor)

    response = client.post(
        url("assessment-update", draft.trainee, draft.pk),
        form_data(situation="Ryggsmärta, omskrivet", goals=[goals[1].pk], draft="1"),
    )

    assert response["Location"] == url("assessment-detail", draft.trainee, draft.pk)
    draft.refresh_from_db()
    assert draft.situation == "Ryggsmärta, omskrivet"
    assert draft.status == SignedStatus.DRAFT
    assert list(draft.goals.all()) == [goals[1]]
    assert events(draft, "assessment.changed").exists()


def test_the_assessor_edits_and_signs_a_draft(client, draft):
    client.force_login(draft.assessor)

    client.post(url("assessment-update", draft.trainee, draft.pk), form_data(sign="1", confirm="on"))

    draft.refresh_from_db()
    assert draft.status == SignedStatus.SIGNED


@pytest.mark.parametrize("persona", READERS)
def test_editing_a_signed_assessment_redirects_with_a_message(client, request, signed, persona):
    client.force_login(persona_user(request, persona))

    response = client.post(
        url("assessment-update", signed.trainee, signed.pk), form_data(situation="Ändrad i efterhand"), follow=True
    )

    assert response.redirect_chain == [(url("assessment-detail", signed.trainee, signed.pk), 302)]
    assert swedish("This kompetensvärdering has been signed and can no longer be changed.") in (
        response.content.decode()
    )
    signed.refresh_from_db()
    assert signed.situation == SIGNED_SITUATION


def test_a_former_supervisor_with_a_draft_gets_403_on_edit(client, trainee, draft, second_specialist):
    # The draft's author is no longer the trainee's handledare but still sees the trainee as unit chef.
    former = draft.assessor
    trainee.main_supervisor = second_specialist
    trainee.save(update_fields=["main_supervisor"])
    MembershipFactory(user=former, unit=trainee.unit, role=Role.UNIT_HEAD)
    client.force_login(former)

    response = client.post(url("assessment-update", trainee, draft.pk), form_data(situation="Sent ändrad"))

    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.situation == DRAFT_SITUATION


# --- sign


def test_the_sign_page_summarises_and_signs_with_the_box(client, draft):
    client.force_login(draft.assessor)
    sign_url = url("assessment-sign", draft.trainee, draft.pk)

    page = client.get(sign_url)
    without = client.post(sign_url, {})
    draft.refresh_from_db()
    assert draft.status == SignedStatus.DRAFT
    response = client.post(sign_url, {"confirm": "on"})

    assert DRAFT_SITUATION in page.content.decode()
    assert 'name="confirm"' in page.content.decode()
    assert swedish(CONFIRM_ERROR) in without.content.decode()
    assert response["Location"] == url("assessment-detail", draft.trainee, draft.pk)
    draft.refresh_from_db()
    assert draft.status == SignedStatus.SIGNED
    assert events(draft, "assessment.signed").get().actor == draft.assessor


def test_signing_a_signed_one_again_redirects_with_a_message(client, signed):
    client.force_login(signed.assessor)
    signed_at = signed.signed_at

    response = client.post(url("assessment-sign", signed.trainee, signed.pk), {"confirm": "on"}, follow=True)

    assert response.redirect_chain == [(url("assessment-detail", signed.trainee, signed.pk), 302)]
    assert swedish("This kompetensvärdering has already been signed.") in response.content.decode()
    signed.refresh_from_db()
    assert signed.signed_at == signed_at


# --- delete


def test_the_assessor_deletes_a_draft_after_confirming(client, draft):
    client.force_login(draft.assessor)
    delete_url = url("assessment-delete", draft.trainee, draft.pk)

    page = client.get(delete_url)
    assert Assessment.objects.filter(pk=draft.pk).exists()
    response = client.post(delete_url)

    assert draft.date.strftime("%Y-%m-%d") in page.content.decode()
    assert response["Location"] == url("assessment-list", draft.trainee)
    assert not Assessment.objects.filter(pk=draft.pk).exists()
    assert AuditEvent.objects.filter(action="assessment.deleted", target_id=draft.pk).exists()


def test_a_signed_assessment_is_not_deleted(client, signed):
    client.force_login(signed.assessor)

    response = client.post(url("assessment-delete", signed.trainee, signed.pk), follow=True)

    assert response.redirect_chain == [(url("assessment-detail", signed.trainee, signed.pk), 302)]
    assert swedish("A signed kompetensvärdering cannot be deleted.") in response.content.decode()
    assert Assessment.objects.filter(pk=signed.pk).exists()


# --- reflection


def test_the_trainee_writes_a_reflection(client, trainee):
    assessment = AssessmentFactory(trainee=trainee)
    client.force_login(trainee.user)
    reflection_url = url("assessment-reflection", trainee, assessment.pk)

    page = client.get(reflection_url)
    response = client.post(reflection_url, {"text": "Nästa gång frågar jag om läkemedel först."})

    assert escape(assessment.went_well) in page.content.decode()
    assert response["Location"] == url("assessment-detail", trainee, assessment.pk)
    assert AssessmentReflection.objects.get(assessment=assessment).text == "Nästa gång frågar jag om läkemedel först."
    detail = client.get(url("assessment-detail", trainee, assessment.pk)).content.decode()
    assert "Nästa gång frågar jag om läkemedel först." in detail


def test_the_trainee_revises_a_reflection(client, signed):
    client.force_login(signed.trainee.user)
    reflection_url = url("assessment-reflection", signed.trainee, signed.pk)

    page = client.get(reflection_url)
    client.post(reflection_url, {"text": "Omskriven reflektion."})

    assert page.context["form"]["text"].value() == REFLECTION
    assert AssessmentReflection.objects.get(assessment=signed).text == "Omskriven reflektion."


def test_an_empty_reflection_is_refused(client, signed):
    client.force_login(signed.trainee.user)

    response = client.post(url("assessment-reflection", signed.trainee, signed.pk), {"text": "  "})

    assert response.status_code == 200
    assert swedish("Write your reflection.") in response.content.decode()
    assert AssessmentReflection.objects.get(assessment=signed).text == REFLECTION


@pytest.mark.parametrize("persona", [*ASSESSORS, "unit_head", "region_admin"])
def test_only_the_trainee_reflects(client, request, signed, persona):
    client.force_login(persona_user(request, persona))
    reflection_url = url("assessment-reflection", signed.trainee, signed.pk)

    assert client.get(reflection_url).status_code == 403
    assert client.post(reflection_url, {"text": "Inte min"}).status_code == 403
    assert AssessmentReflection.objects.get(assessment=signed).text == REFLECTION


# --- anonymous


@pytest.mark.parametrize(
    "name",
    [
        "assessment-list",
        "assessment-create",
        "assessment-detail",
        "assessment-update",
        "assessment-sign",
        "assessment-delete",
        "assessment-reflection",
    ],
)
def test_every_page_sends_anonymous_to_login(client, draft, name):
    pk = None if name in ("assessment-list", "assessment-create") else draft.pk

    get = client.get(url(name, draft.trainee, pk))
    post = client.post(url(name, draft.trainee, pk), {"confirm": "on"})

    assert get["Location"].startswith(reverse("login"))
    assert post["Location"].startswith(reverse("login"))
    assert Assessment.objects.get(pk=draft.pk).status == SignedStatus.DRAFT
