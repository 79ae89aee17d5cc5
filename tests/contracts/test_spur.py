from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.enums import Role
from accounts.models import AuditEvent, Unit
from contracts import demo_spur, spur
from contracts.enums import SpurArea
from contracts.forms.spur import InspectionForm
from contracts.models import AreaGrade, ImprovementItem, Inspection
from portfolio import reminders
from tests.contracts.factories_spur import (
    S15,
    S21,
    ImprovementItemFactory,
    InspectionFactory,
    grade_all,
)
from tests.factories import MembershipFactory, UnitFactory, UserFactory
from tests.portfolio.factories_activities import persona_user

pytestmark = pytest.mark.django_db

VIEWERS = ["study_director", "unit_head", "region_admin", "national_admin"]
RECORDERS = ["study_director", "region_admin", "national_admin"]
NOT_VIEWERS = ["outsider", "owner", "supervisor", "other_study_director", "other_region_admin", "other_supervisor"]
TODAY = timezone.localdate()


@pytest.fixture
def inspection(unit, study_director):
    inspection = InspectionFactory(unit=unit, date=date(2023, 4, 18), regulations=[S15, S21], created_by=study_director)
    grade_all(inspection, {("H", S21): "D", ("F", S15): "C"})
    return inspection


@pytest.fixture
def item(inspection):
    return ImprovementItemFactory(inspection=inspection, area=SpurArea.H)


def grades_post(regulations=(S15,), **overrides):
    """Form data grading every area B under `regulations`; overrides like grade_H_SOSFS_2015_8="D"."""
    data = {}
    for area in SpurArea.values:
        for regulation in regulations:
            data[f"grade_{area}_{regulation}"] = "B"
        data[f"narrative_{area}"] = f"Text om område {area}."
    data.update(overrides)
    return data


def inspection_post(regulations=(S15,), **overrides):
    data = {
        "date": "2025-03-11",
        "inspectors": "Ulla Bergkvist, Torbjörn Sand",
        "regulations": list(regulations),
        "report_received_on": "2025-04-20",
        "strengths": "Handledarna är engagerade.",
        "weaknesses": "Internutbildningen saknar plan.",
        "improvements": "Koppla internutbildningen till delmålen.",
    }
    data.update(grades_post(regulations))
    data.update(overrides)
    return data


def item_post(**overrides):
    data = {
        "area": "H",
        "criterion": "Ledarskap bedöms fortlöpande.",
        "planned_action": "Återkoppling från andra yrkesgrupper varje termin.",
        "due_on": "2025-10-01",
        "responsible": "Huvudhandledare",
        "follow_up_on": "2025-11-15",
        "follow_up_responsible": "Verksamhetschef",
        "status": "planned",
        "outcome": "",
        "done_on": "",
    }
    data.update(overrides)
    return data


def events(target, action):
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=target.pk, action=action
    )


# --- next inspection due


def test_next_inspection_is_due_five_years_after_the_latest():
    assert spur.INSPECTION_INTERVAL_YEARS == 5
    assert spur.next_inspection_due(date(2022, 3, 15)) == date(2027, 3, 15)
    assert spur.next_inspection_due(date(2024, 2, 29)) == date(2029, 2, 28)
    assert spur.next_inspection_due(None) is None


# --- the grade scale per area


@pytest.mark.parametrize("area", ["A", "C"])
def test_model_clean_refuses_grade_c_in_areas_a_and_c(area):
    for field in ("grade", "adjusted_grade"):
        grade = AreaGrade(inspection=InspectionFactory(), area=area, regulation=S15, grade="B")
        setattr(grade, field, "C")
        with pytest.raises(ValidationError) as error:
            grade.full_clean()
        assert field in error.value.message_dict


def test_model_clean_accepts_grade_c_in_the_other_areas():
    inspection = InspectionFactory()
    for area in "BDEFGH":
        AreaGrade(inspection=inspection, area=area, regulation=S15, grade="C").full_clean()


@pytest.mark.parametrize(("area", "field"), [("A", "grade"), ("C", "grade"), ("A", "adjusted_grade")])
def test_database_refuses_grade_c_in_areas_a_and_c(area, field):
    inspection = InspectionFactory()
    values = {"grade": "D", field: "C"}
    with pytest.raises(IntegrityError), transaction.atomic():
        AreaGrade.objects.create(inspection=inspection, area=area, regulation=S15, **values)
    assert not AreaGrade.objects.exists()


