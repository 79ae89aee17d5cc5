"""Händelselogg: who did what to a trainee's records, and when (portfolio/audit_log.py)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django_tables2 import RequestConfig

from portfolio.audit_log import AuditFilter, AuditTable, events_for
from portfolio.views.access import get_trainee

PER_PAGE = 50


@login_required
def audit_log(request, trainee_pk):
    trainee = get_trainee(request, trainee_pk, "portfolio.view_audit")
    filterset = AuditFilter(request.GET or None, queryset=events_for(trainee))
    table = AuditTable(filterset.qs)
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    return render(request, "portfolio/audit/audit_log.html", {"trainee": trainee, "filter": filterset, "table": table})
