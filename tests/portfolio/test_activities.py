import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.domain import policy_for
from portfolio.enums import CurriculumKind, OtherActivityKind, RegulationCode
from portfolio.models import Course, Goal, OtherActivity
from portfolio.uploads import MAX_PDF_BYTES, validate_pdf
from tests.factories import RegionFactory, SpecialtyFactory, TraineeFactory, regulation
from tests.portfolio.factories_activities import (
    PDF_BYTES,
    PNG_BYTES,
    CourseFactory,
    MandatoryCourseFactory,
    OtherActivityFactory,
    pdf_upload,
    persona_user,
)

pytestmark = pytest.mark.django_db

READERS = ["owner", "supervisor", "second_specialist", "study_director", "unit_head", "region_admin", "national_admin"]
READ_ONLY = ["supervisor", "second_specialist", "study_director", "unit_head", "region_admin"]
OUTSIDERS = ["outsider", "other_supervisor", "other_study_director", "other_trainee", "other_region_admin"]

COURSE_TITLE = "Konsultationskurs i Luleå"
ACTIVITY_TITLE = "Förbättringsarbete om antibiotikaförskrivning"


@pytest.fixture
def course(trainee):
    return CourseFactory(trainee=trainee, title=COURSE_TITLE)


@pytest.fixture
def activity(trainee):
    return OtherActivityFactory(trainee=trainee, title=ACTIVITY_TITLE)


@pytest.fixture
def certified_course(trainee):
    course = CourseFactory(trainee=trainee, title=COURSE_TITLE)
    course.certificate.save("intyg.pdf", pdf_upload(), save=True)
    return course


def st_goals(trainee):
    return Goal.objects.filter(curriculum__specialty=trainee.specialty, curriculum__regulation=trainee.regulation)


def course_data(**overrides):
    data = {
        "title": "BHV-kurs, steg 1",
        "provider": "Region Norrmark",
        "start": "2024-05-06",
        "end": "2024-05-08",
        "notes": "",
    }
    data.update(overrides)
    return data


def activity_data(**overrides):
    data = {
        "kind": OtherActivityKind.TEACHING,
        "title": "Undervisning av läkarstudenter",
        "start": "2024-10-01",
        "end": "",
        "description": "Seminarier om hypertoni.",
    }
    data.update(overrides)
    return data


def url(name, trainee, pk=None):
    args = [trainee.pk] if pk is None else [trainee.pk, pk]
    return reverse(name, args=args)


# --- The list page


@pytest.mark.parametrize("persona", READERS)
def test_activity_list_shows_courses_and_activities_to_every_reader(client, request, course, activity, persona):
    client.force_login(persona_user(request, persona))

    response = client.get(url("activity-list", course.trainee))

    assert response.status_code == 200
    assert list(response.context["courses"]) == [course]
    assert list(response.context["activities"]) == [activity]
    content = response.content.decode()
    assert COURSE_TITLE in content
    assert ACTIVITY_TITLE in content
    assert response.context["can_change"] is (persona == "owner")
    assert (url("course-create", course.trainee) in content) is (persona == "owner")


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_activity_list_is_404_for_outsiders(client, request, course, activity, persona):
    client.force_login(persona_user(request, persona))

    response = client.get(url("activity-list", course.trainee))

    assert response.status_code == 404
    assert COURSE_TITLE not in response.content.decode()
    assert ACTIVITY_TITLE not in response.content.decode()


@pytest.mark.parametrize(
    ("name", "needs_course", "needs_activity"),
    [
        ("activity-list", False, False),
        ("course-create", False, False),
        ("course-update", True, False),
        ("course-delete", True, False),
        ("course-certificate", True, False),
        ("activity-create", False, False),
        ("activity-update", False, True),
        ("activity-delete", False, True),
    ],
)
def test_every_activity_page_sends_anonymous_to_login(
    client, certified_course, activity, name, needs_course, needs_activity
):
    pk = certified_course.pk if needs_course else activity.pk if needs_activity else None

    response = client.get(url(name, certified_course.trainee, pk))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_activity_list_shows_goal_codes_and_mandatory_course(client, trainee):
    mandatory = policy_for(trainee.unit.region).mandatory_courses.get(name="Konsultationskurs")
    course = CourseFactory(trainee=trainee, mandatory_course=mandatory)
    course.goals.set(st_goals(trainee).filter(code__in=["b1", "c7"]))
    client.force_login(trainee.main_supervisor)

    response = client.get(url("activity-list", trainee))

    content = response.content.decode()
    assert ">b1</abbr>, <abbr" in content
    assert ">c7</abbr>" in content
    assert "<td>Konsultationskurs</td>" in content


