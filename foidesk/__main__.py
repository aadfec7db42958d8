"""``python -m foidesk``: the same command line as the ``foidesk`` console script."""

from foidesk.cli import app

app(prog_name="foidesk")
