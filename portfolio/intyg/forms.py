"""Socialstyrelsen's intyg forms as data (portfolio/data/intyg-forms.json).

The JSON holds, per form, the printed heading and footer, who signs it and every
field in the order the form prints it: our key, the printed label, the name of the
field in the fillable PDF (null when the form only prints it) and where the value
comes from. The in-app preview, the reproduction PDF and the filling of the blank
PDF all walk the same list, so they cannot disagree on order or wording.
"""

import json
from functools import cache
from pathlib import Path

from django.conf import settings

from portfolio.enums import ActivityType, CertificateForm, OtherActivityKind, RegulationCode, ServiceKind

DATA_FILE = Path(settings.BASE_DIR) / "portfolio" / "data" / "intyg-forms.json"


@cache
def all_forms() -> dict:
    with DATA_FILE.open(encoding="utf-8") as fh:
        return json.load(fh)["forms"]


def form_spec(code: str) -> dict:
    return all_forms()[code]


def forms_for_regulation(regulation_code: str) -> list[str]:
    return [code for code, spec in all_forms().items() if spec["regulation"] == regulation_code]


def signer_groups(code: str) -> list[list[str]]:
    """Each group is a list of alternative roles; one signature per group is needed."""
    return form_spec(code)["signer_groups"]


def all_roles(code: str) -> list[str]:
    return [role for group in signer_groups(code) for role in group]


def is_summary(code: str) -> bool:
    return form_spec(code)["activity_type"] is None


def summary_forms(regulation_code: str) -> list[str]:
    """Forms not tied to one record: uppnådd specialistkompetens, fullgjord tjänstgöring, BT delmål …"""
    codes = forms_for_regulation(regulation_code)
    record_types = {ActivityType.AUSKULTATION, ActivityType.CLINICAL, ActivityType.COURSE, ActivityType.QUALITY_WORK}
    record_types |= {ActivityType.WRITTEN_WORK, ActivityType.DEVELOPMENT_WORK}
    return [code for code in codes if form_spec(code)["activity_type"] not in record_types]


def _form_for_activity_type(regulation_code: str, activity_type: str) -> str | None:
    for code in forms_for_regulation(regulation_code):
        if form_spec(code)["activity_type"] == activity_type:
            return code
    return None


def form_for_service_period(regulation_code: str, period) -> str | None:
    kind = ActivityType.AUSKULTATION if period.kind == ServiceKind.AUSKULTATION else ActivityType.CLINICAL
    return _form_for_activity_type(regulation_code, kind)


def form_for_course(regulation_code: str, course) -> str | None:
    return _form_for_activity_type(regulation_code, ActivityType.COURSE)


ACTIVITY_KIND_TYPES = {
    OtherActivityKind.QUALITY_WORK: [ActivityType.QUALITY_WORK, ActivityType.DEVELOPMENT_WORK],
    OtherActivityKind.DEVELOPMENT_WORK: [ActivityType.DEVELOPMENT_WORK, ActivityType.QUALITY_WORK],
    OtherActivityKind.WRITTEN_WORK: [ActivityType.WRITTEN_WORK],
    OtherActivityKind.AUSKULTATION: [ActivityType.AUSKULTATION],
}


def form_for_activity(regulation_code: str, activity) -> str | None:
    for activity_type in ACTIVITY_KIND_TYPES.get(activity.kind, []):
        code = _form_for_activity_type(regulation_code, activity_type)
        if code is not None:
            return code
    return None


def regulation_of(code: str) -> str:
    return RegulationCode(form_spec(code)["regulation"])


def known_forms() -> set[str]:
    return set(CertificateForm.values)


# --- Values: what each field of a form says for one intyg


def _yymmdd(day):
    return day.strftime("%y%m%d") if day else ""


def period_text(start, end) -> str:
    """A period the way the forms ask for it: ååmmdd – ååmmdd."""
    if not start and not end:
        return ""
    return f"{_yymmdd(start)} – {_yymmdd(end)}"


def split_name(full_name: str) -> tuple[str, str]:
    """(efternamn, förnamn): the last word is taken as the surname."""
    parts = (full_name or "").split()
    if len(parts) < 2:
        return (parts[0] if parts else ""), ""
    return parts[-1], " ".join(parts[:-1])


def electronic_signature_text(signed_at) -> str:
    return f"Signerat elektroniskt i ST-portfölj {signed_at:%Y-%m-%d}"


CHECKBOXES = ("signer_is", "appointed")


