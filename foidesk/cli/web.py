"""``serve``: the public disclosure log and the officers' workspace."""

from __future__ import annotations

import typer

from foidesk.cli.options import OPTIONAL_STORE_OPTION, REGISTER_OPTION
from foidesk.cli.root import app


@app.command()
def serve(
    db: str = REGISTER_OPTION,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    https: bool = typer.Option(
        False, "--https", help="Served over HTTPS (e.g. behind a proxy): Secure cookies."
    ),
    answers: str | None = typer.Option(
        None, "--answers", help="Folder of answer directories, one per reference."
    ),
    requests: str | None = typer.Option(
        None, "--requests", help="Folder of request files named <reference>.yaml."
    ),
    records: str | None = OPTIONAL_STORE_OPTION,
    trusted_host: list[str] = typer.Option(  # noqa: B008 (typer's own idiom)
        [], "--trusted-host", help="A host name the site is reached by; repeat for more."
    ),
    forwarded_allow_ips: str | None = typer.Option(
        None,
        "--forwarded-allow-ips",
        help="Proxies whose X-Forwarded-* headers are believed (default: FORWARDED_ALLOW_IPS).",
    ),
) -> None:
    """Serve the public disclosure log and the officers' workspace."""
    from pathlib import Path

    from foidesk.web.app import serve as serve_app

    typer.echo(f"Disclosure log on http://{host}:{port}/log, workspace on /workspace")
    serve_app(
        db,
        host,
        port,
        https=https,
        trusted_hosts=trusted_host or None,
        forwarded_allow_ips=forwarded_allow_ips,
        answers_dir=Path(answers) if answers else None,
        requests_dir=Path(requests) if requests else None,
        records=Path(records) if records else None,
    )
