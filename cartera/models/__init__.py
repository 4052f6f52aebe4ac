from cartera.models.agreements import (
    AgreementQuerySet,
    Instalment,
    Payment,
    PaymentAgreement,
    PaymentAllocation,
    PaymentQuerySet,
)
from cartera.models.portfolio import (
    CarteraSettings,
    Debtor,
    DebtorPhone,
    DebtorQuerySet,
    Gestion,
    GestionQuerySet,
    Outcome,
)

__all__ = [
    "AgreementQuerySet",
    "CarteraSettings",
    "Debtor",
    "DebtorPhone",
    "DebtorQuerySet",
    "Gestion",
    "GestionQuerySet",
    "Instalment",
    "Outcome",
    "Payment",
    "PaymentAgreement",
    "PaymentAllocation",
    "PaymentQuerySet",
]
