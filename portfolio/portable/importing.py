"""Import a portfolio document into this installation, in one transaction."""

import re

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from accounts.domain import policy_for, record_event
from accounts.models import MandatoryCourse, Region, Specialty, Unit
from assessments.enums import (
    AssessmentKind,
    AssessorRole,
    MidTermStatus,
    OnTrack,
    ScaleKind,
    SignedStatus,
    StatementKind,
)
from assessments.models import (
    ActionPlan,
    ActionPlanFollowUp,
    Assessment,
    AssessmentReflection,
    AssessmentTemplate,
    MidTermEvaluation,
    SupervisorStatement,
)
from portfolio.enums import (
    CertificateForm,
    CurriculumKind,
    FinalReviewVerdict,
    OtherActivityKind,
    ServiceKind,
    SignerRole,
)
from portfolio.models import (
    AnnualReport,
    AnnualVisit,
    Application,
    Certificate,
    CertificateSignature,
    Course,
    Curriculum,
    FinalReview,
    Goal,
    Leave,
    OtherActivity,
    Regulation,
    ServicePeriod,
    SupervisionMeeting,
    Trainee,
    TrainingPlan,
)
from portfolio.portable.common import (
    MID_TERM_DATES,
    MID_TERM_TEXTS,
    PLAN_CONTENT_FIELDS,
    SUPERVISION_NOTES,
    WITHHELD_ENTRIES,
    PortfolioImportError,
)
from portfolio.portable.reading import (
    _certificate,
    _domains,
    _fail,
    _goal_list,
    _Row,
    check_format,
    check_no_nul,
    upgrade,
)

# --------------------------------------------------------------------------- import


def import_trainee(data, *, by=None) -> Trainee:
    """Create the trainee and every record of the portfolio `data` (see export_trainee).

    All or nothing: the database work is one transaction, and certificate files written
    to storage before a failure are removed again. Raises PortfolioImportError with a
    message naming what is wrong (and where in the file).

    The returned trainee carries `not_imported`: {section: number of records} the file
    holds for the record only and that are not created here (the specialistkollegium
    reviews, which belong to the old unit's kollegium).
    """
    source_version = check_format(data)
    check_no_nul(data)
    saved_files = []
    try:
        with transaction.atomic():
            importer = _Importer(upgrade(data), saved_files)
            trainee = importer.run()
            record_event(
                by,
                "portfolio.imported",
                trainee,
                source_version=source_version,
                created_people=importer.created_people,
                withheld=sorted(importer.withheld),
                not_imported=importer.not_imported,
            )
    except IntegrityError as error:
        _delete_files(saved_files)
        raise PortfolioImportError(_("The file breaks a rule of the database: %(error)s") % {"error": error}) from error
    except BaseException:
        _delete_files(saved_files)
        raise
    trainee.not_imported = importer.not_imported
    return trainee


def _delete_files(files):
    for storage, name in files:
        storage.delete(name)


def _validate(instance, where):
    """The model's own field and record rules, as an import error naming the place in the file."""
    relations = [field.name for field in instance._meta.concrete_fields if field.is_relation]
    try:
        instance.clean_fields(exclude=[*relations, "certificate", "report_file"])
        instance.clean()
    except ValidationError as error:
        details = "; ".join(
            f"{field}: {' '.join(str(message) for message in messages)}"
            for field, messages in error.message_dict.items()
        )
        raise PortfolioImportError(f"{where}: {details}") from error


def _username_base(email):
    local = re.sub(r"[^\w.@+-]", "", email.split("@", 1)[0].lower())
    return (local or "person")[:140]


