"""The dashboard's figures, kept ready: a row per business, day, program and measure.

The dashboard never scans the apps' tables. `figures.refresh` (run by the worker, hourly for
the days that still change and once for the whole history) writes, for each day in the
business's time zone, what happened that day: blocks offered and their seats filled, claims
completed and missed, matches made and declined, requests left unmatched (by reason), rewards
by form and their cost against the budget, the army by status, money of chip-in, sharing and
resale. `PeerDay` keeps each peer's work per day, for the spread of work (Gini, top share).
A period's dashboard is a handful of grouped sums over these rows."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DailyFigure(models.Model):
    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    # the first day of the day's ISO week and of its month: the charts' buckets
    week = models.DateField()
    month = models.DateField()
    # 0 for figures of the whole business (the army, chip-in, sharing, resale)
    program_id = models.BigIntegerField(default=0)
    measure = models.CharField(max_length=40)
    # a breakdown within the measure: a status, a reward's form, a reason; "" when none
    part = models.CharField(max_length=40, default="", blank=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("daily figure")
        verbose_name_plural = _("daily figures")
        indexes = [
            models.Index(
                fields=["business", "measure", "day", "program_id", "part", "value"],
                name="analytics_figure_measure",
            ),
            models.Index(fields=["business", "day"], name="analytics_figure_day"),
        ]

    def __str__(self):
        return f"{self.day} {self.measure} {self.part} = {self.value}"


class PeerDay(models.Model):
    """A peer's completed work on a day for a program: tasks (claims and matches) and minutes."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    month = models.DateField()
    program_id = models.BigIntegerField()
    peer_id = models.BigIntegerField()
    tasks = models.IntegerField(default=0)
    minutes = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("a peer's day of work")
        verbose_name_plural = _("peers' days of work")
        indexes = [
            models.Index(
                fields=["business", "day", "program_id", "peer_id", "tasks", "minutes"],
                name="analytics_peerday_day",
            ),
        ]

    def __str__(self):
        return f"{self.day} peer {self.peer_id}: {self.tasks}"


class PeerMonth(models.Model):
    """The same, summed per calendar month: a year's spread reads 12 rows a peer, not 365."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    program_id = models.BigIntegerField()
    peer_id = models.BigIntegerField()
    tasks = models.IntegerField(default=0)
    minutes = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("a peer's month of work")
        verbose_name_plural = _("peers' months of work")
        indexes = [
            models.Index(
                fields=["business", "month", "program_id", "peer_id", "tasks", "minutes"],
                name="analytics_peermonth_month",
            ),
        ]

    def __str__(self):
        return f"{self.month} peer {self.peer_id}: {self.tasks}"


class Refresh(models.Model):
    """When a business's figures were last brought up to date, and from which day on."""

    business = models.OneToOneField("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    first_day = models.DateField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    full_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.business_id} at {self.refreshed_at}"


class MonthlyReport(models.Model):
    """A month's report e-mailed to the owner: one row per business and month, so the
    worker sends it once however often its sweep runs."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    sent_at = models.DateTimeField()
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        constraints = [
            models.UniqueConstraint(fields=["business", "month"], name="analytics_report_month")
        ]

    def __str__(self):
        return f"{self.business_id} {self.month}"
