from django.contrib import admin

from .models import Business, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Business)
class BusinessAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "city", "default_language", "timezone"]
    search_fields = ["name", "slug", "city"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["business", "user", "role"]
    list_filter = ["role", "business"]
    autocomplete_fields = ["user"]
