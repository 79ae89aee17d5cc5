"""CountWithPagePaginator: the pages, the total and the edge cases of Django's Paginator,
from one query a page."""

import pytest
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_tables2 import RequestConfig

from portfolio.models import Trainee
from portfolio.overview import overview_rows
from portfolio.pagination import CountWithPagePaginator
from portfolio.readiness.store import refresh_all
from portfolio.tables import TraineeTable
from tests.factories import TraineeFactory, UserFactory

pytestmark = pytest.mark.django_db

NAMES = ["Åke Ek", "Anna Berg", "Öjvind Lund", "Bo Ask", "Cilla Dahl", "Zoran Ivic", "Eva Holm"]


@pytest.fixture
def seven(unit):
    trainees = [TraineeFactory(unit=unit, user=UserFactory(name=name)) for name in NAMES]
    refresh_all()
    return trainees


def table_for(user, order_by="name", **params):
    request = RequestFactory().get("/", params)
    request.user = user
    return TraineeTable(overview_rows(user, timezone.localdate()), request=request, order_by=order_by)


def pks(page):
    return [row.record.pk for row in page.object_list]


@pytest.mark.parametrize("order_by", ["name", "-months", "-attention"])
def test_every_page_is_django_paginators_page(study_director, seven, order_by):
    ours = CountWithPagePaginator(table_for(study_director, order_by).rows, 3)
    django = Paginator(table_for(study_director, order_by).rows, 3)

    for number in (1, 2, 3):
        page, expected = ours.page(number), django.page(number)
        assert pks(page) == pks(expected)
        assert (page.has_next(), page.has_previous(), page.start_index(), page.end_index()) == (
            expected.has_next(),
            expected.has_previous(),
            expected.start_index(),
            expected.end_index(),
        )
    assert (ours.count, ours.num_pages) == (django.count, django.num_pages) == (7, 3)


def test_a_page_and_its_total_are_one_query(study_director, seven, django_assert_num_queries):
    table = table_for(study_director)
    with django_assert_num_queries(1):
        page = CountWithPagePaginator(table.rows, 3).page(2)
        assert (len(pks(page)), page.paginator.count, page.paginator.num_pages) == (3, 7, 3)


def test_past_the_end_and_bad_numbers_raise_as_django_does(study_director, seven):
    paginator = CountWithPagePaginator(table_for(study_director).rows, 3)

    with pytest.raises(EmptyPage):
        paginator.page(4)
    with pytest.raises(EmptyPage):
        paginator.page(0)
    with pytest.raises(PageNotAnInteger):
        paginator.page("två")
    with pytest.raises(PageNotAnInteger):
        paginator.page(1.5)


def test_no_rows_is_one_empty_first_page(study_director, unit):
    paginator = CountWithPagePaginator(table_for(study_director).rows, 3)

    page = paginator.page(1)

    assert (pks(page), paginator.count, paginator.num_pages) == ([], 0, 1)


def test_request_config_falls_back_to_the_last_and_the_first_page(study_director, seven):
    for asked, shown in (("9", 3), ("x", 1)):
        table = table_for(study_director, page=asked)
        RequestConfig(table.request, paginate={"per_page": 3, "paginator_class": CountWithPagePaginator}).configure(
            table
        )
        assert table.page.number == shown
        assert table.paginator.count == 7


def test_orphans_are_refused(study_director, seven):
    with pytest.raises(ValueError):
        CountWithPagePaginator(table_for(study_director).rows, 3, orphans=1)


def test_the_overview_pages_with_the_total(client, study_director, unit):
    for number in range(55):
        TraineeFactory(unit=unit, user=UserFactory(name=f"ST-läkare {number:02}"))
    refresh_all()
    client.force_login(study_director)

    second = client.get(reverse("trainee-list"), {"page": 2})
    past = client.get(reverse("trainee-list"), {"page": 9})

    expected = list(Trainee.objects.order_by("user__name").values_list("pk", flat=True)[50:])
    assert [row.record.pk for row in second.context["table"].paginated_rows] == expected
    assert [row.record.pk for row in past.context["table"].paginated_rows] == expected
    assert second.context["table"].paginator.count == 55
    assert "55 ST-läkare" in second.content.decode()