class _Importer:
    def __init__(self, data, saved_files):
        self.doc = _Row(data, "$")
        self.saved_files = saved_files
        self.created_people = []
        self.not_imported = {}

    def run(self):
        doc = self.doc
        doc.text("format")
        doc.integer("version")
        self.withheld = set(doc.texts("withheld"))
        for entry in sorted(self.withheld - set(WITHHELD_ENTRIES)):
            _fail(_("$.withheld: unknown entry %(entry)s."), entry=entry)
        trainee_row = doc.row("trainee")
        self.names = self._people_directory(doc.rows("people"))
        sections = {key: doc.rows(key) for key in _SECTIONS}
        mid_term = doc.row("mid_term", null=True)
        panel_reviews = doc.rows("panel_reviews")
        doc.done()

        self.trainee = self._create_trainee(trainee_row, sections)
        for key, create in _SECTIONS.items():
            create(self, sections[key])
        self._mid_term(mid_term)
        self._panel_reviews(panel_reviews)
        return self.trainee

    # -- references ---------------------------------------------------------------

    def _people_directory(self, rows):
        names = {}
        for row in rows:
            email = row.text("email").strip().lower()
            names[email] = row.text("name")
            row.done()
        return names

    def _resolve_organisation(self, trainee_row, sections):
        """Every region and unit the file names, or one error listing all that are missing."""
        wanted = {(trainee_row.text("region"), trainee_row.text("unit"))}
        for period in sections["service_periods"]:
            unit = period.row("unit", null=True)
            if unit is not None:
                wanted.add((unit.text("region"), unit.text("name")))
                unit.done()
        region_codes = {region for region, _name in wanted}
        regions = {region.code: region for region in Region.objects.filter(code__in=region_codes)}
        units = {
            (unit.region.code, unit.name): unit
            for unit in Unit.objects.filter(region__code__in=region_codes).select_related("region")
        }
        missing = [_("region %(code)s") % {"code": code} for code in sorted(region_codes - set(regions))]
        missing += [
            _("unit “%(name)s” in region %(region)s") % {"name": name, "region": region}
            for region, name in sorted(wanted)
            if region in regions and (region, name) not in units
        ]
        if missing:
            _fail(
                _("These do not exist in this installation; create them before importing: %(missing)s."),
                missing="; ".join(missing),
            )
        self.units = units

    def _resolve_reference_data(self, trainee_row, sections):
        slugs = {trainee_row.text("specialty")}
        slugs |= {p.text("specialty", null=True) for p in sections["service_periods"]} - {None}
        self.specialties = {s.slug: s for s in Specialty.objects.filter(slug__in=slugs)}
        for slug in sorted(slugs - set(self.specialties)):
            _fail(_("The specialty %(slug)s does not exist in this installation."), slug=slug)
        code = trainee_row.text("regulation")
        self.regulation = Regulation.objects.filter(code=code).first()
        if self.regulation is None:
            _fail(_("The regulation %(code)s does not exist in this installation."), code=code)
        specialty = self.specialties[trainee_row.text("specialty")]
        curricula = Curriculum.objects.filter(
            regulation=self.regulation, kind=CurriculumKind.BT
        ) | Curriculum.objects.filter(regulation=self.regulation, kind=CurriculumKind.ST, specialty=specialty)
        self.goals = {
            (kind, code): pk
            for pk, kind, code in Goal.objects.filter(curriculum__in=curricula).values_list(
                "pk", "curriculum__kind", "code"
            )
        }

    def _goal_ids(self, row):
        ids = []
        for curriculum, code, where in _goal_list(row):
            if (curriculum, code) not in self.goals:
                _fail(
                    _("%(where)s: there is no delmål %(code)s in the trainee's %(curriculum)s målbeskrivning."),
                    where=where,
                    code=code,
                    curriculum=curriculum,
                )
            ids.append(self.goals[curriculum, code])
        return ids

    def _mandatory_course(self, course_row):
        ref = course_row.row("mandatory_course", null=True)
        if ref is None:
            return None
        region, specialty, name = ref.text("region"), ref.text("specialty", null=True), ref.text("name")
        ref.done()
        found = None
        if Region.objects.filter(code=region).exists():
            # The region's policy and its default courses exist from first use (accounts.domain).
            policy = policy_for(Region.objects.get(code=region))
            courses = MandatoryCourse.objects.filter(policy=policy, name=name)
            courses = courses.filter(specialty__slug=specialty) if specialty else courses.filter(specialty=None)
            found = courses.first()
        if found is None:
            _fail(
                _("%(where)s: the mandatory course “%(name)s” of region %(region)s does not exist here."),
                where=ref.where,
                name=name,
                region=region,
            )
        return found

    def _person(self, email, where):
        if email is None:
            return None
        email = email.strip().lower()
        if email == self.trainee_email:
            return self.trainee_user
        if email not in self.people:
            _fail(_("%(where)s: %(email)s is not listed under people."), where=where, email=email)
        return self.people[email]

    def _resolve_people(self, trainee_row):
        """Find everyone by e-mail (case-insensitive); create the missing as inactive users."""
        User = get_user_model()
        self.trainee_email = trainee_row.text("email").strip().lower()
        emails = {self.trainee_email, *self.names}
        if "" in emails:
            _fail(_("A person without an e-mail address cannot be imported."))
        found = {
            user.email_ci: user for user in User.objects.annotate(email_ci=Lower("email")).filter(email_ci__in=emails)
        }

        def create(username, email, name, **extra):
            base, number = username, 1
            while User.objects.filter(username=username).exists():
                number += 1
                username = f"{base}-{number}"
            user = User(username=username, email=email, name=name, is_active=False, **extra)
            user.set_unusable_password()
            _validate(user, f"people[{email}]")
            user.save()
            self.created_people.append(email)
            return user

        # The trainee first, under the exported user name when it is free.
        username = trainee_row.text("username")
        if Trainee.objects.filter(user__username=username).exists():
            _fail(_("There is already an ST-läkare with the user name %(username)s."), username=username)
        hsa_id = trainee_row.text("hsa_id")
        self.trainee_user = found.get(self.trainee_email)
        if self.trainee_user is not None:
            if Trainee.objects.filter(user=self.trainee_user).exists():
                _fail(_("The person %(email)s is already an ST-läkare here."), email=self.trainee_email)
        else:
            if hsa_id and User.objects.filter(hsa_id=hsa_id).exists():
                _fail(_("The HSA-id %(hsa_id)s belongs to another person in this installation."), hsa_id=hsa_id)
            self.trainee_user = create(username, self.trainee_email, trainee_row.text("name"), hsa_id=hsa_id)
        self.people = {}
        for email, name in sorted(self.names.items()):
            if email == self.trainee_email:
                continue
            self.people[email] = found.get(email) or create(_username_base(email), email, name)

    # -- records ------------------------------------------------------------------

    def _create_trainee(self, row, sections):
        self._resolve_organisation(row, sections)
        self._resolve_reference_data(row, sections)
        self._resolve_people(row)
        trainee = Trainee(
            user=self.trainee_user,
            unit=self.units[row.text("region"), row.text("unit")],
            specialty=self.specialties[row.text("specialty")],
            regulation=self.regulation,
            bt_mode=row.text("bt_mode"),
            bt_approved_on=row.date("bt_approved_on", null=True),
            st_start=row.date("st_start"),
            has_doctorate=row.boolean("has_doctorate"),
            main_supervisor=self._person(row.text("main_supervisor", null=True), row.where),
            second_specialist=self._person(row.text("second_specialist", null=True), row.where),
            study_director=self._person(row.text("study_director", null=True), row.where),
        )
        for key in ("username", "name", "email", "hsa_id"):
            row.text(key)
        row.done()
        _validate(trainee, row.where)
        trainee.save()
        return trainee

    def _bulk(self, model, items, *, auto_fields=()):
        """Insert (instance, goal ids) pairs; restore delmål and the timestamps Django sets itself."""
        for instance, _goals, where in items:
            _validate(instance, where)
        # auto_now / auto_now_add overwrite these on insert (on the instance too), so keep
        # the file's values and write them back with bulk_update, which takes them as given.
        stamps = [{field: getattr(instance, field) for field in auto_fields} for instance, _g, _w in items]
        created = model.objects.bulk_create([instance for instance, _goals, _where in items])
        if auto_fields and created:
            for instance, values in zip(created, stamps, strict=True):
                for field, value in values.items():
                    setattr(instance, field, value)
            model.objects.bulk_update(created, list(auto_fields))
        if "goals" in {field.name for field in model._meta.many_to_many}:
            field = model._meta.get_field("goals")
            through = field.remote_field.through
            source, target = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
            through.objects.bulk_create(
                through(**{source: instance.pk, target: goal_id})
                for instance, goal_ids, _where in items
                for goal_id in goal_ids
            )
        return created

    def _service_periods(self, rows):
        items = []
        for row in rows:
            unit = row.row("unit", null=True)
            specialty = row.text("specialty", null=True)
            period = ServicePeriod(
                trainee=self.trainee,
                kind=row.text("kind"),
                unit=None if unit is None else self.units[unit.text("region"), unit.text("name")],
                workplace=row.text("workplace"),
                specialty=None if specialty is None else self.specialties[specialty],
                start=row.date("start"),
                end=row.date("end"),
                percent=row.integer("percent"),
                supervisor=self._person(row.text("supervisor", null=True), row.where),
                supervisor_name=row.text("supervisor_name"),
                notes=row.text("notes"),
            )
            goal_ids = self._goal_ids(row)
            row.done()
            items.append((period, goal_ids, row.where))
        created = self._bulk(ServicePeriod, items)
        self.service_periods = {}
        for period in created:
            # Identical periods are interchangeable: either one is the same reference.
            self.service_periods.setdefault((period.kind, period.start, period.end), period)

    def _leaves(self, rows):
        items = []
        for row in rows:
            leave = Leave(
                trainee=self.trainee,
                kind=row.text("kind"),
                start=row.date("start"),
                end=row.date("end"),
                percent=row.integer("percent"),
                notes=row.text("notes"),
            )
            row.done()
            items.append((leave, [], row.where))
        self._bulk(Leave, items)

    def _supervision_meetings(self, rows):
        items = []
        for row in rows:
            notes = row.text("notes", null=SUPERVISION_NOTES in self.withheld)
            meeting = SupervisionMeeting(
                trainee=self.trainee,
                date=row.date("date"),
                minutes=row.integer("minutes"),
                kind=row.text("kind"),
                supervisor=self._person(row.text("supervisor", null=True), row.where),
                topics=row.text("topics"),
                # null: withheld from the copy the file was made for (see "withheld").
                notes=notes or "",
                created_by=self._person(row.text("created_by", null=True), row.where),
                created_at=row.datetime("created_at"),
            )
            items.append((meeting, self._goal_ids(row), row.where))
            row.done()
        self._bulk(SupervisionMeeting, items, auto_fields=["created_at"])

    def _courses(self, rows):
        items, certificates = [], []
        for row in rows:
            course = Course(
                trainee=self.trainee,
                title=row.text("title"),
                provider=row.text("provider"),
                start=row.date("start"),
                end=row.date("end"),
                mandatory_course=self._mandatory_course(row),
                notes=row.text("notes"),
                created_by=self._person(row.text("created_by", null=True), row.where),
            )
            certificates.append(_certificate(row))
            items.append((course, self._goal_ids(row), row.where))
            row.done()
        created = self._bulk(Course, items)
        self.courses = {}
        for course in created:
            # Identical courses are interchangeable: either one is the same reference.
            self.courses.setdefault((course.title, course.start, course.end), course)
        # Files last, once each course has the id its storage path is made of.
        with_files = []
        for course, content in zip(created, certificates, strict=True):
            if content is not None:
                course.certificate.save("intyg.pdf", ContentFile(content), save=False)
                self.saved_files.append((course.certificate.storage, course.certificate.name))
                with_files.append(course)
        if with_files:
            Course.objects.bulk_update(with_files, ["certificate"])

    def _other_activities(self, rows):
        items = []
        for row in rows:
            activity = OtherActivity(
                trainee=self.trainee,
                kind=row.text("kind"),
                title=row.text("title"),
                start=row.date("start"),
                end=row.date("end", null=True),
                description=row.text("description"),
                created_by=self._person(row.text("created_by", null=True), row.where),
            )
            items.append((activity, self._goal_ids(row), row.where))
            row.done()
        self.activities = {}
        for activity in self._bulk(OtherActivity, items):
            self.activities.setdefault((activity.kind, activity.title, activity.start), activity)

    def _training_plans(self, rows):
        items, based_on = [], {}
        for row in rows:
            plan = TrainingPlan(
                trainee=self.trainee,
                version=row.integer("version"),
                # Created with its final status: bulk_create never calls save(), so an
                # approved version is inserted as approved and never "changed".
                status=row.text("status"),
                **{field: row.text(field) for field in PLAN_CONTENT_FIELDS},
                self_study_hours_per_week=row.decimal("self_study_hours_per_week"),
                created_by=self._person(row.text("created_by", null=True), row.where),
                created_at=row.datetime("created_at"),
                updated_at=row.datetime("updated_at"),
                submitted_at=row.datetime("submitted_at", null=True),
                decided_at=row.datetime("decided_at", null=True),
                decided_by=self._person(row.text("decided_by", null=True), row.where),
                decision_comment=row.text("decision_comment"),
            )
            if plan.version in based_on:
                _fail(_("%(where)s: version %(version)s appears twice."), where=row.where, version=plan.version)
            based_on[plan.version] = (row.integer("based_on", null=True), row.where)
            items.append((plan, self._goal_ids(row), row.where))
            row.done()
        for version, (earlier, where) in based_on.items():
            if earlier is not None and (earlier >= version or earlier not in based_on):
                _fail(_("%(where)s: based_on must name an earlier version in the file."), where=where)
        # bulk_create and bulk_update are QuerySet operations that bypass TrainingPlan.save(),
        # which refuses to touch an approved version: these rows are restored, not changed.
        created = self._bulk(TrainingPlan, items, auto_fields=["created_at", "updated_at"])
        by_version = {plan.version: plan for plan in created}
        self.plans_by_version = by_version
        revisions = []
        for plan in created:
            earlier = based_on[plan.version][0]
            if earlier is not None:
                plan.based_on = by_version[earlier]
                revisions.append(plan)
        if revisions:
            TrainingPlan.objects.bulk_update(revisions, ["based_on"])

    def _annual_reports(self, rows):
        items = []
        for row in rows:
            report = AnnualReport(
                trainee=self.trainee,
                year=row.integer("year"),
                done=row.text("done"),
                went_well=row.text("went_well"),
                to_develop=row.text("to_develop"),
                next_steps=row.text("next_steps"),
                submitted_at=row.datetime("submitted_at", null=True),
                updated_at=row.datetime("updated_at"),
            )
            row.done()
            items.append((report, [], row.where))
        self._bulk(AnnualReport, items, auto_fields=["updated_at"])

    def _annual_visits(self, rows):
        items = []
        for row in rows:
            visit = AnnualVisit(
                trainee=self.trainee,
                date=row.date("date"),
                participants=row.text("participants"),
                notes=row.text("notes"),
                decisions=row.text("decisions"),
                recorded_by=self._person(row.text("recorded_by", null=True), row.where),
                created_at=row.datetime("created_at"),
            )
            row.done()
            items.append((visit, [], row.where))
        self._bulk(AnnualVisit, items, auto_fields=["created_at"])

    # -- the assessments app --------------------------------------------------------

    def _template(self, row, kind):
        """The template of `kind` this installation uses for the trainee's region.

        The file's template is informational (templates are reference data): one of the
        same kind and name is preferred, else the region's own, else the national one.
        """
        ref = row.row("template")
        ref_kind, name = ref.text("kind"), ref.text("name")
        ref.done()
        if not hasattr(self, "templates"):
            region = self.trainee.unit.region
            self.templates = list(AssessmentTemplate.objects.filter(Q(region=region) | Q(region__isnull=True)))
        candidates = [template for template in self.templates if template.kind == kind]
        if ref_kind != kind:
            _fail(_("%(where)s: the template is of another kind than the assessment."), where=ref.where)
        if not candidates:
            _fail(_("%(where)s: there is no template for %(kind)s in this installation."), where=ref.where, kind=kind)
        named = [template for template in candidates if template.name == name]
        regional = [template for template in candidates if template.region_id is not None]
        return (named or regional or candidates)[0]

    def _signed(self, row):
        status = row.choice("status", SignedStatus)
        return status, row.datetime("signed_at", null=True)

    def _assessments(self, rows):
        items, reflections = [], []
        for row in rows:
            kind = row.choice("kind", AssessmentKind)
            status, signed_at = self._signed(row)
            assessment = Assessment(
                trainee=self.trainee,
                kind=kind,
                template=self._template(row, kind),
                scale=row.choice("scale", ScaleKind),
                domains=_domains(row),
                date=row.date("date"),
                situation=row.text("situation"),
                assessor=self._person(row.text("assessor", null=True), row.where),
                assessor_name=row.text("assessor_name"),
                assessor_email=row.text("assessor_email"),
                assessor_role=row.choice("assessor_role", AssessorRole),
                ratings=row.mapping("ratings", values=(int, str, type(None))),
                went_well=row.text("went_well"),
                to_develop=row.text("to_develop"),
                # Inserted with its final status: bulk_create never calls save(), so a signed
                # assessment is restored as signed, not changed (portfolio/models/signed.py).
                status=status,
                signed_at=signed_at,
                created_by=self._person(row.text("created_by", null=True), row.where),
                created_at=row.datetime("created_at"),
                updated_at=row.datetime("updated_at"),
            )
            text = row.text("reflection", null=True)
            reflected_at = row.datetime("reflection_updated_at", null=True)
            if (text is None) != (reflected_at is None):
                _fail(_("%(where)s: a reflection needs both its text and its time."), where=row.where)
            reflections.append((text, reflected_at))
            # The through rows are inserted directly: the m2m signal refuses links on a signed one.
            items.append((assessment, self._goal_ids(row), row.where))
            row.done()
        created = self._bulk(Assessment, items, auto_fields=["created_at", "updated_at"])
        kept = [
            (AssessmentReflection(assessment=assessment, text=text, updated_at=at), [], where)
            for assessment, (text, at), (_a, _g, where) in zip(created, reflections, items, strict=True)
            if text is not None
        ]
        self._bulk(AssessmentReflection, kept, auto_fields=["updated_at"])

    def _service_period_ref(self, row):
        ref = row.row("service_period", null=True)
        if ref is None:
            return None
        key = (ref.choice("kind", ServiceKind), ref.date("start"), ref.date("end"))
        ref.done()
        if key not in self.service_periods:
            _fail(_("%(where)s: no tjänstgöring in the file has this kind, start and end."), where=ref.where)
        return self.service_periods[key]

    def _supervisor_statements(self, rows):
        items = []
        for row in rows:
            status, signed_at = self._signed(row)
            author = self._person(row.text("author", null=True), row.where)
            if author is None:
                _fail(_("%(where)s: a handledarutlåtande must name its author."), where=row.where)
            statement = SupervisorStatement(
                trainee=self.trainee,
                kind=row.choice("kind", StatementKind),
                period_start=row.date("period_start"),
                period_end=row.date("period_end"),
                service_period=self._service_period_ref(row),
                progress=row.mapping("progress"),
                strengths=row.text("strengths"),
                to_develop=row.text("to_develop"),
                on_track=row.choice("on_track", OnTrack),
                at_risk=row.boolean("at_risk"),
                risk_note=row.text("risk_note"),
                author=author,
                status=status,
                signed_at=signed_at,
                created_at=row.datetime("created_at"),
                updated_at=row.datetime("updated_at"),
            )
            row.done()
            items.append((statement, [], row.where))
        self._bulk(SupervisorStatement, items, auto_fields=["created_at", "updated_at"])

    def _action_plans(self, rows):
        items, follow_ups = [], []
        for row in rows:
            plan = ActionPlan(
                trainee=self.trainee,
                opened_on=row.date("opened_on"),
                **{field: row.text(field) for field in _ACTION_PLAN_TEXTS},
                follow_up_on=row.date("follow_up_on"),
                closed_on=row.date("closed_on", null=True),
                created_by=self._person(row.text("created_by", null=True), row.where),
                created_at=row.datetime("created_at"),
                updated_at=row.datetime("updated_at"),
            )
            follow_ups.append([self._follow_up(entry) for entry in row.rows("follow_ups")])
            row.done()
            items.append((plan, [], row.where))
        created = self._bulk(ActionPlan, items, auto_fields=["created_at", "updated_at"])
        entries = []
        for plan, plan_follow_ups, (_p, _g, where) in zip(created, follow_ups, items, strict=True):
            for index, follow_up in enumerate(plan_follow_ups):
                follow_up.plan = plan
                entries.append((follow_up, [], f"{where}.follow_ups[{index}]"))
        self._bulk(ActionPlanFollowUp, entries, auto_fields=["created_at"])

    def _follow_up(self, row):
        follow_up = ActionPlanFollowUp(
            date=row.date("date"),
            note=row.text("note"),
            recorded_by=self._person(row.text("recorded_by", null=True), row.where),
            created_at=row.datetime("created_at"),
        )
        row.done()
        return follow_up

    def _mid_term(self, row):
        if row is None:
            return
        version = row.integer("plan_version", null=True)
        if version is not None and version not in self.plans_by_version:
            _fail(_("%(where)s: plan_version must name an IUP version in the file."), where=row.where)
        mid_term = MidTermEvaluation(
            trainee=self.trainee,
            status=row.choice("status", MidTermStatus),
            **{field: row.date(field, null=True) for field in MID_TERM_DATES},
            **{field: row.text(field) for field in MID_TERM_TEXTS},
            video_consultations=row.integer("video_consultations", null=True),
            plan_version=None if version is None else self.plans_by_version[version],
            created_at=row.datetime("created_at"),
            updated_at=row.datetime("updated_at"),
        )
        report = _certificate(row, "report_file")
        row.done()
        [created] = self._bulk(MidTermEvaluation, [(mid_term, [], row.where)], auto_fields=["created_at", "updated_at"])
        if report is not None:
            # Stored once the row exists: the storage path is made of the trainee's id.
            created.report_file.save("rapport.pdf", ContentFile(report), save=False)
            self.saved_files.append((created.report_file.storage, created.report_file.name))
            MidTermEvaluation.objects.filter(pk=created.pk).update(report_file=created.report_file.name)

    def _panel_reviews(self, rows):
        """Read and checked, never created: they belong to the old unit's specialistkollegium."""
        for row in rows:
            panel = row.row("panel")
            panel.date("date")
            unit = panel.row("unit")
            unit.text("region")
            unit.text("name")
            unit.done()
            panel.done()
            row.text("self_assessment")
            row.datetime("self_assessment_at", null=True)
            row.mapping("area_views")
            row.text("focus_clinical")
            row.text("focus_non_clinical")
            row.done()
        if rows:
            self.not_imported["panel_reviews"] = len(rows)

    # -- intyg ----------------------------------------------------------------------

    def _course_ref(self, row):
        ref = row.row("course", null=True)
        if ref is None:
            return None
        key = (ref.text("title"), ref.date("start"), ref.date("end"))
        ref.done()
        if key not in self.courses:
            _fail(_("%(where)s: no course in the file has this title, start and end."), where=ref.where)
        return self.courses[key]

    def _activity_ref(self, row):
        ref = row.row("activity", null=True)
        if ref is None:
            return None
        key = (ref.choice("kind", OtherActivityKind), ref.text("title"), ref.date("start"))
        ref.done()
        if key not in self.activities:
            _fail(_("%(where)s: no activity in the file has this kind, title and start."), where=ref.where)
        return self.activities[key]

    def _certificates(self, rows):
        items, signatures, supersedes = [], [], []
        for row in rows:
            status, signed_at = self._signed(row)
            certificate = Certificate(
                trainee=self.trainee,
                form=row.choice("form", CertificateForm),
                place=row.text("place"),
                period_start=row.date("period_start", null=True),
                period_end=row.date("period_end", null=True),
                subject=row.text("subject"),
                description=row.text("description"),
                extra=row.json_object("extra"),
                service_period=self._service_period_ref(row),
                course=self._course_ref(row),
                activity=self._activity_ref(row),
                signed_on_paper=row.boolean("signed_on_paper"),
                # Inserted signed: bulk_create never calls save(), so the intyg is restored,
                # not changed, and its delmål go straight into the link table.
                status=status,
                signed_at=signed_at,
                created_by=self._person(row.text("created_by", null=True), row.where),
                created_at=row.datetime("created_at"),
                updated_at=row.datetime("updated_at"),
            )
            start, end = certificate.period_start, certificate.period_end
            if start is not None and end is not None and end < start:
                _fail(_("%(where)s: period_end is before period_start."), where=row.where)
            signatures.append([self._signature(entry) for entry in row.rows("signatures")])
            supersedes.append(row.integer("supersedes", null=True))
            items.append((certificate, self._goal_ids(row), row.where))
            row.done()
        corrected = _corrections(supersedes, [where for _c, _g, where in items])
        created = self._bulk(Certificate, items, auto_fields=["created_at", "updated_at"])
        self.certificates = created
        entries = []
        for certificate, given, (_c, _g, where) in zip(created, signatures, items, strict=True):
            roles = set()
            for index, signature in enumerate(given):
                place = f"{where}.signatures[{index}]"
                if signature.role in roles:
                    _fail(_("%(where)s: the intyg has another signature with this role."), where=place)
                roles.add(signature.role)
                signature.certificate = certificate
                entries.append((signature, [], place))
        # bulk_create: a given signature is inserted with its time, never saved again.
        self._bulk(CertificateSignature, entries)
        # Second pass, once every intyg exists: a QuerySet update, not save(), so a signed
        # correction is linked to the intyg it corrects without being "changed".
        for later, earlier in corrected.items():
            Certificate.objects.filter(pk=created[later].pk).update(supersedes=created[earlier])

    def _signature(self, row):
        signature = CertificateSignature(
            role=row.choice("role", SignerRole),
            signer=self._person(row.text("signer", null=True), row.where),
            name=row.text("name"),
            specialty=row.text("specialty"),
            workplace=row.text("workplace"),
            city=row.text("city"),
            supervisor_training_year=row.integer("supervisor_training_year", null=True),
            signed_at=row.datetime("signed_at", null=True),
        )
        row.done()
        return signature

    def _final_reviews(self, rows):
        items = []
        for row in rows:
            review = FinalReview(
                trainee=self.trainee,
                date=row.date("date"),
                verdict=row.choice("verdict", FinalReviewVerdict),
                remarks=row.text("remarks"),
                reviewer=self._person(row.text("reviewer"), row.where),
                created_at=row.datetime("created_at"),
            )
            row.done()
            items.append((review, [], row.where))
        self._bulk(FinalReview, items, auto_fields=["created_at"])

    def _applications(self, rows):
        items, contained = [], []
        for row in rows:
            application = Application(
                trainee=self.trainee,
                kind=row.choice("kind", _APPLICATION_KINDS),
                finalised_at=row.datetime("finalised_at"),
                finalised_by=self._person(row.text("finalised_by"), row.where),
                pages=row.integer("pages"),
                sha256=row.text("sha256"),
            )
            positions = row.integers("certificates")
            if any(not 0 <= position < len(self.certificates) for position in positions):
                _fail(
                    _("%(where)s.certificates: every entry must be the position of an intyg in the file."),
                    where=row.where,
                )
            contained.append(sorted(set(positions)))
            row.done()
            items.append((application, [], row.where))
        created = self._bulk(Application, items)
        through = Application.certificates.through
        through.objects.bulk_create(
            through(application_id=application.pk, certificate_id=self.certificates[position].pk)
            for application, positions in zip(created, contained, strict=True)
            for position in positions
        )


