"""Specialistkollegium: the domain functions, when the next one is due, and the pages per persona."""

from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.enums import Role
from accounts.models import AuditEvent
from assessments import panels
from assessments.models import PanelReview, SpecialistPanel
from portfolio.models import FrozenRecordError
from tests.assessments.factories import SpecialistPanelFactory
from tests.factories import MembershipFactory, TraineeFactory, UserFactory
from tests.portfolio.factories_activities import persona_user

pytestmark = pytest.mark.django_db

PANEL_DATE = date(2025, 11, 12)
AREA_VIEW = "Säker i handläggningen av multisjuka äldre"
FOCUS = "Ta ansvar för fler akuta besök"
SELF_TEXT = "Jag har vuxit i mötet med patienter med psykisk ohälsa."

MANAGERS = ["study_director", "unit_head"]
ADMINS = ["region_admin", "national_admin"]
# May open the unit's pages but not change anything.
READ_ONLY = ["second_specialist", *ADMINS]
# Not allowed near the unit's pages: 404.
NOT_OF_THE_UNIT = [
    "outsider",
    "owner",
    "supervisor",
    "other_supervisor",
    "other_study_director",
    "other_trainee",
    "other_region_admin",
]


@pytest.fixture
def classmate(unit):
    """A second ST-läkare of the same unit."""
    return TraineeFactory(user=UserFactory(username="st-kollega", name="Adam Berglund"), unit=unit)


@pytest.fixture
def panel(unit, trainee, study_director, unit_head, second_specialist):
    return panels.create_panel(
        unit,
        by=study_director,
        date=PANEL_DATE,
        specialists=[second_specialist],
        unit_head=unit_head,
        study_director=study_director,
    )


def review_of(panel, trainee):
    return PanelReview.objects.get(panel=panel, trainee=trainee)


def fill(panel, *, by, text=AREA_VIEW):
    """Give every review of the panel a view and one focus area of each kind."""
    for review in PanelReview.objects.filter(panel=panel):
        panels.save_review(
            review,
            by=by,
            area_views={"communication": text},
            focus_clinical=[FOCUS, ""],
            focus_non_clinical=["Handleda en underläkare", ""],
        )


@pytest.fixture
def held(panel, study_director, trainee):
    panels.save_self_assessment(review_of(panel, trainee), by=trainee.user, text=SELF_TEXT, submit=True)
    fill(panel, by=study_director)
    return panels.mark_held(panel, by=study_director)


def unit_url(name, panel_or_unit, review=None):
    if isinstance(panel_or_unit, SpecialistPanel):
        args = [panel_or_unit.unit_id, panel_or_unit.pk] + ([review.pk] if review else [])
    else:
        args = [panel_or_unit.pk]
    return reverse(name, args=args)


def trainee_url(name, trainee, review=None):
    return reverse(name, args=[trainee.pk] + ([review.pk] if review else []))


def review_data(**overrides):
    data = {
        "area_medical_knowledge": "Bred kunskap, säker i vanliga tillstånd.",
        "area_communication": AREA_VIEW,
        "area_leadership": "",
        "area_science_quality": "",
        "area_professionalism": "",
        "focus_clinical_1": FOCUS,
        "focus_clinical_2": "Fördjupa sig i dermatologi",
        "focus_non_clinical_1": "Leda ett APT-möte",
        "focus_non_clinical_2": "",
    }
    data.update(overrides)
    return data


def panel_data(unit_head, study_director, specialists, **overrides):
    data = {
        "date": "2026-03-18",
        "specialists": [person.pk for person in specialists],
        "unit_head": unit_head.pk,
        "study_director": study_director.pk,
        "notes": "Trettio minuter per ST-läkare.",
    }
    data.update(overrides)
    return data


# --- domain


