from django.contrib import admin

from .models import Program


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["title_it", "business", "kind", "status", "published_at"]
    list_filter = ["kind", "status", "business"]
    search_fields = ["title_it", "title_en", "slug"]
