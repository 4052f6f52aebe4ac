from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from core.models import Campaign, CampaignMembership, ExportJob, FollowUp, Notification, User

admin.site.site_header = "CREA CRM · Administración"
admin.site.site_title = "CREA CRM"
admin.site.index_title = "Administración"


class MembershipInline(admin.TabularInline):
    model = CampaignMembership
    extra = 0
    autocomplete_fields = ["campaign", "user"]


@admin.register(User)
class CrmUserAdmin(SimpleHistoryAdmin, UserAdmin):
    list_display = ["username", "get_full_name", "role", "supervisor", "extension", "is_active", "last_login"]
    list_filter = ["role", "is_active", "supervisor"]
    search_fields = ["username", "first_name", "last_name", "email", "extension"]
    list_select_related = ["supervisor"]
    fieldsets = UserAdmin.fieldsets + (("Call center", {"fields": ("role", "supervisor", "extension", "workstation")}),)
    add_fieldsets = UserAdmin.add_fieldsets + (
        ("Call center", {"fields": ("role", "supervisor", "extension", "workstation")}),
    )
    inlines = [MembershipInline]


@admin.register(Campaign)
class CampaignAdmin(SimpleHistoryAdmin):
    list_display = ["name", "module", "country", "time_zone", "currency", "active"]
    list_filter = ["module", "country", "active"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(FollowUp)
class FollowUpAdmin(SimpleHistoryAdmin):
    list_display = ["note", "owner", "due_at", "done_at", "notified_at"]
    list_filter = ["done_at"]
    search_fields = ["note", "owner__username"]
    raw_id_fields = ["owner", "created_by"]
    date_hierarchy = "due_at"


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["text", "user", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["text", "user__username"]
    raw_id_fields = ["user"]


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["name", "created_by", "status", "total_rows", "created_at", "finished_at"]
    list_filter = ["status", "name"]
    search_fields = ["name", "created_by__username"]
    raw_id_fields = ["created_by"]
    date_hierarchy = "created_at"
    readonly_fields = ["processed_rows", "started_at", "finished_at", "created_at"]
