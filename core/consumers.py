from __future__ import annotations

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from core.realtime import team_group, user_group
from core.roles import Role


class EventsConsumer(AsyncJsonWebsocketConsumer):
    """One socket per browser tab: joins the user's group (and the team's for supervisors) and
    forwards every ``crm.event`` to the page as ``{"type": ..., "payload": ...}``."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=4401)
            return
        self.groups_joined = [user_group(user.pk)]
        if user.role == Role.SUPERVISOR:
            self.groups_joined.append(team_group(user.pk))
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"type": "pong", "payload": {}})

    async def crm_event(self, message):
        await self.send_json({"type": message["event"], "payload": message["payload"]})
