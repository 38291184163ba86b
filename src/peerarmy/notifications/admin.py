from django.contrib import admin

from .models import DeliveryAttempt, OutboxMessage


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    readonly_fields = ["attempted_at", "success", "error", "duration_ms"]
    exclude = ["business"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["event", "channel", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "channel", "event", "business"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    inlines = [DeliveryAttemptInline]
