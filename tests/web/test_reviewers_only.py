"""Reviewers-only files live in the answer's internal/ folder, owner-only, never served.

The audit problem (internal/disclosure_audit.json) says which [c] cells are the small
counts. No route of the app, public or workspace, signed in with every role, serves it or
anything else from internal/; publishing refuses an answer folder with one at its top.
"""

from __future__ import annotations

import shutil
import stat
import uuid
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from site_setup import SEED_REFERENCE, Site, make_user, sign_in

from foidesk.answers.package import INTERNAL_DIR, AnswerPackage, PackageError
from foidesk.stats.audit import AUDIT_FILE
from foidesk.web import public, workspace
from foidesk.web.app import create_app
from foidesk.web.disclosure_log import PublishError, read_answer_dir


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_audit_problem_is_in_internal_and_owner_only(seed_site: Site) -> None:
    answer_dir = seed_site.answers / SEED_REFERENCE
    assert not (answer_dir / AUDIT_FILE).exists()
    assert (answer_dir / INTERNAL_DIR / AUDIT_FILE).is_file()
    assert _mode(answer_dir / INTERNAL_DIR) == 0o700
    assert _mode(answer_dir / INTERNAL_DIR / AUDIT_FILE) == 0o600
    manifest = AnswerPackage.read(answer_dir).manifest
    assert manifest.disclosure_control is not None
    assert manifest.disclosure_control.model_extra["audit_file"] == "internal/disclosure_audit.json"
    assert all(not f.path.startswith(INTERNAL_DIR) for f in manifest.files)


def test_no_route_serves_anything_from_internal(seed_site: Site, tmp_path: Path) -> None:
    answers = tmp_path / "answers"
    shutil.copytree(seed_site.answers, answers)
    internal = answers / SEED_REFERENCE / INTERNAL_DIR
    token = uuid.uuid4().hex
    (internal / "reviewers-note.txt").write_text(f"reviewers only {token}\n")
    audit_text = (internal / AUDIT_FILE).read_text()
    db = tmp_path / "desk.sqlite"
    shutil.copyfile(seed_site.db, db)
    app = create_app(str(db), migrate=False, answers_dir=answers, requests_dir=tmp_path)
    client = TestClient(app)
    roles = ("officer", "analyst", "reviewer", "admin")
    sign_in(client, "everyone", make_user(str(db), "everyone", *roles))

    names = [AUDIT_FILE, "reviewers-note.txt", "redaction-log.json"]
    candidates = names + [
        f"{prefix}{name}"
        for name in names
        for prefix in ("internal/", "internal%2F", "..%2Finternal%2F", "%2E%2E/internal/")
    ]
    paths: list[str] = []
    # Every GET route of both routers the app includes (their paths carry their prefixes).
    for route in public.router.routes + workspace.router.routes:
        if not isinstance(route, APIRoute) or "GET" not in route.methods:
            continue
        params = route.param_convertors
        if not params:
            paths.append(route.path)
            continue
        for candidate in candidates:
            values = {k: SEED_REFERENCE for k in params}
            for key in params:
                if key != "reference":
                    values[key] = candidate
            paths.append(route.path.format(**values))
    paths += [f"/static/{c}" for c in candidates]
    paths += [f"/static/../answers/{SEED_REFERENCE}/internal/{n}" for n in names]
    assert any("/files/" in p for p in paths) and any(p.startswith("/workspace") for p in paths)
    served = 0
    for path in paths:
        response = client.get(path)
        served += response.status_code == 200
        body = response.text
        assert token not in body, path
        assert audit_text[:200] not in body, path
        assert '"n_atoms"' not in body, path
    # Signed in: the workspace's pages were served, not redirected to the sign-in page.
    assert client.get("/workspace", follow_redirects=False).status_code == 200
    assert served >= 10, served


def test_publishing_refuses_reviewers_only_files_at_the_top(
    seed_site: Site, tmp_path: Path
) -> None:
    answer_dir = tmp_path / SEED_REFERENCE
    shutil.copytree(seed_site.answers / SEED_REFERENCE, answer_dir)
    read_answer_dir(answer_dir)  # as written, the folder publishes
    shutil.copyfile(answer_dir / INTERNAL_DIR / AUDIT_FILE, answer_dir / AUDIT_FILE)
    with pytest.raises(PublishError, match="disclosure_audit.json is for reviewers only"):
        read_answer_dir(answer_dir)
    with pytest.raises(PackageError, match="must be in internal/"):
        AnswerPackage.read(answer_dir).check_publishable()
