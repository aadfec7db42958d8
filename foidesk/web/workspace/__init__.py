"""The officers' workspace: one router over the pages an officer, analyst or admin uses.

Every route here needs a signed-in user (the router's dependencies, so none can be
forgotten) and every POST needs the session's CSRF token. Each page is a module:

- ``register_page``: the register, filtered and paged, and logging a new request;
- ``request_page``: one request as it stands, its letter preview and audit trail;
- ``step_forms`` and ``steps``: the form of each step of the workflow, and the route that
  takes any step in the role the workflow table asks for;
- ``tables``: a request's tables with their disclosure control, computed on demand;
- ``statistics``: the s45 timeliness and outcome figures;
- ``users`` and ``account``: user administration, and one's own password and sign-out;
- ``job_page``: a background job's progress and result (computing tables, publishing).

``access`` says who may reach what and which register a page reads; ``forms`` reads
what a form sent.
"""

from __future__ import annotations

# Each page adds its routes to the one router as it is imported, so the order here is the
# order of matching: the tables' POST comes before the route that takes any step by name.
# isort: off
from foidesk.web.workspace import register_page, request_page  # noqa: F401
from foidesk.web.workspace import tables, statistics  # noqa: F401
from foidesk.web.workspace import steps  # noqa: F401
from foidesk.web.workspace import users, account, job_page  # noqa: F401

# isort: on
from foidesk.web.workspace.access import router

__all__ = ["router"]
