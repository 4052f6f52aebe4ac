from core.menu import entries_for


def shell(request):
    """What base.html needs on every page: the sidebar and the unread count for the bell."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    from core.selectors import unread_notification_count

    return {
        "menu_sections": entries_for(user),
        "unread_notifications": unread_notification_count(user=user),
    }
