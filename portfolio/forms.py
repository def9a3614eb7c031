from wtforms import SelectField
from wtforms.validators import DataRequired

from core.forms import CheckboxListField, FrenchForm


class EnrolmentForm(FrenchForm):
    candidate_id = SelectField("Candidat", coerce=int, validators=[DataRequired("Choisissez un candidat.")])
    certification_id = SelectField("Certification", coerce=int, validators=[DataRequired("Choisissez une certification.")])
    tutor_ids = CheckboxListField("Tuteurs", coerce=int)


class TutorsForm(FrenchForm):
    tutor_ids = CheckboxListField("Tuteurs", coerce=int)