def test_creating_a_panel_makes_one_review_per_st_lakare_of_the_unit(panel, trainee, classmate, other_trainee):
    # The classmate joined the unit after the panel was planned: not in it yet.
    assert [r.trainee for r in PanelReview.objects.filter(panel=panel)] == [trainee]

    second = panels.create_panel(panel.unit, by=panel.study_director, date=PANEL_DATE)

    assert {r.trainee for r in second.reviews.all()} == {trainee, classmate}
    assert not PanelReview.objects.filter(trainee=other_trainee).exists()
    event = AuditEvent.objects.get(action="panel.created", target_id=second.pk)
    assert event.data == {"date": "2025-11-12", "reviews": 2}


def test_editing_a_panel_adds_st_lakare_who_joined_the_unit(panel, classmate, study_director):
    panels.update_panel(panel, by=study_director, specialists=[], date=date(2025, 11, 19), notes="Flyttat")

    panel.refresh_from_db()
    assert (panel.date, panel.notes) == (date(2025, 11, 19), "Flyttat")
    assert list(panel.specialists.all()) == []
    assert PanelReview.objects.filter(panel=panel, trainee=classmate).exists()


@pytest.mark.parametrize("persona", ["second_specialist", "supervisor", "region_admin", "other_study_director"])
def test_only_the_units_leaders_create_a_panel(request, unit, trainee, persona):
    with pytest.raises(PermissionDenied):
        panels.create_panel(unit, by=persona_user(request, persona), date=PANEL_DATE)

    assert not SpecialistPanel.objects.exists()


def test_mark_held_is_refused_while_focus_areas_are_missing(panel, trainee, classmate, study_director):
    panels.update_panel(panel, by=study_director, specialists=[])
    panels.save_review(
        review_of(panel, trainee),
        by=study_director,
        area_views={},
        focus_clinical=[FOCUS],
        focus_non_clinical=["Leda ett APT-möte"],
    )
    panels.save_review(
        review_of(panel, classmate),
        by=study_director,
        area_views={},
        focus_clinical=[FOCUS],
        focus_non_clinical=["", ""],
    )

    with pytest.raises(ValidationError) as error:
        panels.mark_held(panel, by=study_director)

    assert error.value.code == "focus_missing"
    assert "Adam Berglund" in error.value.messages[0]
    assert "Sara Öberg" not in error.value.messages[0]
    panel.refresh_from_db()
    assert panel.held_at is None


def test_mark_held_freezes_the_panel_and_its_reviews(held, trainee, study_director):
    review = review_of(held, trainee)
    held.refresh_from_db()
    assert (held.held_by, held.is_held) == (study_director, True)
    assert AuditEvent.objects.filter(action="panel.held", target_id=held.pk).count() == 1

    review.focus_clinical = "Ändrat i efterhand"
    with pytest.raises(FrozenRecordError):
        review.save()
    held.notes = "Ändrat i efterhand"
    with pytest.raises(FrozenRecordError):
        held.save()
    with pytest.raises(FrozenRecordError):
        review.delete()

    review.refresh_from_db()
    assert review.focus_clinical == FOCUS


def test_a_held_panel_refuses_the_domain_changes(held, trainee, study_director):
    review = review_of(held, trainee)

    with pytest.raises(ValidationError):
        panels.save_review(review, by=study_director, area_views={}, focus_clinical=["X"], focus_non_clinical=["Y"])
    with pytest.raises(ValidationError):
        panels.update_panel(held, by=study_director, specialists=[], notes="Ändrat")
    with pytest.raises(ValidationError):
        panels.mark_held(held, by=study_director)


def test_a_panel_is_not_marked_held_before_its_date(unit, trainee, study_director):
    later = panels.create_panel(unit, by=study_director, date=timezone.localdate() + timedelta(days=7))
    fill(later, by=study_director)

    with pytest.raises(ValidationError) as error:
        panels.mark_held(later, by=study_director)

    assert error.value.code == "not_yet"


def test_a_panel_without_trainees_can_be_held(unit, study_director):
    empty = panels.create_panel(unit, by=study_director, date=PANEL_DATE)

    panels.mark_held(empty, by=study_director)

    assert empty.is_held


