"""Sharing services between municipalities (issue 16): the process owners' pages.

    catalogue.py  share / stop sharing; the shared catalogue, a shared service, its rules
    adopting.py   *Ta i bruk*: the guided step, then the check-and-publish page
    updating.py   an origin's new version: compare it, take it over
    hooks.py      what the Versions, index and editor pages include; the copy notice
    common.py     what these pages share (connectors, parameter labels, the forms' fields)

Every page is for process owners and checks the tenant: a municipality sees of another's
only its shared, published service (never its cases, people or figures).
"""

from designer.web.modeler.sharing import adopting, catalogue, hooks, updating  # noqa: F401
