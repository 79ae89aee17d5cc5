"""Kurser och aktiviteter: the trainee's courses (with certificates) and other activities."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from portfolio.forms.activities import CourseForm, OtherActivityForm, mandatory_courses_with_status
from portfolio.models import Course, Goal, OtherActivity
from portfolio.views.access import certified, get_record, get_trainee

CHANGE = "portfolio.change_own_records"


def _with_goals(queryset):
    return queryset.prefetch_related(Prefetch("goals", queryset=Goal.objects.order_by("position")))


@login_required
def activity_list(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk)
    context = {
        "trainee": trainee,
        "mandatory_courses": mandatory_courses_with_status(trainee),
        "courses": _with_goals(trainee.courses.select_related("mandatory_course").order_by("-start", "title")),
        "activities": _with_goals(trainee.other_activities.order_by("-start", "title")),
        "can_change": request.user.has_perm(CHANGE, trainee),
    }
    return render(request, "portfolio/activities/activity_list.html", context)


def _save_course(form, old_certificate=""):
    """Save the course; a new certificate is stored once the course has its id (the file is named by it)."""
    course = form.save(commit=False)
    upload = form.new_certificate
    if upload or form.cleaned_data.get("remove_certificate"):
        course.certificate = ""
    with transaction.atomic():
        course.save()
        form.save_m2m()
        if upload:
            course.certificate.save("intyg.pdf", upload, save=False)
            course.save(update_fields=["certificate"])
    # The replaced or removed file is personal data no record points to any more.
    if old_certificate and old_certificate != course.certificate.name:
        course.certificate.storage.delete(old_certificate)
    return course


@login_required
def course_create(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk, CHANGE)
    course = Course(trainee=trainee, created_by=request.user)
    form = CourseForm(request.POST or None, request.FILES or None, instance=course, trainee=trainee)
    if request.method == "POST" and form.is_valid():
        course = _save_course(form)
        messages.success(request, _("The course “%(title)s” was added.") % {"title": course.title})
        return redirect("activity-list", trainee_pk=trainee.pk)
    return render(request, "portfolio/activities/course_form.html", {"trainee": trainee, "form": form})


@login_required
def course_update(request, trainee_pk, pk):
    trainee, course = get_record(request, Course, trainee_pk, pk, CHANGE)
    old_certificate = course.certificate.name
    form = CourseForm(request.POST or None, request.FILES or None, instance=course, trainee=trainee)
    if request.method == "POST" and form.is_valid():
        course = _save_course(form, old_certificate)
        messages.success(request, _("The course “%(title)s” was saved.") % {"title": course.title})
        return redirect("activity-list", trainee_pk=trainee.pk)
    context = {"trainee": trainee, "form": form, "course": course, "has_certificate": bool(old_certificate)}
    return render(request, "portfolio/activities/course_form.html", context)


@login_required
def course_delete(request, trainee_pk, pk):
    trainee, course = get_record(request, Course, trainee_pk, pk, CHANGE)
    if certified(request, course):
        return redirect("activity-list", trainee_pk=trainee.pk)
    if request.method == "POST":
        certificate = course.certificate.name
        course.delete()
        if certificate:
            course.certificate.storage.delete(certificate)
        messages.success(request, _("The course “%(title)s” was removed.") % {"title": course.title})
        return redirect("activity-list", trainee_pk=trainee.pk)
    context = {"trainee": trainee, "record": course, "heading": _("Remove course")}
    return render(request, "portfolio/activities/confirm_delete.html", context)


@never_cache
@login_required
def course_certificate(request, trainee_pk, pk):
    """The certificate as a download; the only way to it, so visibility decides who gets it."""
    _trainee, course = get_record(request, Course, trainee_pk, pk)
    if not course.certificate:
        raise Http404
    try:
        handle = course.certificate.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    filename = f"kursintyg-{slugify(course.title) or course.pk}.pdf"
    return FileResponse(handle, as_attachment=True, filename=filename, content_type="application/pdf")


@login_required
def activity_create(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk, CHANGE)
    activity = OtherActivity(trainee=trainee, created_by=request.user)
    form = OtherActivityForm(request.POST or None, instance=activity, trainee=trainee)
    if request.method == "POST" and form.is_valid():
        activity = form.save()
        messages.success(request, _("The activity “%(title)s” was added.") % {"title": activity.title})
        return redirect("activity-list", trainee_pk=trainee.pk)
    return render(request, "portfolio/activities/activity_form.html", {"trainee": trainee, "form": form})


@login_required
def activity_update(request, trainee_pk, pk):
    trainee, activity = get_record(request, OtherActivity, trainee_pk, pk, CHANGE)
    form = OtherActivityForm(request.POST or None, instance=activity, trainee=trainee)
    if request.method == "POST" and form.is_valid():
        activity = form.save()
        messages.success(request, _("The activity “%(title)s” was saved.") % {"title": activity.title})
        return redirect("activity-list", trainee_pk=trainee.pk)
    context = {"trainee": trainee, "form": form, "activity": activity}
    return render(request, "portfolio/activities/activity_form.html", context)


@login_required
def activity_delete(request, trainee_pk, pk):
    trainee, activity = get_record(request, OtherActivity, trainee_pk, pk, CHANGE)
    if certified(request, activity):
        return redirect("activity-list", trainee_pk=trainee.pk)
    if request.method == "POST":
        activity.delete()
        messages.success(request, _("The activity “%(title)s” was removed.") % {"title": activity.title})
        return redirect("activity-list", trainee_pk=trainee.pk)
    context = {"trainee": trainee, "record": activity, "heading": _("Remove activity")}
    return render(request, "portfolio/activities/confirm_delete.html", context)