def test_the_trainee_writes_and_submits_a_self_assessment(panel, trainee):
    review = review_of(panel, trainee)

    panels.save_self_assessment(review, by=trainee.user, text="Första utkast")
    review.refresh_from_db()
    assert (review.self_assessment, review.self_assessment_at) == ("Första utkast", None)

    panels.save_self_assessment(review, by=trainee.user, text=SELF_TEXT, submit=True)
    review.refresh_from_db()
    assert review.self_assessment == SELF_TEXT
    assert review.self_assessment_at is not None

    with pytest.raises(ValidationError) as error:
        panels.save_self_assessment(review, by=trainee.user, text="Ändrat")
    assert error.value.code == "submitted"


@pytest.mark.parametrize("persona", ["supervisor", "study_director"])
def test_only_the_trainee_writes_the_self_assessment(request, panel, trainee, persona):
    with pytest.raises(PermissionDenied):
        panels.save_self_assessment(review_of(panel, trainee), by=persona_user(request, persona), text="Ifyllt")

    assert review_of(panel, trainee).self_assessment == ""


def test_an_empty_self_assessment_is_not_submitted(panel, trainee):
    with pytest.raises(ValidationError) as error:
        panels.save_self_assessment(review_of(panel, trainee), by=trainee.user, text="  ", submit=True)

    assert error.value.code == "empty"
    assert review_of(panel, trainee).self_assessment_at is None


def test_only_the_units_leaders_record_the_panels_view(panel, trainee, second_specialist):
    with pytest.raises(PermissionDenied):
        panels.save_review(
            review_of(panel, trainee), by=second_specialist, area_views={}, focus_clinical=[], focus_non_clinical=[]
        )


@pytest.mark.parametrize(
    ("last", "expected"),
    [
        (None, date(2026, 5, 4)),
        (date(2025, 11, 12), date(2026, 11, 12)),
        (date(2024, 2, 29), date(2025, 2, 28)),
    ],
)
def test_panel_due(last, expected):
    assert panels.panel_due(last, date(2026, 5, 4)) == expected


def test_last_panel_date_counts_held_panels_of_the_unit_only(unit, other_unit, study_director):
    assert panels.last_panel_date(unit) is None
    SpecialistPanelFactory(unit=unit, date=date(2024, 11, 1), held_at=timezone.now())
    SpecialistPanelFactory(unit=unit, date=date(2025, 10, 1), held_at=timezone.now())
    SpecialistPanelFactory(unit=unit, date=date(2026, 1, 1))  # planned, not held
    SpecialistPanelFactory(unit=other_unit, date=date(2025, 12, 1), held_at=timezone.now())

    assert panels.last_panel_date(unit) == date(2025, 10, 1)


# --- the unit's list


@pytest.mark.parametrize("persona", [*MANAGERS, *READ_ONLY])
def test_panel_list_for_those_who_may_open_the_unit(client, request, panel, persona):
    client.force_login(persona_user(request, persona))

    response = client.get(unit_url("panel-list", panel.unit))

    assert response.status_code == 200
    assert response.context["panels"] == [panel]
    content = response.content.decode()
    assert unit_url("panel-detail", panel) in content
    assert "2025-11-12" in content
    assert response.context["can_manage"] is (persona in MANAGERS)
    assert (unit_url("panel-create", panel.unit) in content) is (persona in MANAGERS)


@pytest.mark.parametrize("persona", NOT_OF_THE_UNIT)
def test_the_units_pages_are_404_for_everyone_else(client, request, held, trainee, persona):
    client.force_login(persona_user(request, persona))
    review = review_of(held, trainee)

    pages = [
        client.get(unit_url("panel-list", held.unit)),
        client.get(unit_url("panel-detail", held)),
        client.get(unit_url("panel-update", held)),
        client.get(unit_url("panel-review", held, review)),
        client.get(unit_url("panel-held", held)),
        client.post(unit_url("panel-create", held.unit), {"date": "2026-01-01"}),
    ]

    assert [page.status_code for page in pages] == [404] * 6
    assert AREA_VIEW not in pages[1].content.decode()
    assert SpecialistPanel.objects.count() == 1


