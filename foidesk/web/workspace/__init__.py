"""The officers' workspace: one router over the pages an officer, analyst or admin uses.

Every route here needs a signed-in user (the router's dependencies, so none can be
forgotten) and every POST needs the session's CSRF token. Each page is a module:

- ``register_page``: the register, filtered and paged, and logging a new request;
- ``request_page``: one request as it stands, its letter preview and audit trail;
- ``step_forms`` and ``steps``: the form of each step of the workflow, and the route that
  takes any step in the role the workflow table asks for;
- ``tables``: a request's tables with their disclosure control, computed on demand;
- ``statistics``: the s45 timeliness and outcome figures;
- ``users`` and ``account``: user administration, and one's own password and sign-out.

``access`` says who may reach what and which register a page reads; ``forms`` reads
what a form sent.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from foidesk.web.security import check_csrf, signed_in
from foidesk.web.workspace import (
    account,
    register_page,
    request_page,
    statistics,
    steps,
    tables,
    users,
)
from foidesk.web.workspace.access import valid_reference

router = APIRouter(
    prefix="/workspace",
    dependencies=[Depends(signed_in), Depends(check_csrf), Depends(valid_reference)],
)
# Order matters: the tables' POST comes before the route that takes any step by name.
for _page in (register_page, request_page, tables, statistics, steps, users, account):
    router.include_router(_page.router)
