"""The command line as a whole: how it is started, and what holds for every command."""

from __future__ import annotations

import subprocess
import sys

from foidesk import __version__


def test_python_dash_m_runs_the_same_command_line() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "foidesk", "version"], capture_output=True, text=True, check=True
    )
    assert run.stdout.strip() == __version__