def _corrections(supersedes, places):
    """{position of a correction: position of the intyg it corrects}, checked.

    Each intyg corrects at most one other and is corrected at most once, never itself,
    and the corrections never go round in a circle.
    """
    corrected = {}
    for index, (earlier, where) in enumerate(zip(supersedes, places, strict=True)):
        if earlier is None:
            continue
        if not 0 <= earlier < len(supersedes) or earlier == index:
            _fail(_("%(where)s: supersedes must be the position of another intyg in the file."), where=where)
        if earlier in corrected.values():
            _fail(_("%(where)s: supersedes names an intyg that another one supersedes too."), where=where)
        corrected[index] = earlier
    for start, where in enumerate(places):
        seen, current = {start}, corrected.get(start)
        while current is not None:
            if current in seen:
                _fail(_("%(where)s: supersedes goes round in a circle of corrections."), where=where)
            seen.add(current)
            current = corrected.get(current)
    return corrected


_APPLICATION_KINDS = [value for value, _label in Application._meta.get_field("kind").choices]
_ACTION_PLAN_TEXTS = ("concern", "iup_measures", "unit_measures", "trainee_demands", "responsible", "outcome")

# The sections of the file and the method that creates each one, in the order they are created.
_SECTIONS = {
    "service_periods": _Importer._service_periods,
    "leaves": _Importer._leaves,
    "supervision_meetings": _Importer._supervision_meetings,
    "courses": _Importer._courses,
    "other_activities": _Importer._other_activities,
    "training_plans": _Importer._training_plans,
    "annual_reports": _Importer._annual_reports,
    "annual_visits": _Importer._annual_visits,
    "assessments": _Importer._assessments,
    "supervisor_statements": _Importer._supervisor_statements,
    "action_plans": _Importer._action_plans,
    "certificates": _Importer._certificates,
    "final_reviews": _Importer._final_reviews,
    "applications": _Importer._applications,
}