def test_form_offers_only_the_grades_an_area_allows():
    form = InspectionForm()

    offered = {area: [v for v, _label in form.fields[f"grade_{area}_{S15}"].choices if v] for area in "ABCDEFGH"}

    assert offered["A"] == ["A", "B", "D"]
    assert offered["C"] == ["A", "B", "D"]
    assert offered["B"] == offered["H"] == ["A", "B", "C", "D"]


# --- recording an inspection (domain)


def fields(**overrides):
    data = {
        "date": date(2025, 3, 11),
        "inspectors": "Ulla Bergkvist",
        "regulations": [S21, S15],
        "strengths": "",
        "weaknesses": "",
        "improvements": "",
        "report_received_on": None,
    }
    data.update(overrides)
    return data


def all_grades(regulations=(S15, S21), special=None):
    grades = {(area, regulation): "B" for area in SpurArea.values for regulation in regulations}
    grades.update(special or {})
    return grades


def test_record_inspection_saves_every_grade_and_an_audit_event(unit, study_director):
    grades = all_grades(special={("H", S21): "D"})

    inspection = spur.record_inspection(
        unit, by=study_director, grades=grades, narratives={"H": "Ledarskap bedöms sällan."}, **fields()
    )

    assert inspection.regulations == [S15, S21]  # stored in a fixed order
    assert inspection.grades.count() == 16
    h = inspection.grades.get(area="H", regulation=S21)
    assert (h.grade, h.narrative) == ("D", "Ledarskap bedöms sällan.")
    assert inspection.created_by == study_director
    assert events(inspection, "spur.inspection_recorded").get().data["grades"]["H/HSLF_FS_2021_8"] == "D"


def test_record_inspection_needs_every_area_graded_and_nothing_else(unit, study_director):
    grades = all_grades(regulations=(S15,))
    del grades[("G", S15)]
    grades[("A", S21)] = "B"

    with pytest.raises(ValidationError) as error:
        spur.record_inspection(unit, by=study_director, grades=grades, narratives={}, **fields(regulations=[S15]))

    assert set(error.value.message_dict) == {"grade_G_SOSFS_2015_8", "grade_A_HSLF_FS_2021_8"}
    assert not Inspection.objects.exists()


def test_record_inspection_refuses_c_in_area_a(unit, study_director):
    grades = all_grades(regulations=(S15,), special={("A", S15): "C"})

    with pytest.raises(ValidationError):
        spur.record_inspection(unit, by=study_director, grades=grades, narratives={}, **fields(regulations=[S15]))

    assert not Inspection.objects.exists()


def test_the_chef_may_not_record_an_inspection(unit, unit_head):
    with pytest.raises(PermissionDenied):
        spur.record_inspection(unit, by=unit_head, grades=all_grades(), narratives={}, **fields())
    assert not Inspection.objects.exists()


def test_update_drops_the_grades_of_an_unticked_regulation_and_keeps_an_adjustment(inspection, study_director):
    ImprovementItemFactory(inspection=inspection, area="F")
    f15 = inspection.grades.get(area="F", regulation=S15)
    spur.adjust_grade(f15, by=study_director, adjusted_grade="B", adjusted_on=date(2023, 9, 1), note="Godtogs.")
    grades = all_grades(regulations=(S15,), special={("F", S15): "C", ("E", S15): "A"})

    spur.update_inspection(
        inspection, by=study_director, grades=grades, narratives={"E": "Bra"}, **fields(regulations=[S15])
    )

    inspection.refresh_from_db()
    assert inspection.regulations == [S15]
    assert not inspection.grades.filter(regulation=S21).exists()
    assert inspection.grades.get(area="E").grade == "A"
    f15.refresh_from_db()
    assert (f15.grade, f15.adjusted_grade) == ("C", "B")
    assert events(inspection, "spur.inspection_updated").exists()


