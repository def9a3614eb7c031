"""Form pieces shared by every package."""
from wtforms import SelectMultipleField, widgets


class CheckboxListField(SelectMultipleField):
    """A multiple choice rendered as a list of labelled checkboxes (usable without JavaScript)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()