class CertificateValues:
    """Resolves the `source` of every field for one intyg, from rows already loaded."""

    def __init__(self, cert, *, signatures, goals, service_rows=None):
        self.cert = cert
        self.trainee = cert.trainee
        self.signatures = {row.role: row for row in signatures}
        self.goals = goals
        self.service_rows = service_rows or []

    def signer(self, roles: str):
        for role in roles.split("|"):
            if role in self.signatures:
                return self.signatures[role]
        return None

    def _signer_value(self, roles, attr):
        row = self.signer(roles)
        if row is None:
            return ""
        if attr == "city_date":
            return f"{row.city} {row.signed_at:%Y-%m-%d}".strip() if row.signed_at else ""
        if attr == "signature":
            signed_in_app = row.signed_at and not self.cert.signed_on_paper
            return electronic_signature_text(row.signed_at) if signed_in_app else ""
        value = getattr(row, attr)
        return "" if value is None else str(value)

    def _study_director(self, attr):
        director = self.trainee.study_director
        if director is None:
            return ""
        last, first = split_name(director.name)
        return {"last_name": last, "first_name": first, "workplace": self.trainee.unit.name}[attr]

    def value(self, source: str):
        cert, trainee = self.cert, self.trainee
        kind, _, rest = source.partition(":")
        if kind == "signer":
            roles, _, attr = rest.partition(":")
            return self._signer_value(roles, attr)
        if kind == "signer_is":
            return rest in self.signatures
        if kind == "appointed":
            appointed = "appointed" in self.signatures
            return appointed if rest == "yes" else (not appointed and "unit_head" in self.signatures)
        if kind == "study_director":
            return self._study_director(rest)
        if kind == "extra":
            return str((cert.extra or {}).get(rest, ""))
        simple = {
            "applicant_last_name": lambda: split_name(trainee.user.name)[0],
            "applicant_first_name": lambda: split_name(trainee.user.name)[1],
            "specialty": lambda: trainee.specialty.name,
            "goal_codes": lambda: ", ".join(goal.code for goal in self.goals),
            "place": lambda: cert.place,
            "period": lambda: period_text(cert.period_start, cert.period_end),
            "place_and_period": lambda: ", ".join(
                part for part in [cert.place, period_text(cert.period_start, cert.period_end)] if part
            ),
            "subject": lambda: cert.subject,
            "subject_and_period": lambda: ", ".join(
                part for part in [cert.subject, period_text(cert.period_start, cert.period_end)] if part
            ),
            "description": lambda: cert.description,
            "course_leader": lambda: str((cert.extra or {}).get("course_leader", "")) or self._course_leader_name(),
            "service_table": lambda: self.service_rows,
        }
        return simple[source]() if source in simple else ""

    def _course_leader_name(self):
        row = self.signatures.get("course_leader")
        return row.name if row else self.cert.place

    def sections(self):
        """The form's sections with each field's value, in the printed order."""
        spec = form_spec(self.cert.form)
        out = []
        for section in spec["sections"]:
            fields = [
                {**field, "value": self.value(field["source"]), "checkbox": field["source"].startswith(CHECKBOXES)}
                for field in section["fields"]
            ]
            signature = self.signer(section["signer"]) if section.get("signer") else None
            out.append({**section, "fields": fields, "signature": signature})
        return out

    def pdf_values(self) -> dict:
        """{pdf field name: text} for filling the blank form; checkboxes are True/False."""
        spec = form_spec(self.cert.form)
        values = {}
        for section in spec["sections"]:
            for field in section["fields"]:
                if field["pdf_field"]:
                    values[field["pdf_field"]] = self.value(field["source"])
        table = spec.get("service_table")
        if table:
            for number, row in enumerate(self.service_rows[: table["rows"]], start=1):
                for column in ("place", "period", "percent", "months"):
                    values[table[column].format(n=number)] = row[column]
            if table.get("total") and self.service_rows:
                values[table["total"]] = f"{sum(float(row['months']) for row in self.service_rows):.1f}"
        return values


def service_rows_for(trainee) -> list[dict]:
    """The tjänsteförteckning rows of a summary form; months come from the shared service summary."""
    from django.utils import timezone

    from portfolio.service import leaves, service_periods, service_summary

    periods = list(service_periods(trainee))
    summary = service_summary(trainee, periods, list(leaves(trainee)), timezone.localdate())
    return [
        {
            "place": period.place,
            "period": period_text(period.start, period.end),
            "percent": str(period.percent),
            "months": f"{summary.by_period.get(period.pk, 0.0):.1f}",
        }
        for period in periods
    ]


def values_for(cert) -> CertificateValues:
    """CertificateValues with the intyg's rows loaded (a few queries, independent of the form)."""
    spec = form_spec(cert.form)
    rows = service_rows_for(cert.trainee) if spec.get("service_table") else None
    return CertificateValues(
        cert,
        signatures=list(cert.signatures.select_related("signer")),
        goals=list(cert.goals.order_by("position", "code")),
        service_rows=rows,
    )