def test_an_adjusted_grade_and_its_regulation_cannot_be_edited_away(inspection, item, study_director):
    h21 = inspection.grades.get(area="H", regulation=S21)
    spur.adjust_grade(h21, by=study_director, adjusted_grade="C", adjusted_on=date(2023, 9, 1), note="Godtogs.")
    changed = all_grades(special={("F", S15): "C", ("H", S21): "B"})

    with pytest.raises(ValidationError) as regrade:
        spur.update_inspection(inspection, by=study_director, grades=changed, narratives={}, **fields())
    with pytest.raises(ValidationError) as unticked:
        spur.update_inspection(
            inspection,
            by=study_director,
            grades=all_grades(regulations=(S15,), special={("F", S15): "C"}),
            narratives={},
            **fields(regulations=[S15]),
        )

    assert set(regrade.value.message_dict) == {"grade_H_HSLF_FS_2021_8"}
    assert set(unticked.value.message_dict) == {"regulations"}
    h21.refresh_from_db()
    assert (h21.grade, h21.adjusted_grade) == ("D", "C")
    assert inspection.grades.filter(regulation=S21).count() == 8


# --- grade adjustment


def test_adjusting_a_grade_keeps_the_original(inspection, item, study_director):
    grade = inspection.grades.get(area="H", regulation=S21)

    spur.adjust_grade(
        grade, by=study_director, adjusted_grade="C", adjusted_on=date(2023, 9, 1), note="Planen godtogs av Lipus."
    )

    grade.refresh_from_db()
    assert (grade.grade, grade.adjusted_grade, grade.adjusted_on) == ("D", "C", date(2023, 9, 1))
    assert grade.adjustment_note == "Planen godtogs av Lipus."
    assert events(inspection, "spur.grade_adjusted").get().data["adjusted_grade"] == "C"


def test_a_grade_is_adjusted_only_with_a_plan_only_better_and_only_once(inspection, study_director):
    grade = inspection.grades.get(area="H", regulation=S21)
    adjust = {"by": study_director, "adjusted_on": date(2023, 9, 1), "note": "Godtogs."}

    with pytest.raises(ValidationError) as error:
        spur.adjust_grade(grade, adjusted_grade="C", **adjust)
    assert error.value.code == "no_plan"

    ImprovementItemFactory(inspection=inspection, area="H")
    with pytest.raises(ValidationError) as error:
        spur.adjust_grade(grade, adjusted_grade="D", **adjust)
    assert "adjusted_grade" in error.value.message_dict

    spur.adjust_grade(grade, adjusted_grade="C", **adjust)
    with pytest.raises(ValidationError) as error:
        spur.adjust_grade(grade, adjusted_grade="B", **adjust)
    assert error.value.code == "already_adjusted"
    grade.refresh_from_db()
    assert grade.adjusted_grade == "C"


def test_a_good_grade_cannot_be_adjusted(inspection, study_director):
    ImprovementItemFactory(inspection=inspection, area="B")
    grade = inspection.grades.get(area="B", regulation=S15)

    with pytest.raises(ValidationError) as error:
        spur.adjust_grade(grade, by=study_director, adjusted_grade="A", adjusted_on=date(2023, 9, 1), note="x")

    assert error.value.code == "not_adjustable"


# --- handlingsplan (domain)


def test_a_done_item_is_final(item, study_director):
    spur.update_item(item, by=study_director, status="done", outcome="Infört.", done_on=date(2023, 10, 20))

    with pytest.raises(ValidationError) as error:
        spur.update_item(item, by=study_director, outcome="Ändrat i efterhand.")

    assert error.value.code == "item_done"
    item.refresh_from_db()
    assert (item.status, item.outcome) == ("done", "Infört.")
    assert events(item, "spur.plan_item_updated").count() == 1


def test_done_needs_a_date_and_an_outcome(item, study_director):
    with pytest.raises(ValidationError) as error:
        spur.update_item(item, by=study_director, status="done")

    assert set(error.value.message_dict) == {"done_on", "outcome"}
    item.refresh_from_db()
    assert item.status == "planned"


def test_only_leaders_of_the_unit_keep_the_handlingsplan(item, supervisor, other_study_director):
    for user in (supervisor, other_study_director):
        with pytest.raises(PermissionDenied):
            spur.update_item(item, by=user, status="in_progress")


# --- the unit's inspections page


