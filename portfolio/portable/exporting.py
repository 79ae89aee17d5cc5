"""Export a trainee's portfolio as a JSON-able document."""

import base64
import hashlib
import json
import re
from datetime import UTC, datetime

import rules
from django.db.models import Prefetch

from assessments.enums import SignedStatus
from assessments.models import ActionPlanFollowUp, MidTermEvaluation
from portfolio.models import (
    Application,
    CertificateSignature,
    Goal,
    Trainee,
)
from portfolio.portable.common import (
    ASSESSMENT_DRAFTS,
    FORMAT,
    MID_TERM_DATES,
    MID_TERM_TEXTS,
    PDF_MEDIA_TYPE,
    PLAN_CONTENT_FIELDS,
    STATEMENT_DRAFTS,
    SUPERVISION_NOTES,
    VERSION,
)

# --------------------------------------------------------------------------- export


def _iso(value):
    """A date as YYYY-MM-DD; an aware datetime in UTC ISO 8601; None stays None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value.isoformat()


def _canonical(row: dict) -> str:
    # The tie-breaker after the date: the record's own content, so the order does not
    # depend on database ids (which differ between installations).
    return json.dumps(row, ensure_ascii=False, sort_keys=True)


def _by_date(rows, *keys):
    return sorted(rows, key=lambda row: (*(row[key] or "" for key in keys), _canonical(row)))


def _natural(code):
    """c2 before c10: the digit runs of a delmål code compare as numbers."""
    return [int(part) if index % 2 else part for index, part in enumerate(re.split(r"(\d+)", code))]


def _goal_refs(record):
    refs = [{"curriculum": goal.curriculum.kind, "code": goal.code} for goal in record.goals.all()]
    return sorted(refs, key=lambda ref: (ref["curriculum"], _natural(ref["code"]), ref["code"]))


def _unit_ref(unit):
    return None if unit is None else {"region": unit.region.code, "name": unit.name}


class _People:
    """Turns users into e-mail references and remembers the name behind each one."""

    def __init__(self, trainee_user):
        self.trainee_user_id = trainee_user.pk
        self.names = {}

    def ref(self, user):
        if user is None:
            return None
        email = user.email.strip().lower()
        if user.pk != self.trainee_user_id:  # the trainee is described in "trainee"
            self.names[email] = user.name
        return email

    def listing(self):
        return [{"email": email, "name": name} for email, name in sorted(self.names.items())]


def _with_goals(queryset):
    goals = Goal.objects.select_related("curriculum")
    return queryset.prefetch_related(Prefetch("goals", queryset=goals))


def _read_pdf(field_file, missing_files=None):
    """The stored file embedded; a file gone from the storage fails the export, unless the
    caller collects such names in `missing_files` (then it is exported as null)."""
    if not field_file:
        return None
    try:
        with field_file.storage.open(field_file.name, "rb") as handle:
            content = handle.read()
    except FileNotFoundError:
        if missing_files is None:
            raise
        missing_files.append(field_file.name)
        return None
    return {
        "base64": base64.b64encode(content).decode("ascii"),
        "media_type": PDF_MEDIA_TYPE,
        "sha256": hashlib.sha256(content).hexdigest(),
        "size": len(content),
    }


def export_trainee(trainee: Trainee, *, reader=None) -> dict:
    """The whole portfolio of `trainee` as JSON-able data (see export_with_positions)."""
    return export_with_positions(trainee, reader=reader)[0]


def export_with_positions(trainee: Trainee, *, reader=None, missing_files=None) -> tuple[dict, dict]:
    """The whole portfolio of `trainee` as JSON-able data (format version 2).

    `reader` is the person the copy is for, when it is not an administrator's
    server-side copy: the notes of a handledning are left out (null, and listed under
    "withheld") unless the reader may read them, and so are the drafts of
    kompetensvärderingar and handledarutlåtanden that the reader did not write (a draft
    is private to its assessor or author until signed). Visibility of the
    trainee itself is the caller's business (see portfolio/views/portable.py).

    Also returns {intyg database id: position in "certificates"}. With a list as
    `missing_files`, a stored file that is gone is exported as null and its name added to
    the list (the personal copy says so); without it, such a file fails the export.
    """
    trainee = Trainee.objects.select_related(
        "user",
        "unit__region",
        "specialty",
        "regulation",
        "main_supervisor",
        "second_specialist",
        "study_director",
    ).get(pk=trainee.pk)
    people = _People(trainee.user)
    withheld = set()
    user = trainee.user
    document = {
        "format": FORMAT,
        "version": VERSION,
        "trainee": {
            "username": user.username,
            "name": user.name,
            "email": user.email.strip().lower(),
            "hsa_id": user.hsa_id,
            "region": trainee.unit.region.code,
            "unit": trainee.unit.name,
            "specialty": trainee.specialty.slug,
            "regulation": trainee.regulation.code,
            "bt_mode": trainee.bt_mode,
            "bt_approved_on": _iso(trainee.bt_approved_on),
            "st_start": _iso(trainee.st_start),
            "has_doctorate": trainee.has_doctorate,
            "main_supervisor": people.ref(trainee.main_supervisor),
            "second_specialist": people.ref(trainee.second_specialist),
            "study_director": people.ref(trainee.study_director),
        },
        "service_periods": _export_service(trainee, people),
        "leaves": _export_leaves(trainee),
        "supervision_meetings": _export_supervision(trainee, people, reader, withheld),
        "courses": _export_courses(trainee, people, missing_files),
        "other_activities": _export_activities(trainee, people),
        "training_plans": _export_plans(trainee, people),
        "annual_reports": _export_reports(trainee),
        "annual_visits": _export_visits(trainee, people),
        "assessments": _export_assessments(trainee, people, reader, withheld),
        "supervisor_statements": _export_statements(trainee, people, reader, withheld),
        "mid_term": _export_mid_term(trainee, missing_files),
        "action_plans": _export_action_plans(trainee, people),
        "panel_reviews": _export_panel_reviews(trainee),
    }
    # A certificate draft is the trainee's own working copy, not an assessor's private
    # one: every copy has them all (nothing withheld).
    document["certificates"], positions = _export_certificates(trainee, people)
    document["final_reviews"] = _export_final_reviews(trainee, people)
    document["applications"] = _export_applications(trainee, people, positions)
    document["people"] = people.listing()
    document["withheld"] = sorted(withheld)
    return document, positions


def _export_service(trainee, people):
    periods = _with_goals(trainee.service_periods.select_related("unit__region", "specialty", "supervisor"))
    rows = [
        {
            "kind": period.kind,
            "unit": _unit_ref(period.unit),
            "workplace": period.workplace,
            "specialty": period.specialty.slug if period.specialty else None,
            "start": _iso(period.start),
            "end": _iso(period.end),
            "percent": period.percent,
            "supervisor": people.ref(period.supervisor),
            "supervisor_name": period.supervisor_name,
            "goals": _goal_refs(period),
            "notes": period.notes,
        }
        for period in periods
    ]
    return _by_date(rows, "start", "end")


def _export_leaves(trainee):
    rows = [
        {
            "kind": leave.kind,
            "start": _iso(leave.start),
            "end": _iso(leave.end),
            "percent": leave.percent,
            "notes": leave.notes,
        }
        for leave in trainee.leaves.all()
    ]
    return _by_date(rows, "start", "end")


def _export_supervision(trainee, people, reader, withheld):
    # Through the related manager, so meeting.trainee is this trainee without a query.
    meetings = _with_goals(trainee.supervision_meetings.select_related("supervisor", "created_by"))
    rows = []
    for meeting in meetings:
        notes = meeting.notes
        if reader is not None and not rules.has_perm("portfolio.view_supervision_notes", reader, meeting):
            notes = None
            withheld.add(SUPERVISION_NOTES)
        rows.append(
            {
                "date": _iso(meeting.date),
                "minutes": meeting.minutes,
                "kind": meeting.kind,
                "supervisor": people.ref(meeting.supervisor),
                "topics": meeting.topics,
                "goals": _goal_refs(meeting),
                "notes": notes,
                "created_by": people.ref(meeting.created_by),
                "created_at": _iso(meeting.created_at),
            }
        )
    return _by_date(rows, "date")


def _export_courses(trainee, people, missing_files):
    courses = _with_goals(
        trainee.courses.select_related("created_by", "mandatory_course__policy__region", "mandatory_course__specialty")
    )
    rows = []
    for course in courses:
        mandatory = course.mandatory_course
        rows.append(
            {
                "title": course.title,
                "provider": course.provider,
                "start": _iso(course.start),
                "end": _iso(course.end),
                "mandatory_course": None
                if mandatory is None
                else {
                    "region": mandatory.policy.region.code,
                    "specialty": mandatory.specialty.slug if mandatory.specialty else None,
                    "name": mandatory.name,
                },
                "goals": _goal_refs(course),
                "certificate": _read_pdf(course.certificate, missing_files),
                "notes": course.notes,
                "created_by": people.ref(course.created_by),
            }
        )
    return _by_date(rows, "start", "end")


def _export_activities(trainee, people):
    activities = _with_goals(trainee.other_activities.select_related("created_by"))
    rows = [
        {
            "kind": activity.kind,
            "title": activity.title,
            "start": _iso(activity.start),
            "end": _iso(activity.end),
            "description": activity.description,
            "goals": _goal_refs(activity),
            "created_by": people.ref(activity.created_by),
        }
        for activity in activities
    ]
    return _by_date(rows, "start", "end")


def _export_plans(trainee, people):
    plans = _with_goals(trainee.plans.select_related("based_on", "created_by", "decided_by"))
    rows = [
        {
            "version": plan.version,
            "based_on": plan.based_on.version if plan.based_on else None,
            "status": plan.status,
            "goals": _goal_refs(plan),
            **{field: getattr(plan, field) for field in PLAN_CONTENT_FIELDS},
            "self_study_hours_per_week": str(plan.self_study_hours_per_week),
            "created_by": people.ref(plan.created_by),
            "created_at": _iso(plan.created_at),
            "updated_at": _iso(plan.updated_at),
            "submitted_at": _iso(plan.submitted_at),
            "decided_at": _iso(plan.decided_at),
            "decided_by": people.ref(plan.decided_by),
            "decision_comment": plan.decision_comment,
        }
        for plan in plans
    ]
    return sorted(rows, key=lambda row: row["version"])


def _export_reports(trainee):
    rows = [
        {
            "year": report.year,
            "done": report.done,
            "went_well": report.went_well,
            "to_develop": report.to_develop,
            "next_steps": report.next_steps,
            "submitted_at": _iso(report.submitted_at),
            "updated_at": _iso(report.updated_at),
        }
        for report in trainee.annual_reports.all()
    ]
    return sorted(rows, key=lambda row: row["year"])


def _export_visits(trainee, people):
    rows = [
        {
            "date": _iso(visit.date),
            "participants": visit.participants,
            "notes": visit.notes,
            "decisions": visit.decisions,
            "recorded_by": people.ref(visit.recorded_by),
            "created_at": _iso(visit.created_at),
        }
        for visit in trainee.annual_visits.select_related("recorded_by")
    ]
    return _by_date(rows, "date")


# --------------------------------------------------------------------------- assessments app


def _hidden_draft(record, author_id, reader):
    """A draft is private to its assessor or author until signed (assessments.assessing)."""
    return reader is not None and record.status == SignedStatus.DRAFT and author_id != reader.pk


def _service_period_ref(period):
    # Service periods have no natural key of their own; (kind, start, end) names one in
    # the file's service_periods (see docs/portfolio-format.md).
    if period is None:
        return None
    return {"kind": period.kind, "start": _iso(period.start), "end": _iso(period.end)}


def _export_assessments(trainee, people, reader, withheld):
    assessments = _with_goals(trainee.assessments.select_related("template", "assessor", "created_by", "reflection"))
    rows = []
    for assessment in assessments:
        if _hidden_draft(assessment, assessment.assessor_id, reader):
            withheld.add(ASSESSMENT_DRAFTS)
            continue
        reflection = getattr(assessment, "reflection", None)
        rows.append(
            {
                "kind": assessment.kind,
                "template": {"kind": assessment.template.kind, "name": assessment.template.name},
                "scale": assessment.scale,
                "domains": assessment.domains,
                "date": _iso(assessment.date),
                "situation": assessment.situation,
                "goals": _goal_refs(assessment),
                "assessor": people.ref(assessment.assessor),
                "assessor_name": assessment.assessor_name,
                "assessor_email": assessment.assessor_email,
                "assessor_role": assessment.assessor_role,
                "ratings": assessment.ratings,
                "went_well": assessment.went_well,
                "to_develop": assessment.to_develop,
                "status": assessment.status,
                "signed_at": _iso(assessment.signed_at),
                "created_by": people.ref(assessment.created_by),
                "created_at": _iso(assessment.created_at),
                "updated_at": _iso(assessment.updated_at),
                "reflection": None if reflection is None else reflection.text,
                "reflection_updated_at": None if reflection is None else _iso(reflection.updated_at),
            }
        )
    return _by_date(rows, "date")


def _export_statements(trainee, people, reader, withheld):
    statements = trainee.supervisor_statements.select_related("author", "service_period")
    rows = []
    for statement in statements:
        if _hidden_draft(statement, statement.author_id, reader):
            withheld.add(STATEMENT_DRAFTS)
            continue
        rows.append(
            {
                "kind": statement.kind,
                "period_start": _iso(statement.period_start),
                "period_end": _iso(statement.period_end),
                "service_period": _service_period_ref(statement.service_period),
                "progress": statement.progress,
                "strengths": statement.strengths,
                "to_develop": statement.to_develop,
                "on_track": statement.on_track,
                "at_risk": statement.at_risk,
                "risk_note": statement.risk_note,
                "author": people.ref(statement.author),
                "status": statement.status,
                "signed_at": _iso(statement.signed_at),
                "created_at": _iso(statement.created_at),
                "updated_at": _iso(statement.updated_at),
            }
        )
    return _by_date(rows, "period_start", "period_end")


def _export_mid_term(trainee, missing_files):
    mid_term = MidTermEvaluation.objects.filter(trainee=trainee).select_related("plan_version").first()
    if mid_term is None:
        return None
    return {
        "status": mid_term.status,
        **{field: _iso(getattr(mid_term, field)) for field in MID_TERM_DATES},
        **{field: getattr(mid_term, field) for field in MID_TERM_TEXTS},
        "video_consultations": mid_term.video_consultations,
        "report_file": _read_pdf(mid_term.report_file, missing_files),
        "plan_version": mid_term.plan_version.version if mid_term.plan_version else None,
        "created_at": _iso(mid_term.created_at),
        "updated_at": _iso(mid_term.updated_at),
    }


def _export_action_plans(trainee, people):
    follow_ups = ActionPlanFollowUp.objects.select_related("recorded_by")
    plans = trainee.action_plans.select_related("created_by").prefetch_related(
        Prefetch("follow_ups", queryset=follow_ups)
    )
    rows = [
        {
            "opened_on": _iso(plan.opened_on),
            "concern": plan.concern,
            "iup_measures": plan.iup_measures,
            "unit_measures": plan.unit_measures,
            "trainee_demands": plan.trainee_demands,
            "responsible": plan.responsible,
            "follow_up_on": _iso(plan.follow_up_on),
            "closed_on": _iso(plan.closed_on),
            "outcome": plan.outcome,
            "follow_ups": _by_date(
                [
                    {
                        "date": _iso(follow_up.date),
                        "note": follow_up.note,
                        "recorded_by": people.ref(follow_up.recorded_by),
                        "created_at": _iso(follow_up.created_at),
                    }
                    for follow_up in plan.follow_ups.all()
                ],
                "date",
            ),
            "created_by": people.ref(plan.created_by),
            "created_at": _iso(plan.created_at),
            "updated_at": _iso(plan.updated_at),
        }
        for plan in plans
    ]
    return _by_date(rows, "opened_on")


def _export_panel_reviews(trainee):
    # Held panels only: before that the panel's views are not final (and not visible).
    reviews = trainee.panel_reviews.filter(panel__held_at__isnull=False).select_related("panel__unit__region")
    rows = [
        {
            "panel": {"date": _iso(review.panel.date), "unit": _unit_ref(review.panel.unit)},
            "self_assessment": review.self_assessment,
            "self_assessment_at": _iso(review.self_assessment_at),
            "area_views": review.area_views,
            "focus_clinical": review.focus_clinical,
            "focus_non_clinical": review.focus_non_clinical,
        }
        for review in reviews
    ]
    return sorted(rows, key=lambda row: (row["panel"]["date"], _canonical(row)))


# --------------------------------------------------------------------------- intyg


def _course_ref(course):
    # Like a tjänstgöring, a course has no natural key: (title, start, end) names one in
    # the file's courses, an activity (kind, title, start) one in other_activities.
    if course is None:
        return None
    return {"title": course.title, "start": _iso(course.start), "end": _iso(course.end)}


def _activity_ref(activity):
    if activity is None:
        return None
    return {"kind": activity.kind, "title": activity.title, "start": _iso(activity.start)}


def _export_certificates(trainee, people):
    """The intyg, and {database id: position in the list} for the references to them.

    An intyg is referred to (by the one that corrects it, by an application) by its
    position in `certificates`. The order is fixed before the positions are filled in, so
    it does not depend on them: by period, then by content without `supersedes`.
    """
    signatures = CertificateSignature.objects.select_related("signer")
    certificates = _with_goals(
        trainee.certificates.select_related("created_by", "service_period", "course", "activity")
    ).prefetch_related(Prefetch("signatures", queryset=signatures))
    rows = []
    for cert in certificates:
        row = {
            "form": cert.form,
            "goals": _goal_refs(cert),
            "place": cert.place,
            "period_start": _iso(cert.period_start),
            "period_end": _iso(cert.period_end),
            "subject": cert.subject,
            "description": cert.description,
            "extra": cert.extra,
            "service_period": _service_period_ref(cert.service_period),
            "course": _course_ref(cert.course),
            "activity": _activity_ref(cert.activity),
            "signed_on_paper": cert.signed_on_paper,
            "status": cert.status,
            "signed_at": _iso(cert.signed_at),
            "created_by": people.ref(cert.created_by),
            "created_at": _iso(cert.created_at),
            "updated_at": _iso(cert.updated_at),
            "signatures": sorted(
                (_signature(signature, people) for signature in cert.signatures.all()),
                key=lambda signature: signature["role"],  # one signature per role
            ),
        }
        rows.append((row, cert.pk, cert.supersedes_id))
    # Sorted by the row without `supersedes` (not filled in yet); equal rows keep the
    # database order, which an import recreates.
    rows.sort(key=lambda item: (item[0]["period_start"] or "", item[0]["period_end"] or "", _canonical(item[0])))
    positions = {pk: index for index, (_row, pk, _supersedes) in enumerate(rows)}
    for row, _pk, supersedes in rows:
        row["supersedes"] = None if supersedes is None else positions[supersedes]
    return [row for row, _pk, _supersedes in rows], positions


def _signature(signature, people):
    return {
        "role": signature.role,
        "signer": people.ref(signature.signer),
        "name": signature.name,
        "specialty": signature.specialty,
        "workplace": signature.workplace,
        "city": signature.city,
        "supervisor_training_year": signature.supervisor_training_year,
        "signed_at": _iso(signature.signed_at),
    }


def _export_final_reviews(trainee, people):
    rows = [
        {
            "date": _iso(review.date),
            "verdict": review.verdict,
            "remarks": review.remarks,
            "reviewer": people.ref(review.reviewer),
            "created_at": _iso(review.created_at),
        }
        for review in trainee.final_reviews.select_related("reviewer")
    ]
    return _by_date(rows, "date")


def _export_applications(trainee, people, positions):
    # The intyg of each application straight from the link table: only their ids are needed.
    links = Application.certificates.through.objects.filter(application__trainee=trainee)
    contained = {}
    for application_id, certificate_id in links.values_list("application_id", "certificate_id"):
        contained.setdefault(application_id, []).append(positions[certificate_id])
    rows = [
        {
            "kind": application.kind,
            "finalised_at": _iso(application.finalised_at),
            "finalised_by": people.ref(application.finalised_by),
            "pages": application.pages,
            "sha256": application.sha256,
            "certificates": sorted(contained.get(application.pk, [])),
        }
        for application in trainee.applications.select_related("finalised_by")
    ]
    return _by_date(rows, "finalised_at")