# --- Mandatory courses


def test_mandatory_courses_are_marked_done_or_missing(client, trainee):
    region = trainee.unit.region
    MandatoryCourseFactory(region=region, specialty=None, name="Strålskyddskurs")
    MandatoryCourseFactory(
        region=region, specialty=SpecialtyFactory(slug="psykiatri", name="Psykiatri"), name="Psykoterapi steg 1"
    )
    MandatoryCourseFactory(region=RegionFactory(), specialty=trainee.specialty, name="Annan regions kurs")
    fulfilled = policy_for(region).mandatory_courses.get(name="Konsultationskurs")
    CourseFactory(trainee=trainee, mandatory_course=fulfilled)
    client.force_login(trainee.user)

    response = client.get(url("activity-list", trainee))

    marks = {course.name: course.done for course in response.context["mandatory_courses"]}
    # The region's default courses for allmänmedicin, plus the one for every specialty.
    assert marks == {
        "BHV-kurs": False,
        "Konsultationskurs": True,
        "Kurs i allmänmedicinskt förhållningssätt": False,
        "Kurs i lagar, föreskrifter och myndighetsutövning": False,
        "Strålskyddskurs": False,
    }
    content = response.content.decode()
    assert content.count("flag flag-ok") == 1
    assert content.count("flag flag-warn") == 4
    assert "Psykoterapi steg 1" not in content


def test_another_trainees_course_does_not_mark_a_mandatory_course_done(client, trainee, other_trainee):
    fulfilled = policy_for(trainee.unit.region).mandatory_courses.get(name="BHV-kurs")
    CourseFactory(trainee=other_trainee, mandatory_course=fulfilled)
    client.force_login(trainee.user)

    response = client.get(url("activity-list", trainee))

    assert {c.name: c.done for c in response.context["mandatory_courses"]}["BHV-kurs"] is False


# --- Query counts


@pytest.mark.parametrize("count", [1, 3])
def test_activity_list_query_count_does_not_grow(client, django_assert_num_queries, trainee, count):
    mandatory = policy_for(trainee.unit.region).mandatory_courses.first()
    goals = list(st_goals(trainee)[:2])
    for _ in range(count):
        CourseFactory(trainee=trainee, mandatory_course=mandatory).goals.set(goals)
        OtherActivityFactory(trainee=trainee).goals.set(goals)
    client.force_login(trainee.user)

    # session, user, national-admin check, trainee, policy,
    # mandatory courses, courses, their delmål, activities, their delmål
    with django_assert_num_queries(10):
        response = client.get(url("activity-list", trainee))

    assert len(response.context["courses"]) == count
    assert len(response.context["activities"]) == count


# --- Courses: create, update, delete


def test_owner_adds_a_course_with_goals_and_mandatory_course(client, trainee):
    mandatory = policy_for(trainee.unit.region).mandatory_courses.get(name="BHV-kurs")
    goals = list(st_goals(trainee).filter(code__in=["b2", "c3"]))
    client.force_login(trainee.user)

    response = client.post(
        url("course-create", trainee),
        course_data(mandatory_course=mandatory.pk, goals=[goal.pk for goal in goals]),
        follow=True,
    )

    course = Course.objects.get(trainee=trainee)
    assert response.redirect_chain == [(url("activity-list", trainee), 302)]
    assert (course.title, course.provider, course.start, course.end) == (
        "BHV-kurs, steg 1",
        "Region Norrmark",
        date(2024, 5, 6),
        date(2024, 5, 8),
    )
    assert course.mandatory_course == mandatory
    assert set(course.goals.all()) == set(goals)
    assert course.created_by == trainee.user
    assert not course.certificate
    assert [m.level_tag for m in response.context["messages"]] == ["success"]


@pytest.mark.parametrize("persona", READ_ONLY)
def test_course_create_is_403_for_those_who_only_read(client, request, trainee, persona):
    client.force_login(persona_user(request, persona))

    get = client.get(url("course-create", trainee))
    post = client.post(url("course-create", trainee), course_data())

    assert (get.status_code, post.status_code) == (403, 403)
    assert not Course.objects.exists()