@pytest.mark.parametrize("persona", VIEWERS)
def test_unit_page_shows_inspections_and_when_the_next_is_due(client, request, persona, inspection, unit):
    client.force_login(persona_user(request, persona))

    response = client.get(reverse("spur-unit", args=[unit.pk]))

    content = response.content.decode()
    assert "2023-04-18" in content
    assert response.context["next_due"] == date(2028, 4, 18)
    assert reverse("spur-evidence", args=[unit.pk]) in content
    assert response.context["can_record"] == (persona != "unit_head")


@pytest.mark.parametrize("persona", NOT_VIEWERS)
def test_unit_page_is_404_for_others(client, request, persona, inspection, unit):
    client.force_login(persona_user(request, persona))

    assert client.get(reverse("spur-unit", args=[unit.pk])).status_code == 404
    assert client.get(reverse("spur-inspection-detail", args=[inspection.pk])).status_code == 404


def test_unit_page_without_inspections_says_one_is_due_now(client, study_director, unit):
    client.force_login(study_director)

    response = client.get(reverse("spur-unit", args=[unit.pk]))

    assert response.context["next_due"] is None
    assert response.context["inspections"] == []


@pytest.mark.parametrize("count", [1, 3])
def test_unit_page_query_count_does_not_grow(client, django_assert_num_queries, study_director, unit, count):
    for n in range(count):
        inspection = InspectionFactory(unit=unit, date=date(2015 + 5 * n, 5, 1))
        grade_all(inspection)
        ImprovementItemFactory(inspection=inspection)
    client.force_login(study_director)

    # session, user, SPUR roles at the unit, unit, inspections with open items, their grades
    with django_assert_num_queries(6):
        response = client.get(reverse("spur-unit", args=[unit.pk]))

    assert len(response.context["inspections"]) == count
    assert all(i.open_items == 1 for i in response.context["inspections"])


# --- recording an inspection (views)


@pytest.mark.parametrize("persona", RECORDERS)
def test_recording_an_inspection_on_one_page(client, request, persona, unit):
    user = persona_user(request, persona)
    client.force_login(user)
    data = inspection_post(regulations=(S15, S21), grade_H_HSLF_FS_2021_8="D", grade_A_SOSFS_2015_8="A")

    response = client.post(reverse("spur-inspection-create", args=[unit.pk]), data)

    inspection = Inspection.objects.get(unit=unit)
    assert response.url == reverse("spur-inspection-detail", args=[inspection.pk])
    assert (inspection.date, inspection.inspectors) == (date(2025, 3, 11), "Ulla Bergkvist, Torbjörn Sand")
    assert inspection.report_received_on == date(2025, 4, 20)
    assert inspection.weaknesses == "Internutbildningen saknar plan."
    assert inspection.grades.count() == 16
    assert inspection.grades.get(area="H", regulation=S21).grade == "D"
    assert inspection.grades.get(area="A", regulation=S15).narrative == "Text om område A."
    page = client.get(response.url).content.decode()
    assert "Ulla Bergkvist" in page and "Text om område H." in page


def test_the_form_page_offers_no_c_in_area_a(client, study_director, unit):
    client.force_login(study_director)

    response = client.get(reverse("spur-inspection-create", args=[unit.pk]))

    content = response.content.decode()
    select_a = content.split(f'name="grade_A_{S15}"')[1].split("</select>")[0]
    select_b = content.split(f'name="grade_B_{S15}"')[1].split("</select>")[0]
    assert 'value="C"' not in select_a and 'value="D"' in select_a
    assert 'value="C"' in select_b
    assert f'<label for="id_grade_A_{S15}"' in content


def test_a_grade_c_in_area_a_is_refused_and_nothing_saved(client, study_director, unit):
    client.force_login(study_director)

    response = client.post(reverse("spur-inspection-create", args=[unit.pk]), inspection_post(grade_A_SOSFS_2015_8="C"))

    assert response.status_code == 200
    assert response.context["form"].errors[f"grade_A_{S15}"]
    assert not Inspection.objects.exists()


def test_a_missing_grade_or_regulation_is_refused_and_nothing_saved(client, study_director, unit):
    client.force_login(study_director)
    url = reverse("spur-inspection-create", args=[unit.pk])

    missing = client.post(url, inspection_post(grade_G_SOSFS_2015_8=""))
    no_regulation = client.post(url, inspection_post(regulations=()))
    future = client.post(url, inspection_post(date=f"{TODAY + timedelta(days=3):%Y-%m-%d}"))

    assert missing.context["form"].errors[f"grade_G_{S15}"]
    assert no_regulation.context["form"].errors["regulations"]
    assert future.context["form"].errors["date"]
    assert not Inspection.objects.exists()