def test_a_specialist_sees_only_the_panels_they_take_part_in(client, panel, unit, study_director, second_specialist):
    other = panels.create_panel(unit, by=study_director, date=date(2024, 11, 1))
    client.force_login(second_specialist)

    response = client.get(unit_url("panel-list", unit))
    detail = client.get(unit_url("panel-detail", other))

    assert response.context["panels"] == [panel]
    assert detail.status_code == 404


def test_panel_list_shows_when_the_next_is_due(client, unit, held, study_director):
    client.force_login(study_director)

    response = client.get(unit_url("panel-list", unit))

    assert (response.context["last_held"], response.context["due"]) == (PANEL_DATE, date(2026, 11, 12))
    assert "2026-11-12" in response.content.decode()


@pytest.mark.parametrize("count", [1, 3])
def test_panel_list_query_count_does_not_grow(client, django_assert_num_queries, unit, trainee, study_director, count):
    for n in range(count):
        panels.create_panel(unit, by=study_director, date=date(2023 + n, 11, 1))
    client.force_login(study_director)

    # session, user, unit, leader check, last held, panels with counts
    with django_assert_num_queries(6):
        response = client.get(unit_url("panel-list", unit))

    assert len(response.context["panels"]) == count
    assert all(p.review_count == 1 for p in response.context["panels"])


# --- creating and editing


@pytest.mark.parametrize("persona", MANAGERS)
def test_a_leader_plans_a_panel(client, request, unit, trainee, classmate, other_trainee, persona):
    user = persona_user(request, persona)
    head, director = request.getfixturevalue("unit_head"), request.getfixturevalue("study_director")
    specialist = request.getfixturevalue("second_specialist")
    client.force_login(user)

    response = client.post(unit_url("panel-create", unit), panel_data(head, director, [specialist]))

    panel = SpecialistPanel.objects.get()
    assert response["Location"] == unit_url("panel-detail", panel)
    assert (panel.date, panel.unit_head, panel.study_director, panel.created_by) == (
        date(2026, 3, 18),
        head,
        director,
        user,
    )
    assert list(panel.specialists.all()) == [specialist]
    assert {r.trainee for r in panel.reviews.all()} == {trainee, classmate}


def test_the_create_form_suggests_the_whole_unit(
    client, unit, study_director, unit_head, supervisor, second_specialist
):
    client.force_login(study_director)

    response = client.get(unit_url("panel-create", unit))

    form = response.context["form"]
    assert set(form["specialists"].value()) == {supervisor.pk, second_specialist.pk}
    assert (form["unit_head"].value(), form["study_director"].value()) == (unit_head.pk, study_director.pk)
    assert form["date"].value() == timezone.localdate()
    assert 'for="id_date"' in response.content.decode()


@pytest.mark.parametrize(
    "overrides",
    [
        {"date": ""},
        {"date": "18/03/2026"},
        {"specialists": "other_supervisor"},
        {"study_director": "other_study_director"},
        {"unit_head": "outsider"},
    ],
)
def test_bad_panel_input_shows_an_error_and_saves_nothing(client, request, unit, trainee, overrides):
    director, head = request.getfixturevalue("study_director"), request.getfixturevalue("unit_head")
    resolved = {}
    for name, value in overrides.items():
        if name == "specialists":
            resolved[name] = [persona_user(request, value).pk]
        elif name in ("study_director", "unit_head"):
            resolved[name] = persona_user(request, value).pk
        else:
            resolved[name] = value
    client.force_login(director)

    response = client.post(unit_url("panel-create", unit), panel_data(head, director, []) | resolved)

    assert response.status_code == 200
    assert set(response.context["form"].errors) == set(overrides)
    assert 'class="errorlist' in response.content.decode()
    assert not SpecialistPanel.objects.exists()
    assert not PanelReview.objects.exists()


