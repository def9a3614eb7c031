"""Jury screens, blueprint `grading`, one module per screen:

- `sessions`: the jury index, a session's page and form, its members, assignments and interview
  slots, the candidates' accommodations (admins compose; members read);
- `review`: a juror's review workspace and grid;
- `deliberation`: the president's bloc decisions and their corrections;
- `minutes`: the minutes and the members' confirmations.

`audit` holds the admins' audit trail, blueprint `grading_audit`. Views read the request, ask the
policy, call the services (sessions, slots, accommodations, assessments, decisions, minutes) and
render; `common` holds what the screens share.
"""
from flask import Blueprint

bp = Blueprint("grading", __name__)

# The screen modules attach their routes to `bp` when imported.
from grading.views import deliberation, minutes, review, sessions  # noqa: E402,F401
