from django.contrib import admin

from .models import Customer, ImportJob


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["email", "first_name", "last_name", "business", "accepts_marketing"]
    list_filter = ["business", "accepts_marketing", "language"]
    search_fields = ["email", "first_name", "last_name"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["filename", "business", "kind", "format", "status", "rows", "error_count"]
    list_filter = ["status", "kind", "business"]
    readonly_fields = [f.name for f in ImportJob._meta.fields]
