"""Sharing services between the municipalities of one installation (issue 16).

What is shared is a published service: its versions' diagram, forms, decision tables, texts
and parameter definitions. Never another municipality's cases, people or figures.

    catalogue.py  share / stop sharing; what other municipalities see of a shared service
    adopt.py      take a shared service into use (*Ta i bruk*): groups, parameters, connectors
    updates.py    follow the origin: what a new version changes, take it over
    following.py  whether the adopter's draft is still the origin's; the draft-write hook
    values.py     parameter values typed into a form; the adopter's parameters.json

Nothing is imported here: `drafts` imports `following`, which must not import `drafts` back.
"""
