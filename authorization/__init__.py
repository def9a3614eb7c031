"""The object rules and SQL scopes of the one authorization policy.

`accounts/policy.py` says which roles hold each permission, checks every endpoint and answers
`may(user, permission, target)` by looking up the rule registered for (permission, type of target);
this package registers those rules (`rules.py`) and gives the same answers as SQL filters
(`scopes.py`) for queries that must not load every row to check it. It reads the models of every
domain package, so it sits above them; views never import it, they only ask `accounts.policy`.
`create_app()` imports `rules` once; without it every object check is refused (deny by default).
"""