@pytest.mark.parametrize("persona", READ_ONLY)
def test_course_update_and_delete_are_403_for_those_who_only_read(client, request, course, persona):
    client.force_login(persona_user(request, persona))

    update = client.post(url("course-update", course.trainee, course.pk), course_data(title="Ändrad"))
    delete = client.post(url("course-delete", course.trainee, course.pk))

    assert (update.status_code, delete.status_code) == (403, 403)
    course.refresh_from_db()
    assert course.title == COURSE_TITLE


@pytest.mark.parametrize("persona", OUTSIDERS)
@pytest.mark.parametrize(
    ("name", "record"),
    [
        ("course-create", None),
        ("course-update", "course"),
        ("course-delete", "course"),
        ("course-certificate", "course"),
        ("activity-create", None),
        ("activity-update", "activity"),
        ("activity-delete", "activity"),
    ],
)
def test_activity_pages_are_404_for_outsiders(client, request, certified_course, activity, persona, name, record):
    pk = {"course": certified_course.pk, "activity": activity.pk, None: None}[record]
    target = url(name, certified_course.trainee, pk)
    client.force_login(persona_user(request, persona))

    get = client.get(target)
    post = client.post(target, course_data(title="Ändrad") | activity_data(title="Ändrad"))

    assert (get.status_code, post.status_code) == (404, 404)
    assert COURSE_TITLE not in get.content.decode()
    assert ACTIVITY_TITLE not in get.content.decode()
    assert Course.objects.get().title == COURSE_TITLE
    assert OtherActivity.objects.get().title == ACTIVITY_TITLE


def test_a_course_of_another_trainee_is_404_under_the_owners_address(client, trainee, other_trainee):
    foreign = CourseFactory(trainee=other_trainee, title="Annans kurs")
    client.force_login(trainee.user)

    response = client.post(url("course-update", trainee, foreign.pk), course_data(title="Kapad"))

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.title == "Annans kurs"


def test_owner_updates_a_course(client, course):
    client.force_login(course.trainee.user)

    response = client.post(
        url("course-update", course.trainee, course.pk), course_data(title="Konsultationskurs, del 2")
    )

    assert response.status_code == 302
    course.refresh_from_db()
    assert course.title == "Konsultationskurs, del 2"
    assert course.start == date(2024, 5, 6)


def test_course_end_before_start_is_refused(client, trainee):
    client.force_login(trainee.user)

    response = client.post(url("course-create", trainee), course_data(start="2024-05-08", end="2024-05-06"))

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["end"]
    assert not Course.objects.exists()


def test_course_form_offers_only_the_trainees_delmal(client, trainee):
    client.force_login(trainee.user)

    response = client.get(url("course-create", trainee))

    assert set(response.context["form"].fields["goals"].queryset) == set(st_goals(trainee))


def test_course_form_adds_bt_delmal_under_the_2021_regulation(client, unit):
    trainee = TraineeFactory(unit=unit, regulation=regulation(RegulationCode.HSLF_FS_2021_8), bt_mode="integrated")
    client.force_login(trainee.user)

    response = client.get(url("course-create", trainee))

    goals = list(response.context["form"].fields["goals"].queryset)
    assert len(goals) == 26 + 18
    assert {goal.curriculum.kind for goal in goals} == {CurriculumKind.ST, CurriculumKind.BT}
    assert goals[0].code == "STa1"


def test_course_with_a_delmal_of_another_malbeskrivning_is_refused(client, trainee):
    foreign = Goal.objects.get(curriculum__kind=CurriculumKind.BT, code="BT1")
    client.force_login(trainee.user)

    response = client.post(url("course-create", trainee), course_data(goals=[foreign.pk]))

    assert list(response.context["form"].errors) == ["goals"]
    assert not Course.objects.exists()


def test_course_form_offers_only_the_regions_mandatory_courses_for_the_specialty(client, trainee):
    everyone = MandatoryCourseFactory(region=trainee.unit.region, specialty=None, name="Strålskyddskurs")
    psychiatry = SpecialtyFactory(slug="psykiatri", name="Psykiatri")
    other_specialty = MandatoryCourseFactory(region=trainee.unit.region, specialty=psychiatry, name="Psykoterapi")
    other_region = MandatoryCourseFactory(region=RegionFactory(), specialty=trainee.specialty, name="BHV, annan region")
    client.force_login(trainee.user)

    get = client.get(url("course-create", trainee))
    post = client.post(url("course-create", trainee), course_data(mandatory_course=other_region.pk))

    offered = {course.name for course in get.context["form"].fields["mandatory_course"].queryset}
    assert everyone.name in offered
    assert {other_specialty.name, other_region.name} & offered == set()
    assert len(offered) == 5
    assert list(post.context["form"].errors) == ["mandatory_course"]


