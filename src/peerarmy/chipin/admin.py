from django.contrib import admin

from .models import BankCredit, Campaign, Pledge, Product, StatementUpload


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name_it", "business", "price_minor", "active")
    list_filter = ("active",)
    search_fields = ("name_it", "name_en", "handle")


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("title", "business", "status", "goal_minor", "received_minor", "deadline")
    list_filter = ("status",)
    search_fields = ("title", "code", "beneficiary_name")


@admin.register(Pledge)
class PledgeAdmin(admin.ModelAdmin):
    list_display = ("reference", "business", "campaign", "amount_minor", "status")
    list_filter = ("status",)
    search_fields = ("reference", "email", "name")


@admin.register(StatementUpload)
class StatementAdmin(admin.ModelAdmin):
    list_display = ("filename", "business", "uploaded_at", "entries", "matched", "unmatched")


@admin.register(BankCredit)
class BankCreditAdmin(admin.ModelAdmin):
    list_display = ("bank_ref", "business", "booked_on", "amount_minor", "status")
    list_filter = ("status",)
