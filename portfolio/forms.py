from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, widgets
from wtforms.validators import DataRequired


class CheckboxListField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class EnrolmentForm(FlaskForm):
    candidate_id = SelectField("Candidat", coerce=int, validators=[DataRequired("Choisissez un candidat.")])
    certification_id = SelectField("Certification", coerce=int, validators=[DataRequired("Choisissez une certification.")])
    tutor_ids = CheckboxListField("Tuteurs", coerce=int)


class TutorsForm(FlaskForm):
    tutor_ids = CheckboxListField("Tuteurs", coerce=int)