def test_course_delete_asks_first_and_names_the_course(client, course):
    client.force_login(course.trainee.user)

    response = client.get(url("course-delete", course.trainee, course.pk))

    assert response.context["record"] == course
    assert COURSE_TITLE in response.content.decode()
    assert Course.objects.filter(pk=course.pk).exists()


def test_course_delete_removes_the_course_and_its_certificate(client, certified_course):
    name = certified_course.certificate.name
    client.force_login(certified_course.trainee.user)

    response = client.post(url("course-delete", certified_course.trainee, certified_course.pk), follow=True)

    assert response.redirect_chain == [(url("activity-list", certified_course.trainee), 302)]
    assert not Course.objects.exists()
    assert not default_storage.exists(name)
    assert [m.level_tag for m in response.context["messages"]] == ["success"]


# --- Certificates


def test_uploaded_pdf_is_stored_under_the_course_id_and_downloadable_by_the_supervisor(client, trainee):
    client.force_login(trainee.user)
    client.post(url("course-create", trainee), course_data(certificate=pdf_upload()))
    course = Course.objects.get()
    client.force_login(trainee.main_supervisor)

    response = client.get(url("course-certificate", trainee, course.pk))

    # Named by the ids, never by the uploaded name (the suffix appears when the in-memory
    # storage still holds a file from an earlier test with the same ids).
    assert re.fullmatch(rf"kursintyg/{trainee.pk}/{course.pk}(_\w+)?\.pdf", course.certificate.name)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="kursintyg-bhv-kurs-steg-1.pdf"'
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PDF_BYTES


@pytest.mark.parametrize("persona", READERS)
def test_every_reader_may_download_the_certificate(client, request, certified_course, persona):
    client.force_login(persona_user(request, persona))

    response = client.get(url("course-certificate", certified_course.trainee, certified_course.pk))

    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_the_pages_link_the_certificate_view_never_the_storage(client, certified_course):
    client.force_login(certified_course.trainee.user)

    list_page = client.get(url("activity-list", certified_course.trainee)).content.decode()
    form_page = client.get(url("course-update", certified_course.trainee, certified_course.pk)).content.decode()

    download = url("course-certificate", certified_course.trainee, certified_course.pk)
    assert download in list_page
    assert download in form_page
    assert "kursintyg/" not in list_page
    assert "kursintyg/" not in form_page


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (SimpleUploadedFile("intyg.pdf", PNG_BYTES, content_type="application/pdf"), "not_pdf"),
        (SimpleUploadedFile("intyg.pdf", b"Intyg: kursen genomford.\n", content_type="application/pdf"), "not_pdf"),
        (SimpleUploadedFile("intyg.png", PDF_BYTES, content_type="image/png"), "extension"),
        (
            SimpleUploadedFile("intyg.pdf", b"%PDF-1.4" + b"0" * MAX_PDF_BYTES, content_type="application/pdf"),
            "too_large",
        ),
    ],
    ids=["png-named-pdf", "text-named-pdf", "pdf-named-png", "over-10-mb"],
)
def test_a_certificate_that_is_not_a_small_pdf_is_refused(client, trainee, upload, code):
    client.force_login(trainee.user)

    response = client.post(url("course-create", trainee), course_data(certificate=upload))

    assert [error.code for error in response.context["form"].errors.as_data()["certificate"]] == [code]
    assert not Course.objects.exists()


def test_a_pdf_of_exactly_10_mb_is_accepted():
    upload = SimpleUploadedFile("intyg.pdf", b"%PDF-1.7" + b"0" * (MAX_PDF_BYTES - 8))

    validate_pdf(upload)

    assert upload.tell() == 0  # left ready for storing


def test_validate_pdf_checks_the_content_not_the_name():
    with pytest.raises(ValidationError) as refused:
        validate_pdf(SimpleUploadedFile("INTYG.PDF", b"GIF89a..."))

    assert refused.value.code == "not_pdf"


