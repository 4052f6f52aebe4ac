"""Whether the signed-in user works tickets, kept in the session for the sidebar.

"Mi cola" and the support dashboard are shown only to support-group members. Asking the
database on every page of the CRM would add a query to each of them, so the answer is
computed at login, kept in the session and put on ``request.user`` here; every tickets page
refreshes it (an admin adding someone to a group shows up at their next tickets page or login).
Access itself never depends on this flag: the tickets views check membership in the database.
"""

from __future__ import annotations

SESSION_KEY = "tickets_support"


def remember_support(request) -> bool:
    from tickets.access import is_support

    flag = is_support(request.user)
    if request.session.get(SESSION_KEY) != flag:
        request.session[SESSION_KEY] = flag
    request.user._ticket_support = flag
    return flag


def on_login(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver: the flag of the user who just signed in."""
    if request is not None and hasattr(request, "session"):
        from tickets.access import is_support

        request.session[SESSION_KEY] = is_support(user)


class SupportFlagMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            flag = request.session.get(SESSION_KEY)
            if flag is None:  # a session from before this flag existed
                remember_support(request)
            else:
                user._ticket_support = flag
        return self.get_response(request)


def shows_support_entries(user) -> bool:
    """The sidebar's test for "Mi cola": the session's flag when there is one."""
    flag = getattr(user, "_ticket_support", None)
    if flag is None:
        from tickets.access import is_support

        return is_support(user)
    return flag
