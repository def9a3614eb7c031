"""Form pieces shared by every package."""
from functools import cache

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, i18n, widgets

FRENCH_LOCALES = ("fr_FR", "fr")


class FrenchForm(FlaskForm):
    """The base of every form: WTForms' own messages ("Ce champ est requis.", "Le champ ne peut pas
    contenir plus de 300 caractères.") come from its French catalogue, whatever the browser asks for.

    Flask-WTF only translates through Flask-Babel, which the app does not use; the catalogue ships
    with WTForms, so the form's meta loads it directly.
    """

    class Meta(FlaskForm.Meta):
        locales = FRENCH_LOCALES

        def get_translations(self, form):
            return french_translations()


@cache
def french_translations():
    """WTForms' French catalogue, loaded once."""
    return i18n.get_translations(list(FRENCH_LOCALES))


class CheckboxListField(SelectMultipleField):
    """A multiple choice rendered as a list of labelled checkboxes (usable without JavaScript)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()
