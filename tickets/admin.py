"""Admins configure the support desk here: categories, groups and members, assignment rules,
calendars, SLA policies and canned responses. Tickets themselves are worked in the CRM pages."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from tickets.models import (
    AssignmentRule,
    BusinessCalendar,
    BusinessHours,
    CannedResponse,
    Category,
    Holiday,
    SLAPolicy,
    SupportGroup,
    SupportGroupMember,
    Ticket,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "aplicativo", "active"]
    list_filter = ["aplicativo", "active"]
    search_fields = ["name"]


class MemberInline(admin.TabularInline):
    model = SupportGroupMember
    extra = 1
    autocomplete_fields = ["user"]
    fields = ["user", "active", "last_assigned_at"]
    readonly_fields = ["last_assigned_at"]


@admin.register(SupportGroup)
class SupportGroupAdmin(SimpleHistoryAdmin):
    list_display = ["name", "strategy", "active", "is_default"]
    list_filter = ["active", "strategy"]
    inlines = [MemberInline]


@admin.register(AssignmentRule)
class AssignmentRuleAdmin(SimpleHistoryAdmin):
    list_display = ["aplicativo", "category", "group", "order", "active"]
    list_filter = ["aplicativo", "group", "active"]


class HoursInline(admin.TabularInline):
    model = BusinessHours
    extra = 1


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 1


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(SimpleHistoryAdmin):
    list_display = ["name", "time_zone", "is_default"]
    inlines = [HoursInline, HolidayInline]


@admin.register(SLAPolicy)
class SLAPolicyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "priority", "aplicativo", "first_response_minutes", "resolution_minutes", "active"]
    list_filter = ["priority", "aplicativo", "active"]


@admin.register(CannedResponse)
class CannedResponseAdmin(SimpleHistoryAdmin):
    list_display = ["title", "active"]
    search_fields = ["title", "body"]


@admin.register(Ticket)
class TicketAdmin(SimpleHistoryAdmin):
    """Read-only: every change to a ticket goes through the services (history, SLA, notices)."""

    list_display = ["__str__", "status", "priority", "aplicativo", "requester", "assignee", "group", "created_at"]
    list_filter = ["status", "priority", "aplicativo", "group"]
    list_select_related = ["requester", "assignee", "group"]
    search_fields = ["title"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
