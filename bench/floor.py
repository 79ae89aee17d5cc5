"""The floor: what the least page costs in this process, to measure the others against.

A logged-in request through the whole middleware stack, rendering the site's base
template with a static table of 50 rows and six columns — no query of its own beyond
the session and the user that every page reads. A page's cost divided by the floor's
says how much the page itself adds, on whatever machine the benchmark runs.
"""

from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

COLUMNS = ("Namn", "Enhet", "Föreskrift", "Start", "Månader", "Status")
ROWS = tuple(
    (
        f"ST-läkare {number:02}",
        f"Vårdcentral {number % 7}",
        "HSLF-FS 2021:8" if number % 2 else "SOSFS 2015:8",
        date(2022, 1, 3) + timedelta(days=17 * number),
        f"{12 + number * 0.7:.1f}",
        "OK" if number % 5 else "Försenad",
    )
    for number in range(50)
)


@login_required
def floor(request):
    return render(request, "bench/floor.html", {"columns": COLUMNS, "rows": ROWS})