@pytest.mark.parametrize("persona", READ_ONLY)
def test_writing_is_403_for_those_who_only_read(client, request, panel, trainee, persona):
    client.force_login(persona_user(request, persona))
    review = review_of(panel, trainee)

    responses = [
        client.get(unit_url("panel-create", panel.unit)),
        client.post(unit_url("panel-update", panel), {"date": "2026-01-01"}),
        client.post(unit_url("panel-review", panel, review), review_data()),
        client.post(unit_url("panel-held", panel), {"confirm": "on"}),
    ]

    assert [r.status_code for r in responses] == [403] * 4
    panel.refresh_from_db()
    assert (panel.date, panel.held_at) == (PANEL_DATE, None)
    assert review_of(panel, trainee).focus_clinical == ""


def test_a_leader_edits_a_planned_panel(client, panel, unit_head, study_director, second_specialist, supervisor):
    client.force_login(unit_head)

    response = client.post(
        unit_url("panel-update", panel),
        panel_data(unit_head, study_director, [second_specialist, supervisor], date="2025-11-19"),
    )

    assert response["Location"] == unit_url("panel-detail", panel)
    panel.refresh_from_db()
    assert panel.date == date(2025, 11, 19)
    assert set(panel.specialists.all()) == {second_specialist, supervisor}


def test_a_held_panel_is_not_edited(client, held, unit_head, study_director):
    client.force_login(study_director)

    response = client.post(unit_url("panel-update", held), panel_data(unit_head, study_director, [], notes="Ändrat"))

    assert response["Location"] == unit_url("panel-detail", held)
    held.refresh_from_db()
    assert held.notes == ""


# --- one panel


@pytest.mark.parametrize("persona", [*MANAGERS, "second_specialist"])
def test_leaders_and_participants_see_everything_before_it_is_held(client, request, panel, trainee, persona):
    panels.save_self_assessment(review_of(panel, trainee), by=trainee.user, text=SELF_TEXT, submit=True)
    fill(panel, by=panel.study_director)
    client.force_login(persona_user(request, persona))

    response = client.get(unit_url("panel-detail", panel))

    content = response.content.decode()
    assert response.context["show_views"] is True
    assert AREA_VIEW in content
    assert FOCUS in content
    assert SELF_TEXT in content
    assert "Sara Öberg" in content
    assert (unit_url("panel-review", panel, review_of(panel, trainee)) in content) is (persona in MANAGERS)


@pytest.mark.parametrize("persona", ADMINS)
def test_an_administrator_sees_the_views_only_once_held(client, request, panel, trainee, study_director, persona):
    panels.save_self_assessment(review_of(panel, trainee), by=trainee.user, text=SELF_TEXT, submit=True)
    fill(panel, by=study_director)
    client.force_login(persona_user(request, persona))

    before = client.get(unit_url("panel-detail", panel)).content.decode()
    panels.mark_held(panel, by=study_director)
    after = client.get(unit_url("panel-detail", panel)).content.decode()

    assert "Sara Öberg" in before
    assert AREA_VIEW not in before
    assert SELF_TEXT not in before
    assert AREA_VIEW in after
    assert SELF_TEXT in after


def test_an_other_units_trainee_never_appears(client, panel, other_trainee, study_director):
    client.force_login(study_director)

    content = client.get(unit_url("panel-detail", panel)).content.decode()

    assert other_trainee.user.name not in content
    assert not PanelReview.objects.filter(trainee=other_trainee).exists()


@pytest.mark.parametrize("count", [1, 3])
def test_panel_detail_query_count_does_not_grow(
    client, django_assert_num_queries, unit, trainee, study_director, count
):
    for n in range(count - 1):
        TraineeFactory(unit=unit, user=UserFactory(name=f"ST-läkare {n}"))
    panel = panels.create_panel(unit, by=study_director, date=PANEL_DATE, specialists=[])
    fill(panel, by=study_director)
    client.force_login(study_director)

    # session, user, unit, leader check, panel, reviews with trainees, specialists
    with django_assert_num_queries(7):
        response = client.get(unit_url("panel-detail", panel))

    assert len(response.context["reviews"]) == count
    assert response.content.decode().count(AREA_VIEW) == count


