from django.urls import path

from portfolio.views import calendar

urlpatterns = [
    path("<str:token>.ics", calendar.calendar_feed, name="calendar-feed"),
]
