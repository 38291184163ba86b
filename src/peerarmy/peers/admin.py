from django.contrib import admin

from .models import Peer, PeerLanguage, Skill


class PeerLanguageInline(admin.TabularInline):
    model = PeerLanguage
    extra = 0


@admin.register(Peer)
class PeerAdmin(admin.ModelAdmin):
    list_display = ["display_name", "business", "status", "reliability", "applied_at"]
    list_filter = ["status", "business"]
    search_fields = ["display_name", "user__email"]
    raw_id_fields = ["user", "customer", "decided_by"]
    inlines = [PeerLanguageInline]


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_it", "name_en", "business"]
    list_filter = ["business"]