# --- the panel's form for one trainee


def test_a_leader_records_the_panels_view(client, panel, trainee, study_director):
    review = review_of(panel, trainee)
    client.force_login(study_director)

    page = client.get(unit_url("panel-review", panel, review))
    response = client.post(unit_url("panel-review", panel, review), review_data())

    assert 'for="id_area_communication"' in page.content.decode()
    assert response["Location"] == unit_url("panel-detail", panel)
    review.refresh_from_db()
    assert review.area_views == {
        "medical_knowledge": "Bred kunskap, säker i vanliga tillstånd.",
        "communication": AREA_VIEW,
    }
    assert panels.focus_list(review.focus_clinical) == [FOCUS, "Fördjupa sig i dermatologi"]
    assert panels.focus_list(review.focus_non_clinical) == ["Leda ett APT-möte"]


def test_the_review_form_shows_what_was_recorded(client, panel, trainee, study_director):
    fill(panel, by=study_director)
    client.force_login(study_director)

    form = client.get(unit_url("panel-review", panel, review_of(panel, trainee))).context["form"]

    assert form["area_communication"].value() == AREA_VIEW
    assert (form["focus_clinical_1"].value(), form["focus_clinical_2"].value()) == (FOCUS, "")


def test_a_too_long_focus_area_shows_an_error_and_saves_nothing(client, panel, trainee, study_director):
    review = review_of(panel, trainee)
    client.force_login(study_director)

    response = client.post(unit_url("panel-review", panel, review), review_data(focus_clinical_1="x" * 301))

    assert response.status_code == 200
    assert "focus_clinical_1" in response.context["form"].errors
    review.refresh_from_db()
    assert (review.area_views, review.focus_clinical) == ({}, "")


def test_a_review_of_another_panel_is_404(client, panel, unit, trainee, study_director):
    other = panels.create_panel(unit, by=study_director, date=date(2024, 11, 1))
    client.force_login(study_director)

    response = client.post(unit_url("panel-review", panel, review_of(other, trainee)), review_data())

    assert response.status_code == 404
    assert review_of(other, trainee).focus_clinical == ""


def test_a_held_panels_review_is_not_changed(client, held, trainee, study_director):
    review = review_of(held, trainee)
    client.force_login(study_director)

    response = client.post(unit_url("panel-review", held, review), review_data(focus_clinical_1="Ändrat"))

    assert response["Location"] == unit_url("panel-detail", held)
    review.refresh_from_db()
    assert review.focus_clinical == FOCUS


# --- marking it held


def test_the_held_page_asks_for_confirmation_and_names_what_is_missing(client, panel, study_director):
    client.force_login(study_director)

    response = client.get(unit_url("panel-held", panel))

    content = response.content.decode()
    assert 'name="confirm"' in content
    assert "Sara Öberg" in content
    panel.refresh_from_db()
    assert panel.held_at is None


def test_marking_held_without_focus_areas_is_refused(client, panel, study_director):
    client.force_login(study_director)

    response = client.post(unit_url("panel-held", panel), {"confirm": "on"})

    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 1
    assert "Sara Öberg" in errors[0]
    panel.refresh_from_db()
    assert panel.held_at is None


def test_marking_held_needs_the_box_ticked(client, panel, study_director):
    fill(panel, by=study_director)
    client.force_login(study_director)

    response = client.post(unit_url("panel-held", panel), {})

    assert "confirm" in response.context["form"].errors
    panel.refresh_from_db()
    assert panel.held_at is None


