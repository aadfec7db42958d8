"""The whole app on PostgreSQL: migrations, publishing, search, downloads and sign-in."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from site_setup import make_user, sign_in

from foidesk.db import open_session
from foidesk.web.app import create_app
from foidesk.web.disclosure_log import Publication, PublishedFile, publish

pytestmark = pytest.mark.postgres


def test_log_and_workspace_on_postgresql(postgres_url: str) -> None:
    app = create_app(postgres_url)
    workbook = b"PK\x03\x04 not really a workbook"
    with open_session(postgres_url) as session:
        publish(
            session,
            Publication(
                reference="01.FOI.24.000401",
                title="Harassment between former partners",
                subject="Domestic abuse",
                published_on=date(2024, 3, 5),
                request_text="How many harassment crimes involved former partners?",
                decision="Information disclosed",
                files=[
                    PublishedFile(
                        "tables.xlsx",
                        "Tables (Excel workbook)",
                        workbook,
                        "a" * 64,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    )
                ],
            ),
        )
    client = TestClient(app)
    found = client.get("/log", params={"q": "harassing partner"})
    assert "01.FOI.24.000401" in found.text
    assert "<mark>harassment</mark>" in found.text
    assert "0 responses matching" in client.get("/log", params={"q": "burglary"}).text
    download = client.get("/log/01.FOI.24.000401/files/tables.xlsx")
    assert download.content == workbook
    assert client.get("/log/01.FOI.24.000401/files/other.xlsx").status_code == 404
    sign_in(client, "olly", make_user(postgres_url, "olly", "officer"))
    assert client.get("/workspace").status_code == 200
