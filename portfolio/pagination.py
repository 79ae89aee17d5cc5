"""A paginator for django-tables2 tables over a queryset that reads a page and the total
number of rows in one query.

Django's Paginator counts first (SELECT COUNT(*) over the whole filtered set) and then
reads the page. On the overview both queries repeat the same joins and the same
conditions over a thousand trainees, so the count costs nearly as much as the page. Here
the page query also selects COUNT(*) OVER (), which the database evaluates before LIMIT:
every row carries the total. Only a page with no rows (past the end, or nothing matches)
has no total on it; then the plain count decides, as Django's would.
"""

import math

from django.core.paginator import Paginator
from django.db.models import Count, Window
from django_tables2.rows import BoundRows

TOTAL = "paginator_total"


class CountWithPagePaginator(Paginator):
    """Paginates django-tables2's BoundRows over a queryset (a TableQuerysetData)."""

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, error_messages=None):
        if orphans:
            # A page with orphans would need the total before its LIMIT is known.
            raise ValueError("CountWithPagePaginator does not take orphans.")
        super().__init__(object_list, per_page, 0, allow_empty_first_page, error_messages)

    def page(self, number):
        # Django's checks of the number itself (an integer, at least 1), before any count.
        number = self._validate_number(number, math.inf)
        rows = self.object_list
        bottom = (number - 1) * self.per_page
        page = rows.data.data.annotate(**{TOTAL: Window(Count("pk"))})[bottom : bottom + self.per_page]
        records = list(page)
        if records:
            self.count = getattr(records[0], TOTAL)
        else:
            # Past the last page, or no rows at all: the count says which, as Django's does.
            number = self.validate_number(number)
        return self._get_page(BoundRows(records, rows.table, rows.pinned_data), number, self)