def test_the_chef_sees_but_may_not_record(client, unit_head, unit, inspection):
    client.force_login(unit_head)

    assert client.get(reverse("spur-inspection-create", args=[unit.pk])).status_code == 403
    assert client.post(reverse("spur-inspection-create", args=[unit.pk]), inspection_post()).status_code == 403
    assert client.get(reverse("spur-inspection-update", args=[inspection.pk])).status_code == 403
    assert Inspection.objects.count() == 1


def test_editing_an_inspection_starts_from_what_is_stored(client, study_director, inspection):
    client.force_login(study_director)
    url = reverse("spur-inspection-update", args=[inspection.pk])

    form = client.get(url).context["form"]
    assert form.initial["grade_H_HSLF_FS_2021_8"] == "D"
    data = inspection_post(regulations=(S15, S21), inspectors="Margareta Holm")
    response = client.post(url, data)

    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.inspectors == "Margareta Holm"
    assert inspection.grades.get(area="H", regulation=S21).grade == "B"


# --- the inspection page


def test_the_inspection_page_shows_grades_summary_and_handlingsplan(client, study_director, inspection, item):
    grade = inspection.grades.get(area="H", regulation=S21)
    spur.adjust_grade(grade, by=study_director, adjusted_grade="C", adjusted_on=date(2023, 9, 1), note="Godtogs.")
    client.force_login(study_director)

    response = client.get(reverse("spur-inspection-detail", args=[inspection.pk]))

    content = response.content.decode()
    assert "Ett generöst utbildningsklimat." in content
    h_row = content.split("H. Ledarskapskompetens")[1].split("</tr>")[0]
    assert ">D</span>" in h_row and "2023-09-01" in h_row and "Godtogs." in h_row
    assert "Två dokumenterade medsittningar per termin." in content
    assert reverse("spur-item-update", args=[inspection.pk, item.pk]) in content
    # F (C under 2015:8) has no plan yet, so it cannot be adjusted
    f_grade = inspection.grades.get(area="F", regulation=S15)
    assert reverse("spur-grade-adjust", args=[inspection.pk, f_grade.pk]) not in content


# --- handlingsplan (views)


@pytest.mark.parametrize("persona", ["study_director", "unit_head", "region_admin"])
def test_adding_a_measure(client, request, persona, inspection):
    client.force_login(persona_user(request, persona))

    response = client.post(reverse("spur-item-create", args=[inspection.pk]), item_post())

    assert response.status_code == 302
    item = inspection.improvements_plan.get()
    assert (item.area, item.due_on, item.status) == ("H", date(2025, 10, 1), "planned")
    assert events(item, "spur.plan_item_added").exists()


def test_a_measure_with_bad_dates_is_refused_and_nothing_saved(client, study_director, inspection):
    client.force_login(study_director)
    url = reverse("spur-item-create", args=[inspection.pk])

    done_without_date = client.post(url, item_post(status="done", outcome="Klart."))
    follow_up_first = client.post(url, item_post(follow_up_on="2025-09-01"))

    assert done_without_date.context["form"].errors["done_on"]
    assert follow_up_first.context["form"].errors["follow_up_on"]
    assert not ImprovementItem.objects.exists()


def test_the_handlingsplan_is_404_for_outsiders_and_403_for_handledare_with_access(
    client, outsider, supervisor, inspection, item
):
    client.force_login(outsider)
    assert client.post(reverse("spur-item-create", args=[inspection.pk]), item_post()).status_code == 404
    assert client.get(reverse("spur-item-update", args=[inspection.pk, item.pk])).status_code == 404
    assert ImprovementItem.objects.count() == 1


def test_the_region_admin_of_another_region_gets_404_on_every_page(client, other_region_admin, inspection, item):
    client.force_login(other_region_admin)
    grade = inspection.grades.get(area="H", regulation=S21)

    for url in (
        reverse("spur-item-update", args=[inspection.pk, item.pk]),
        reverse("spur-grade-adjust", args=[inspection.pk, grade.pk]),
        reverse("spur-inspection-update", args=[inspection.pk]),
        reverse("spur-evidence", args=[inspection.unit_id]),
    ):
        assert client.get(url).status_code == 404


