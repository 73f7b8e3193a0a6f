"""The `display` filter (issue 13 item 1) gives what get_<field>_display gives, for every choice and for a value
that is none of them, in English and in Chinese."""

import pytest
from django.utils import translation

from escrow.models import CallBack, DealParty, Hold, Instrument, StoredDocument
from escrow.templatetags.portal import display

FIELDS = [
    (Instrument, "kind"),
    (Instrument, "status"),
    (StoredDocument, "kind"),
    (Hold, "kind"),
    (CallBack, "outcome"),
    (DealParty, "role"),
]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(("model", "name"), FIELDS)
def test_display_is_get_field_display(model, name, language):
    values = [value for value, _label in model._meta.get_field(name).flatchoices] + ["not-a-choice", ""]
    with translation.override(language):
        for value in values:
            obj = model(**{name: value})
            assert display(obj, name) == getattr(obj, f"get_{name}_display")()