def test_replacing_the_certificate_removes_the_old_file(client, certified_course):
    old_name = certified_course.certificate.name
    new_pdf = PDF_BYTES.replace(b"595 842", b"842 595")
    client.force_login(certified_course.trainee.user)

    client.post(
        url("course-update", certified_course.trainee, certified_course.pk),
        course_data(certificate=pdf_upload(content=new_pdf)),
    )

    certified_course.refresh_from_db()
    assert certified_course.certificate.name != old_name
    assert certified_course.certificate.read() == new_pdf
    assert not default_storage.exists(old_name)


def test_removing_the_certificate(client, certified_course):
    old_name = certified_course.certificate.name
    client.force_login(certified_course.trainee.user)

    client.post(
        url("course-update", certified_course.trainee, certified_course.pk), course_data(remove_certificate="on")
    )

    certified_course.refresh_from_db()
    assert not certified_course.certificate
    assert not default_storage.exists(old_name)
    assert client.get(url("course-certificate", certified_course.trainee, certified_course.pk)).status_code == 404


def test_saving_a_course_without_a_new_file_keeps_the_certificate(client, certified_course):
    old_name = certified_course.certificate.name
    client.force_login(certified_course.trainee.user)

    client.post(url("course-update", certified_course.trainee, certified_course.pk), course_data(title="Nytt namn"))

    certified_course.refresh_from_db()
    assert (certified_course.title, certified_course.certificate.name) == ("Nytt namn", old_name)
    assert default_storage.exists(old_name)


def test_uploading_and_removing_at_once_is_refused(client, certified_course):
    client.force_login(certified_course.trainee.user)

    response = client.post(
        url("course-update", certified_course.trainee, certified_course.pk),
        course_data(certificate=pdf_upload(), remove_certificate="on"),
    )

    assert list(response.context["form"].errors) == ["remove_certificate"]


def test_certificate_of_a_course_without_one_is_404(client, course):
    client.force_login(course.trainee.user)

    assert client.get(url("course-certificate", course.trainee, course.pk)).status_code == 404


# --- Other activities


def test_owner_adds_an_activity_without_end_date(client, trainee):
    goal = st_goals(trainee).get(code="b4")
    client.force_login(trainee.user)

    response = client.post(url("activity-create", trainee), activity_data(goals=[goal.pk]))

    activity = OtherActivity.objects.get(trainee=trainee)
    assert response["Location"] == url("activity-list", trainee)
    assert (activity.kind, activity.title, activity.start, activity.end) == (
        OtherActivityKind.TEACHING,
        "Undervisning av läkarstudenter",
        date(2024, 10, 1),
        None,
    )
    assert list(activity.goals.all()) == [goal]
    assert activity.created_by == trainee.user


def test_owner_updates_an_activity(client, activity):
    client.force_login(activity.trainee.user)

    client.post(url("activity-update", activity.trainee, activity.pk), activity_data(end="2024-12-20"))

    activity.refresh_from_db()
    assert (activity.title, activity.end) == ("Undervisning av läkarstudenter", date(2024, 12, 20))


def test_activity_end_before_start_is_refused(client, trainee):
    client.force_login(trainee.user)

    response = client.post(url("activity-create", trainee), activity_data(end="2024-09-01"))

    assert list(response.context["form"].errors) == ["end"]


@pytest.mark.parametrize("persona", READ_ONLY)
def test_activity_writes_are_403_for_those_who_only_read(client, request, activity, persona):
    client.force_login(persona_user(request, persona))

    create = client.post(url("activity-create", activity.trainee), activity_data())
    update = client.post(url("activity-update", activity.trainee, activity.pk), activity_data())
    delete = client.post(url("activity-delete", activity.trainee, activity.pk))

    assert (create.status_code, update.status_code, delete.status_code) == (403, 403, 403)
    assert list(OtherActivity.objects.values_list("title", flat=True)) == [ACTIVITY_TITLE]


def test_activity_delete_asks_then_removes(client, activity):
    client.force_login(activity.trainee.user)

    confirm = client.get(url("activity-delete", activity.trainee, activity.pk))
    assert ACTIVITY_TITLE in confirm.content.decode()
    assert OtherActivity.objects.exists()

    response = client.post(url("activity-delete", activity.trainee, activity.pk))

    assert response["Location"] == url("activity-list", activity.trainee)
    assert not OtherActivity.objects.exists()