@pytest.mark.parametrize("persona", MANAGERS)
def test_a_leader_marks_the_panel_held(client, request, panel, persona):
    user = persona_user(request, persona)
    fill(panel, by=user)
    client.force_login(user)

    response = client.post(unit_url("panel-held", panel), {"confirm": "on"}, follow=True)

    assert response.redirect_chain == [(unit_url("panel-detail", panel), 302)]
    panel.refresh_from_db()
    assert (panel.is_held, panel.held_by) == (True, user)
    assert unit_url("panel-review", panel, panel.reviews.get()) not in response.content.decode()


# --- the trainee's pages


@pytest.mark.parametrize("persona", ["owner", "supervisor"])
def test_the_trainee_and_the_supervisor_see_the_views_only_once_held(client, request, panel, trainee, persona):
    fill(panel, by=panel.study_director)
    panels.save_self_assessment(review_of(panel, trainee), by=trainee.user, text=SELF_TEXT, submit=True)
    client.force_login(persona_user(request, persona))

    before = client.get(trainee_url("trainee-panel-list", trainee)).content.decode()
    panels.mark_held(panel, by=panel.study_director)
    after = client.get(trainee_url("trainee-panel-list", trainee)).content.decode()

    assert "2025-11-12" in before
    assert AREA_VIEW not in before
    assert FOCUS not in before
    assert AREA_VIEW in after
    assert FOCUS in after
    assert SELF_TEXT in after
    # The trainee reads their own text all along; the supervisor only once the panel is held.
    assert (SELF_TEXT in before) is (persona == "owner")


def test_the_trainee_gets_a_link_to_the_self_assessment_before_it_is_held(client, panel, trainee):
    review = review_of(panel, trainee)
    client.force_login(trainee.user)

    content = client.get(trainee_url("trainee-panel-list", trainee)).content.decode()

    assert trainee_url("trainee-panel-self", trainee, review) in content
    assert unit_url("panel-detail", panel) not in content


@pytest.mark.parametrize("persona", ["study_director", "unit_head", "second_specialist"])
def test_the_panel_sees_the_views_on_the_trainee_page_before_held(client, request, panel, trainee, persona):
    fill(panel, by=panel.study_director)
    client.force_login(persona_user(request, persona))

    response = client.get(trainee_url("trainee-panel-list", trainee))

    content = response.content.decode()
    assert AREA_VIEW in content
    assert unit_url("panel-detail", panel) in content
    assert trainee_url("trainee-panel-self", trainee, review_of(panel, trainee)) not in content


@pytest.mark.parametrize("persona", ["outsider", "other_supervisor", "other_study_director", "other_region_admin"])
def test_the_trainee_pages_are_404_for_outsiders(client, request, held, trainee, persona):
    client.force_login(persona_user(request, persona))

    listing = client.get(trainee_url("trainee-panel-list", trainee))
    own = client.post(trainee_url("trainee-panel-self", trainee, review_of(held, trainee)), {"text": "Ändrat"})

    assert (listing.status_code, own.status_code) == (404, 404)
    assert AREA_VIEW not in listing.content.decode()


@pytest.mark.parametrize("count", [1, 3])
def test_trainee_panel_list_query_count_does_not_grow(client, django_assert_num_queries, unit, trainee, count):
    director = UserFactory()
    MembershipFactory(user=director, unit=unit, role=Role.STUDY_DIRECTOR)
    for n in range(count):
        panel = panels.create_panel(unit, by=director, date=date(2022 + n, 11, 1))
        fill(panel, by=director)
        if n:
            panels.mark_held(panel, by=director)
    client.force_login(trainee.user)

    # session, user, national-admin check, trainee, reviews with panels, led units, panels taking part in
    with django_assert_num_queries(7):
        response = client.get(trainee_url("trainee-panel-list", trainee))

    assert len(response.context["reviews"]) == count
    assert response.content.decode().count(AREA_VIEW) == count - 1


# --- the self-assessment


