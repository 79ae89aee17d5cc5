"""Import a portfolio document into this installation, in one transaction."""

import re

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from accounts.domain import policy_for, record_event
from accounts.models import MandatoryCourse, Region, Specialty, Unit
from portfolio.enums import CurriculumKind
from portfolio.models import (
    AnnualReport,
    AnnualVisit,
    Course,
    Curriculum,
    Goal,
    Leave,
    OtherActivity,
    Regulation,
    ServicePeriod,
    SupervisionMeeting,
    Trainee,
    TrainingPlan,
)
from portfolio.portable.common import PLAN_CONTENT_FIELDS, SUPERVISION_NOTES, VERSION, PortfolioImportError
from portfolio.portable.reading import _certificate, _fail, _goal_list, _Row, check_format

# --------------------------------------------------------------------------- import


def import_trainee(data, *, by=None) -> Trainee:
    """Create the trainee and every record of the portfolio `data` (see export_trainee).

    All or nothing: the database work is one transaction, and certificate files written
    to storage before a failure are removed again. Raises PortfolioImportError with a
    message naming what is wrong (and where in the file).
    """
    check_format(data)
    saved_files = []
    try:
        with transaction.atomic():
            importer = _Importer(data, saved_files)
            trainee = importer.run()
            record_event(
                by,
                "portfolio.imported",
                trainee,
                source_version=VERSION,
                created_people=importer.created_people,
                withheld=sorted(importer.withheld),
            )
    except IntegrityError as error:
        _delete_files(saved_files)
        raise PortfolioImportError(_("The file breaks a rule of the database: %(error)s") % {"error": error}) from error
    except BaseException:
        _delete_files(saved_files)
        raise
    return trainee


def _delete_files(names):
    storage = Course._meta.get_field("certificate").storage
    for name in names:
        storage.delete(name)


def _validate(instance, where):
    """The model's own field and record rules, as an import error naming the place in the file."""
    relations = [field.name for field in instance._meta.concrete_fields if field.is_relation]
    try:
        instance.clean_fields(exclude=[*relations, "certificate"])
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

    def run(self):
        doc = self.doc
        doc.text("format")
        doc.integer("version")
        self.withheld = set(doc.texts("withheld"))
        for entry in sorted(self.withheld - {SUPERVISION_NOTES}):
            _fail(_("$.withheld: unknown entry %(entry)s."), entry=entry)
        trainee_row = doc.row("trainee")
        self.names = self._people_directory(doc.rows("people"))
        sections = {key: doc.rows(key) for key in _SECTIONS}
        doc.done()

        self.trainee = self._create_trainee(trainee_row, sections)
        for key, create in _SECTIONS.items():
            create(self, sections[key])
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
        self._bulk(ServicePeriod, items)

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
        # Files last, once each course has the id its storage path is made of.
        with_files = []
        for course, content in zip(created, certificates, strict=True):
            if content is not None:
                course.certificate.save("intyg.pdf", ContentFile(content), save=False)
                self.saved_files.append(course.certificate.name)
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
        self._bulk(OtherActivity, items)

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
}
