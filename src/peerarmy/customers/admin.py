from django.contrib import admin

from .models import Customer


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["email", "first_name", "last_name", "business", "accepts_marketing"]
    list_filter = ["business", "accepts_marketing", "language"]
    search_fields = ["email", "first_name", "last_name"]
