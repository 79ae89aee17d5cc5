"""The whole training on one picture: a row per calendar year, the months as columns.

`build_timeline` reads a trainee's records with a fixed number of queries and returns
plain dataclasses with the geometry already worked out (SVG user units), so the
template `portfolio/_timeline.html` only loops and prints. Every figure about time
comes from `status` (`snapshot.build_status`) or from `timecalc` fed with the same
intervals, so the picture cannot disagree with the numbers on the page.

Each row has three lanes: (1) tjänstgöringar with ledighet drawn over them, (2) kurser
and other activities, (3) markers (handledning, IUP, Mitt-i-ST) with the vertical lines
for BT, ST, today and the projected end drawn across the whole row.
"""

from portfolio.timeline.build import build_timeline
from portfolio.timeline.layout import MONTH_WIDTH, Stretch, Timeline, find_gaps, find_overlaps

__all__ = ["MONTH_WIDTH", "Stretch", "Timeline", "build_timeline", "find_gaps", "find_overlaps"]
