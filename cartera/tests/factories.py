import factory
from django.utils import timezone

from cartera.models import Debtor, DebtorPhone, Gestion, Outcome
from core.testing.factories import CampaignFactory, UserFactory


class DebtorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Debtor

    campaign = factory.SubFactory(CampaignFactory)
    document_type = "cedula"
    document_number = factory.Sequence(lambda n: f"1{n:08d}")
    full_name = factory.Faker("name", locale="es_MX")
    amount_due = 100000
    due_date = factory.LazyFunction(lambda: timezone.localdate() - timezone.timedelta(days=10))


class DebtorPhoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DebtorPhone

    debtor = factory.SubFactory(DebtorFactory)
    e164 = factory.Sequence(lambda n: f"+5068{n:07d}")
    raw = factory.LazyAttribute(lambda p: p.e164[4:])
    is_primary = True


class OutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outcome
        django_get_or_create = ("campaign", "code")

    campaign = factory.SubFactory(CampaignFactory)
    code = "NC"
    label = "No contesta"
    priority = 1


class GestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Gestion

    debtor = factory.SubFactory(DebtorFactory)
    agent = factory.SubFactory(UserFactory)
    outcome = factory.SubFactory(OutcomeFactory, campaign=factory.SelfAttribute("..debtor.campaign"))
