from django.urls import path

from assessments.views import midterm

urlpatterns = [
    path("", midterm.midterm_detail, name="midterm-detail"),
    path("starta/", midterm.midterm_start, name="midterm-start"),
    path("steg/", midterm.midterm_advance, name="midterm-advance"),
    path("andra/", midterm.midterm_edit, name="midterm-edit"),
    path("sammanstallning.pdf", midterm.midterm_summary_pdf, name="midterm-summary-pdf"),
    path("rapport.pdf", midterm.midterm_report, name="midterm-report"),
]
