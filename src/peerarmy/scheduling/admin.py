from django.contrib import admin

from .models import (
    Block,
    BlockTemplate,
    Claim,
    FairnessLimits,
    ReliabilityEvent,
    ScheduleEvent,
    WaitlistEntry,
)


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ["program", "starts_at", "ends_at", "capacity", "seats_taken", "status"]
    list_filter = ["status", "business"]
    raw_id_fields = ["program", "template"]
    date_hierarchy = "starts_at"


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ["block", "peer", "status", "claimed_at", "released_late"]
    list_filter = ["status", "business"]
    raw_id_fields = ["block", "peer"]


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    list_display = ["block", "peer", "status", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["block", "peer", "claim"]


@admin.register(BlockTemplate)
class BlockTemplateAdmin(admin.ModelAdmin):
    list_display = ["program", "rrule", "dtstart_local", "duration_minutes"]
    raw_id_fields = ["program"]


@admin.register(FairnessLimits)
class FairnessLimitsAdmin(admin.ModelAdmin):
    list_display = [
        "program",
        "max_hours_per_week",
        "min_rest_minutes",
        "max_future_blocks",
        "forfeit_cutoff_minutes",
    ]


@admin.register(ReliabilityEvent)
class ReliabilityEventAdmin(admin.ModelAdmin):
    list_display = ["peer", "kind", "block", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["peer", "block", "claim"]


@admin.register(ScheduleEvent)
class ScheduleEventAdmin(admin.ModelAdmin):
    list_display = ["kind", "claim", "created_at", "consumed_at"]
    raw_id_fields = ["claim"]
