from core.forms import FrenchForm
from wtforms import RadioField

from notifications.models import CHOOSABLE_KINDS, Delivery

DELIVERY_CHOICES = [(d.value, d.label) for d in Delivery]


class PreferencesForm(FrenchForm):
    """One radio group per kind of mail: immediate, daily digest or none."""


for _kind in CHOOSABLE_KINDS:
    setattr(PreferencesForm, _kind.value, RadioField(
        _kind.label, choices=DELIVERY_CHOICES, default=Delivery.IMMEDIATE.value,
    ))


def kind_fields(form: PreferencesForm) -> list:
    return [form[kind.value] for kind in CHOOSABLE_KINDS]
