"""The rewards in /admin/: the books are read-only here too (corrections go through the
services, as reversing transactions)."""

from django.contrib import admin

from .models import (
    Account,
    Badge,
    Cause,
    Entry,
    Payout,
    PayoutBatch,
    Reward,
    RewardRule,
    Transaction,
    Voucher,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EntryInline(admin.TabularInline):
    model = Entry
    fields = ["account", "unit", "amount"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Transaction)
class TransactionAdmin(ReadOnly):
    list_display = ["id", "business", "occurred_at", "kind", "key", "reverses"]
    list_filter = ["kind", "business"]
    search_fields = ["key"]
    inlines = [EntryInline]


@admin.register(Account)
class AccountAdmin(ReadOnly):
    list_display = ["name", "unit", "kind", "business"]
    list_filter = ["kind", "business"]
    search_fields = ["name"]


@admin.register(Reward)
class RewardAdmin(ReadOnly):
    list_display = ["key", "peer", "kind", "amount", "unit", "status", "created_at"]
    list_filter = ["status", "kind", "business"]


@admin.register(PayoutBatch)
class PayoutBatchAdmin(ReadOnly):
    list_display = ["message_id", "business", "kind", "status", "total_minor", "created_at"]
    list_filter = ["status", "business"]


@admin.register(Payout)
class PayoutAdmin(ReadOnly):
    list_display = ["end_to_end_id", "batch", "peer", "cause", "amount_minor", "status"]
    list_filter = ["status"]


@admin.register(Voucher)
class VoucherAdmin(ReadOnly):
    list_display = ["code", "business", "peer", "value_minor", "expires_at"]
    search_fields = ["code"]


@admin.register(RewardRule)
class RewardRuleAdmin(admin.ModelAdmin):
    list_display = ["program", "event", "condition", "reward", "amount", "active"]
    list_filter = ["event", "reward", "active"]
    raw_id_fields = ["program", "badge", "cause"]


admin.site.register(Cause)
admin.site.register(Badge)
