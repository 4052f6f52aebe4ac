"""factory_boy factories shared by every app's tests."""

import factory
from django.utils import timezone

from core.choices import Country, Module
from core.models import Campaign, CampaignMembership, FollowUp, Notification, User
from core.roles import Role

TEST_PASSWORD = "pass-for-tests-1"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="es_MX")
    last_name = factory.Faker("last_name", locale="es_MX")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    role = Role.AGENTE
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)
    is_staff = factory.LazyAttribute(lambda u: u.role == Role.ADMINISTRADOR)
    is_superuser = factory.LazyAttribute(lambda u: u.role == Role.ADMINISTRADOR)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create and results:
            instance.save()


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaña {n}")
    module = Module.CARTERA
    country = Country.CR
    time_zone = "America/Costa_Rica"
    currency = "CRC"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CampaignMembership

    user = factory.SubFactory(UserFactory)
    campaign = factory.SubFactory(CampaignFactory)


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    owner = factory.SubFactory(UserFactory)
    due_at = factory.LazyFunction(timezone.now)
    note = factory.Sequence(lambda n: f"Seguimiento {n}")
    created_by = factory.SelfAttribute("owner")


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    text = factory.Sequence(lambda n: f"Notificación {n}")
