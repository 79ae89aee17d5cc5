"""The studierektor's end-of-ST review: recorded, never edited, the latest one counts."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from portfolio.enums import FinalReviewVerdict
from portfolio.models import FinalReview
from portfolio.reviews import record_final_review

pytestmark = pytest.mark.django_db


def url(trainee):
    return reverse("final-review-create", args=[trainee.pk])


def test_study_director_records_a_review_with_an_audit_event(trainee, study_director):
    review = record_final_review(
        trainee, by=study_director, date=date(2026, 10, 1), verdict=FinalReviewVerdict.NOT_YET, remarks="Intyg saknas"
    )

    assert (review.reviewer, review.verdict, review.remarks) == (study_director, "not_yet", "Intyg saknas")
    event = AuditEvent.objects.get(action="final_review.recorded")
    assert event.target_id == review.pk and event.data["verdict"] == "not_yet"


@pytest.mark.parametrize("persona", ["trainee_user", "supervisor", "unit_head", "second_specialist"])
def test_only_the_study_director_records_it(request, trainee, unit_head, persona):
    user = trainee.user if persona == "trainee_user" else request.getfixturevalue(persona)

    with pytest.raises(PermissionDenied):
        record_final_review(trainee, by=user, date=date(2026, 10, 1), verdict=FinalReviewVerdict.READY)

    assert not FinalReview.objects.exists()


def test_dates_in_the_future_or_before_st_are_refused(trainee, study_director):
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as future:
        record_final_review(trainee, by=study_director, date=tomorrow, verdict=FinalReviewVerdict.READY)
    with pytest.raises(ValidationError) as early:
        before = trainee.st_start - timedelta(days=1)
        record_final_review(trainee, by=study_director, date=before, verdict=FinalReviewVerdict.READY)

    assert future.value.error_dict["date"][0].code == "future"
    assert early.value.error_dict["date"][0].code == "before_start"
    assert not FinalReview.objects.exists()


def test_study_director_records_it_from_the_page_and_sees_it_listed(client, trainee, study_director):
    client.force_login(study_director)

    response = client.post(
        url(trainee), {"date": "2026-10-01", "verdict": "ready", "remarks": "Allt klart inför ansökan"}
    )

    assert response.status_code == 302
    listing = client.get(reverse("review-list", args=[trainee.pk])).content.decode()
    assert "Allt klart inför ansökan" in listing
    assert "2026-10-01" in listing


def test_bad_date_on_the_page_shows_the_error_and_saves_nothing(client, trainee, study_director):
    client.force_login(study_director)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()

    response = client.post(url(trainee), {"date": tomorrow, "verdict": "ready"})

    assert response.status_code == 200
    assert response.context["form"].errors["date"]
    assert not FinalReview.objects.exists()


@pytest.mark.parametrize("persona", ["supervisor", "unit_head"])
def test_readers_get_403_on_the_form(client, request, trainee, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(url(trainee)).status_code == 403
    assert client.post(url(trainee), {"date": "2026-10-01", "verdict": "ready"}).status_code == 403
    assert not FinalReview.objects.exists()


@pytest.mark.parametrize("persona", ["outsider", "other_supervisor", "other_study_director"])
def test_outsiders_get_404_and_never_see_a_review(client, request, trainee, study_director, persona):
    record_final_review(trainee, by=study_director, date=date(2026, 10, 1), verdict="ready", remarks="Hemligt omdöme")
    client.force_login(request.getfixturevalue(persona))

    assert client.get(url(trainee)).status_code == 404
    assert client.post(url(trainee), {"date": "2026-10-01", "verdict": "ready"}).status_code == 404
    assert client.get(reverse("review-list", args=[trainee.pk])).status_code == 404
    assert FinalReview.objects.count() == 1


def test_the_review_list_title_is_plain_text(client, trainee, study_director):
    client.force_login(study_director)

    content = client.get(reverse("review-list", args=[trainee.pk])).content.decode()

    title = content.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<" not in title and trainee.user.name in title
    assert content.count('id="final-heading"') == 1
