"""What base.html needs for the call widget in the top bar, on every page."""

from django.conf import settings
from django.utils.functional import cached_property


class CallWidget:
    """The signed-in user's call in progress, read only if the page draws the widget, and from
    the call log only when the cache does not know the user has none (``widget_call``).

    A view that already knows it (the debtor card reads it with its other calls) passes
    ``call_widget=CallWidget(user, call=…)`` and saves the query.
    """

    _unset = object()

    def __init__(self, user, call=_unset):
        self.user = user
        if call is not self._unset:
            self.__dict__["call"] = call
        self.yellow_seconds = settings.DIALER_TIMER_YELLOW_SECONDS
        self.red_seconds = settings.DIALER_TIMER_RED_SECONDS
        self.request_ttl_seconds = settings.DIALER_REQUEST_TTL_SECONDS

    @cached_property
    def call(self):
        from dialer.selectors import widget_call

        return widget_call(user=self.user)


def call_widget(request):
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    return {"call_widget": CallWidget(user)}
