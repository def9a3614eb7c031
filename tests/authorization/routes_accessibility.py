"""Routes of the accessibility statement."""
from tests.authorization.cases import EVERYONE, Case

ROUTES = {
    "accessibility.statement": Case("GET", lambda w: "/accessibilite", EVERYONE),
}