def test_the_trainee_saves_a_draft_and_then_submits(client, panel, trainee):
    review = review_of(panel, trainee)
    client.force_login(trainee.user)

    first = client.post(trainee_url("trainee-panel-self", trainee, review), {"text": "Utkast"})
    review.refresh_from_db()
    assert (review.self_assessment, review.self_assessment_at) == ("Utkast", None)
    page = client.get(trainee_url("trainee-panel-self", trainee, review))
    second = client.post(trainee_url("trainee-panel-self", trainee, review), {"text": SELF_TEXT, "submit": "on"})

    assert first["Location"] == second["Location"] == trainee_url("trainee-panel-list", trainee)
    assert page.context["form"]["text"].value() == "Utkast"
    review.refresh_from_db()
    assert review.self_assessment == SELF_TEXT
    assert review.self_assessment_at is not None


def test_an_empty_self_assessment_is_not_submitted_through_the_page(client, panel, trainee):
    review = review_of(panel, trainee)
    client.force_login(trainee.user)

    response = client.post(trainee_url("trainee-panel-self", trainee, review), {"text": " ", "submit": "on"})

    assert response.status_code == 200
    assert "text" in response.context["form"].errors
    review.refresh_from_db()
    assert review.self_assessment_at is None


def test_a_submitted_self_assessment_is_not_changed(client, panel, trainee):
    review = review_of(panel, trainee)
    panels.save_self_assessment(review, by=trainee.user, text=SELF_TEXT, submit=True)
    client.force_login(trainee.user)

    response = client.post(trainee_url("trainee-panel-self", trainee, review), {"text": "Ändrat"})

    assert response["Location"] == trainee_url("trainee-panel-list", trainee)
    review.refresh_from_db()
    assert review.self_assessment == SELF_TEXT


def test_the_self_assessment_is_closed_once_the_panel_is_held(client, held, classmate, trainee):
    client.force_login(trainee.user)

    response = client.get(trainee_url("trainee-panel-self", trainee, review_of(held, trainee)))

    assert response["Location"] == trainee_url("trainee-panel-list", trainee)


@pytest.mark.parametrize("persona", ["supervisor", "second_specialist", "study_director", "unit_head", "region_admin"])
def test_the_self_assessment_is_403_for_everyone_but_the_trainee(client, request, panel, trainee, persona):
    review = review_of(panel, trainee)
    client.force_login(persona_user(request, persona))

    response = client.post(trainee_url("trainee-panel-self", trainee, review), {"text": "Ifyllt av någon annan"})

    assert response.status_code == 403
    review.refresh_from_db()
    assert review.self_assessment == ""


def test_another_trainees_review_is_404(client, unit, panel, trainee, classmate, study_director):
    other = panels.create_panel(unit, by=study_director, date=date(2024, 11, 1))
    client.force_login(trainee.user)

    response = client.post(
        trainee_url("trainee-panel-self", trainee, review_of(other, classmate)), {"text": "Fel ST-läkare"}
    )

    assert response.status_code == 404
    assert review_of(other, classmate).self_assessment == ""


@pytest.mark.parametrize(
    "name", ["panel-list", "panel-create", "panel-detail", "trainee-panel-list", "trainee-panel-self"]
)
def test_anonymous_is_sent_to_login(client, panel, trainee, name):
    target = {
        "panel-list": unit_url("panel-list", panel.unit),
        "panel-create": unit_url("panel-create", panel.unit),
        "panel-detail": unit_url("panel-detail", panel),
        "trainee-panel-list": trainee_url("trainee-panel-list", trainee),
        "trainee-panel-self": trainee_url("trainee-panel-self", trainee, review_of(panel, trainee)),
    }[name]

    response = client.get(target)

    assert response["Location"].startswith(reverse("login"))


def test_audit_events_name_the_actor(held, trainee, study_director):
    review = review_of(held, trainee)
    saved = AuditEvent.objects.filter(
        action="panel.review_saved", target_type=ContentType.objects.get_for_model(PanelReview), target_id=review.pk
    )
    submitted = AuditEvent.objects.get(action="panel.self_assessment_submitted", target_id=review.pk)

    assert [e.actor for e in saved] == [study_director]
    assert submitted.actor == trainee.user
