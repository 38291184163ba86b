from django.contrib import admin

from .models import Invitation, ScoringSettings, SuperfanScore


@admin.register(ScoringSettings)
class ScoringSettingsAdmin(admin.ModelAdmin):
    list_display = ["business", "superfan_threshold", "top_percent", "lapsed_after_days"]


@admin.register(SuperfanScore)
class SuperfanScoreAdmin(admin.ModelAdmin):
    # Scores are computed, never typed in: the admin shows them only.
    list_display = ["customer", "business", "score", "best_score", "orders", "spend_minor", "nps"]
    list_filter = ["business"]
    search_fields = ["customer__email", "customer__first_name", "customer__last_name"]
    list_select_related = ["customer", "business"]
    raw_id_fields = ["customer"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["customer", "business", "program", "status", "sent_at", "expires_at"]
    list_filter = ["status", "business"]
    search_fields = ["customer__email"]
    list_select_related = ["customer", "business", "program"]
    raw_id_fields = ["customer", "program", "peer", "invited_by"]
    readonly_fields = ["nonce_hash"]