def test_editing_a_measure_until_it_is_done(client, unit_head, item, inspection):
    client.force_login(unit_head)
    url = reverse("spur-item-update", args=[inspection.pk, item.pk])

    client.post(url, item_post(status="in_progress"))
    item.refresh_from_db()
    assert item.status == "in_progress"

    client.post(url, item_post(status="done", outcome="Medsittningarna dokumenteras.", done_on="2025-10-20"))
    item.refresh_from_db()
    assert (item.status, item.done_on) == ("done", date(2025, 10, 20))

    response = client.post(url, item_post(status="in_progress", outcome="Ändrat."))
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.outcome) == ("done", "Medsittningarna dokumenteras.")
    assert client.get(url).status_code == 302


# --- grade adjustment (view)


def test_adjusting_a_grade_in_the_view(client, study_director, inspection, item):
    grade = inspection.grades.get(area="H", regulation=S21)
    client.force_login(study_director)
    url = reverse("spur-grade-adjust", args=[inspection.pk, grade.pk])

    offered = [v for v, _label in client.get(url).context["form"].fields["adjusted_grade"].choices if v]
    empty_note = client.post(url, {"adjusted_grade": "C", "adjusted_on": "2023-09-01", "adjustment_note": ""})
    response = client.post(url, {"adjusted_grade": "C", "adjusted_on": "2023-09-01", "adjustment_note": "Godtogs."})

    assert offered == ["A", "B", "C"]
    assert empty_note.context["form"].errors["adjustment_note"]
    assert response.status_code == 302
    grade.refresh_from_db()
    assert (grade.grade, grade.adjusted_grade) == ("D", "C")


def test_the_chef_may_not_adjust_a_grade(client, unit_head, inspection, item):
    grade = inspection.grades.get(area="H", regulation=S21)
    client.force_login(unit_head)

    response = client.post(
        reverse("spur-grade-adjust", args=[inspection.pk, grade.pk]),
        {"adjusted_grade": "C", "adjusted_on": "2023-09-01", "adjustment_note": "x"},
    )

    assert response.status_code == 403
    grade.refresh_from_db()
    assert grade.adjusted_grade == ""


# --- the region's list


def region_url(region):
    return reverse("spur-region", args=[region.code])


@pytest.mark.parametrize("persona", ["region_admin", "national_admin"])
def test_region_list_shows_every_unit(client, request, persona, unit, other_unit, inspection):
    today = timezone.localdate()
    ImprovementItemFactory(inspection=inspection, follow_up_on=today - timedelta(days=1), due_on=today - timedelta(9))
    ImprovementItemFactory(inspection=inspection, follow_up_on=today + timedelta(days=30), due_on=today)
    ImprovementItemFactory(inspection=inspection, status="done", done_on=today, outcome="Klart.")
    client.force_login(persona_user(request, persona))

    response = client.get(region_url(unit.region))

    rows = {row.unit.name: row for row in response.context["rows"]}
    assert set(rows) == {unit.name, other_unit.name}
    assert (rows[unit.name].last_inspection, rows[unit.name].next_due) == (date(2023, 4, 18), date(2028, 4, 18))
    assert (rows[unit.name].open_items, rows[unit.name].overdue_follow_ups) == (2, 1)
    assert rows[other_unit.name].last_inspection is None
    assert "Forsnäs hälsocentral" in response.content.decode()


@pytest.mark.parametrize("persona", ["study_director", "unit_head", "other_region_admin", "outsider", "owner"])
def test_region_list_is_404_for_anyone_but_its_administrators(client, request, persona, unit):
    client.force_login(persona_user(request, persona))

    assert client.get(region_url(unit.region)).status_code == 404


@pytest.mark.parametrize("count", [1, 3])
def test_region_list_query_count_does_not_grow(client, django_assert_num_queries, region, region_admin, count):
    for n in range(count):
        inspection = InspectionFactory(unit=UnitFactory(region=region), date=date(2020, 1, n + 1))
        ImprovementItemFactory(inspection=inspection)
        ImprovementItemFactory(inspection=inspection)
    client.force_login(region_admin)

    # session, user, region, national-admin check, region-admin check, units with their figures
    with django_assert_num_queries(6):
        response = client.get(region_url(region))

    assert len(response.context["rows"]) == count
    assert all(row.open_items == 2 for row in response.context["rows"])


