"""Page helpers shared by the browser tests (tests/e2e is on sys.path under pytest)."""

import re


def sidebar_link(page, label: str):
    # The accessible name starts with the Bootstrap Icons glyph (a private-use character).
    name = re.compile(rf"^\W*{re.escape(label)}$")
    return page.locator("[data-testid=sidebar]").get_by_role("link", name=name)


def bell_count(page) -> int:
    """The unread count the bell shows; a hidden badge means zero."""
    badge = page.locator("[data-testid=bell-count]")
    if not badge.is_visible():
        return 0
    return int(badge.inner_text().strip())
