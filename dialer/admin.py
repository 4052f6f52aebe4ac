from django.contrib import admin
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from dialer.models import CallLog, DialRequest, WorkstationToken


@admin.register(WorkstationToken)
class WorkstationTokenAdmin(SimpleHistoryAdmin):
    list_display = ["name", "user", "display_prefix", "created_at", "last_seen_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    raw_id_fields = ["user"]
    readonly_fields = ["prefix", "token_hash", "created_at", "last_seen_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        # A token is shown once, to its owner, on their profile page; the admin only revokes.
        return False

    @admin.action(description="Revocar los tokens seleccionados")
    def revoke(self, request, queryset):
        from dialer.services import token_revoke

        for token in queryset.filter(revoked_at__isnull=True):
            token_revoke(token=token, now=timezone.now())


@admin.register(DialRequest)
class DialRequestAdmin(admin.ModelAdmin):
    list_display = ["phone", "user", "campaign", "status", "created_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["phone", "user__username"]
    raw_id_fields = ["user", "campaign", "token"]
    date_hierarchy = "created_at"


@admin.register(CallLog)
class CallLogAdmin(admin.ModelAdmin):
    list_display = ["phone", "user", "campaign", "provider", "started_at", "duration_seconds", "status"]
    list_filter = ["status", "provider"]
    search_fields = ["phone", "uuid", "user__username"]
    raw_id_fields = ["user", "campaign", "dial_request", "token"]
    readonly_fields = ["uuid", "started_at", "ended_at", "duration_seconds", "created_at"]
    date_hierarchy = "started_at"
