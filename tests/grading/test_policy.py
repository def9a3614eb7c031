"""The policy's jury rules, also used by the search filters: jurors reach exactly the submissions
assigned to the sessions they sit on."""
from accounts.models import Role
from accounts.policy import Permission, may
from authorization.scopes import visible_submission_ids
from extensions import db
from tests import factories



def _visible(user) -> set[int]:
    return set(db.session.scalars(visible_submission_ids(user)))


def test_jurors_see_the_submissions_of_their_sessions_only(jury, make_user):
    unassigned = factories.make_submission(make_user(Role.CANDIDATE), jury.certification)
    outsider = make_user(Role.JUROR)
    assert _visible(jury.juror) == {jury.submission.id}
    assert _visible(jury.president) == {jury.submission.id}
    assert _visible(outsider) == set()
    assert _visible(jury.admin) == {jury.submission.id, unassigned.id}
    assert _visible(jury.tutor) == set() and _visible(jury.candidate) == set()
    assert may(jury.juror, Permission.VIEW_SUBMISSION, jury.submission)
    assert not may(jury.juror, Permission.VIEW_SUBMISSION, unassigned)
    assert not may(outsider, Permission.VIEW_SUBMISSION, jury.submission)


def test_only_the_president_deliberates_and_admins_never_grade(jury):
    assert may(jury.president, Permission.DELIBERATE, jury.session)
    assert not may(jury.juror, Permission.DELIBERATE, jury.session)
    assert not may(jury.admin, Permission.DELIBERATE, jury.session)
    assert may(jury.juror, Permission.GRADE_SUBMISSION, jury.assignment)
    assert not may(jury.admin, Permission.GRADE_SUBMISSION, jury.assignment)
    assert may(jury.admin, Permission.VIEW_DELIBERATION, jury.assignment)
    assert not may(jury.juror, Permission.VIEW_DELIBERATION, jury.assignment)
    assert not may(jury.president, Permission.VIEW_DELIBERATION, jury.assignment)
    assert may(jury.juror, Permission.CONFIRM_MINUTES, jury.session)
    assert not may(jury.tutor, Permission.VIEW_JURY_SESSION, jury.session)


def test_members_read_the_other_grids_once_their_own_is_in(jury, make_user):
    outsider = make_user(Role.JUROR)
    assert may(jury.admin, Permission.READ_OTHER_GRIDS, jury.assignment)
    for member in (jury.juror, jury.president):
        assert not may(member, Permission.READ_OTHER_GRIDS, jury.assignment)
    factories.grade_all(jury, jury.juror)
    assert may(jury.juror, Permission.READ_OTHER_GRIDS, jury.assignment)
    assert may(jury.juror, Permission.VIEW_DELIBERATION, jury.assignment)
    assert not may(jury.president, Permission.READ_OTHER_GRIDS, jury.assignment)
    assert not may(outsider, Permission.READ_OTHER_GRIDS, jury.assignment)
    for user in (jury.tutor, jury.candidate):
        assert not may(user, Permission.READ_OTHER_GRIDS, jury.assignment)
    # The grid stays handed in, but a member who left the session reads nothing more.
    from grading import sessions

    sessions.remove_member(jury.session.member_for(jury.juror), actor=jury.admin)
    assert not may(jury.juror, Permission.READ_OTHER_GRIDS, jury.assignment)
