"""Regional quality criteria as reference data (contracts/data/criteria.json).

Each named set in the file (its `region_code`: "norrbotten", "vastra-gotaland") is a
region's criteria for one specialty. Sets belong to a Region in the database, and the
regions there have their own codes, so `load_criteria` attaches a named set to the region
it is given: from the admin action on regions, or from the demo seed for "Region
Norrmark". Idempotent: the set is matched on (region, specialty) and each criterion on
its code, and updated in place; criteria added by hand in the admin are left alone.
"""

import json
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from accounts.models import Region, Specialty
from contracts.models import CriteriaSet, Criterion

DATA_FILE = Path(__file__).resolve().parent / "data" / "criteria.json"

NORRBOTTEN = "norrbotten"
VASTRA_GOTALAND = "vastra-gotaland"


def named_sets() -> dict[str, dict]:
    """The sets in the file by their code."""
    with DATA_FILE.open(encoding="utf-8") as handle:
        data = json.load(handle)
    return {entry["region_code"]: entry for entry in data["sets"]}


def load_criteria(region=None, source_code=None) -> list[CriteriaSet]:
    """Create or update the criteria set named `source_code` for `region`.

    Without `source_code`, the set whose code is the region's own code. Without `region`,
    every named set (or the one named) goes to the region with that code, where such a
    region exists. Returns the sets created or updated.
    """
    sets = named_sets()
    if source_code is not None and source_code not in sets:
        raise ValueError(f"No criteria set named {source_code!r}; known: {sorted(sets)}")
    if region is not None:
        code = source_code or region.code
        if code not in sets:
            raise ValueError(f"No criteria set named {code!r} for region {region}; name one of {sorted(sets)}")
        return [_load(region, sets[code])]
    codes = [source_code] if source_code is not None else sorted(sets)
    regions = {region.code: region for region in Region.objects.filter(code__in=codes)}
    return [_load(regions[code], sets[code]) for code in codes if code in regions]


@transaction.atomic
def _load(region, entry) -> CriteriaSet:
    specialty = Specialty.objects.filter(slug=entry["specialty"]).first()
    if specialty is None:
        raise ValueError(f"Specialty {entry['specialty']!r} is not in the database")
    criteria_set, _created = CriteriaSet.objects.update_or_create(
        region=region,
        specialty=specialty,
        defaults={"name": entry["name"], "source": entry["source"], "verification": entry["verification"]},
    )
    for position, row in enumerate(entry["criteria"], start=1):
        parameter = row.get("parameter")
        Criterion.objects.update_or_create(
            criteria_set=criteria_set,
            code=row["code"],
            defaults={
                "position": position,
                "rule": row["rule"],
                "parameter": Decimal(parameter) if parameter is not None else None,
                "text": row["text"],
                "note": row.get("note", ""),
            },
        )
    return criteria_set