# --- reminders


def test_reminders_go_to_the_units_studierektorer(study_director, unit, inspection):
    today = date(2025, 6, 10)
    second_director = UserFactory(name="Maria Ek")
    MembershipFactory(user=second_director, unit=unit, role=Role.STUDY_DIRECTOR)
    soon = ImprovementItemFactory(inspection=inspection, due_on=today, follow_up_on=today + timedelta(days=14))
    passed = ImprovementItemFactory(inspection=inspection, due_on=today - timedelta(days=1), follow_up_on=today)
    ImprovementItemFactory(inspection=inspection, due_on=today, follow_up_on=today + timedelta(days=15))  # later
    ImprovementItemFactory(
        inspection=inspection,
        due_on=today - timedelta(days=40),
        follow_up_on=today - timedelta(days=5),
        status="done",
        done_on=today - timedelta(days=41),
        outcome="Klart.",
    )

    items = list(spur.spur_follow_ups(today))

    assert spur.spur_follow_ups in reminders.SOURCES
    assert {(i.user_id, i.key) for i in items} == {
        (user.pk, f"spur_follow_up:{pk}") for user in (study_director, second_director) for pk in (soon.pk, passed.pk)
    }
    by_key = {i.key: i for i in items if i.user_id == study_director.pk}
    assert by_key[f"spur_follow_up:{soon.pk}"].day == today + timedelta(days=14)
    assert not by_key[f"spur_follow_up:{soon.pk}"].overdue
    assert by_key[f"spur_follow_up:{passed.pk}"].overdue
    assert not any(i.essential for i in items)
    assert by_key[f"spur_follow_up:{passed.pk}"].url.endswith(reverse("spur-inspection-detail", args=[inspection.pk]))


@pytest.mark.parametrize("count", [1, 3])
def test_reminder_source_query_count_does_not_grow(django_assert_num_queries, study_director, count):
    today = date(2025, 6, 10)
    for _n in range(count):
        unit = UnitFactory()
        MembershipFactory(user=study_director, unit=unit, role=Role.STUDY_DIRECTOR)
        ImprovementItemFactory(inspection=InspectionFactory(unit=unit), due_on=today, follow_up_on=today)

    with django_assert_num_queries(2):
        items = list(spur.spur_follow_ups(today))

    assert len(items) == count


# --- demo


def test_demo_seed_is_idempotent_and_tells_the_story(django_assert_num_queries):
    call_command("seed_demo", quiet=True)
    today = timezone.localdate()

    demo_spur.seed(today)
    counts = (Inspection.objects.count(), AreaGrade.objects.count(), ImprovementItem.objects.count())
    demo_spur.seed(today)
    demo_spur.seed(today + timedelta(days=40))

    assert (Inspection.objects.count(), AreaGrade.objects.count(), ImprovementItem.objects.count()) == counts
    bjorkdalen = Inspection.objects.get(unit__name="Björkdalens hälsocentral")
    assert bjorkdalen.regulations == [S15, S21]
    assert 47 * 30 < (today - bjorkdalen.date).days < 49 * 31
    adjusted = bjorkdalen.grades.exclude(adjusted_grade="")
    assert [(g.area, g.grade, g.adjusted_grade) for g in adjusted] == [("H", "D", "C")]
    open_items = spur.open_items().filter(inspection=bjorkdalen)
    assert open_items.exists()
    assert open_items.filter(follow_up_on__lt=today).count() == 1
    kustby = Inspection.objects.get(unit__name="Kustby hälsocentral")
    assert 23 * 30 < (today - kustby.date).days < 25 * 31
    assert kustby.improvements_plan.exists()
    assert not spur.open_items().filter(inspection=kustby).exists()
    for grade in AreaGrade.objects.all():
        grade.full_clean()
    for item in ImprovementItem.objects.all():
        spur._check_item(item)
    units = {row.unit.name: row for row in spur.region_rows(Unit.objects.get(name="Kustby hälsocentral").region, today)}
    assert units["Björkdalens hälsocentral"].overdue_follow_ups == 1
