"""``recon-dbt``: dbt's command line, as the ``dbt`` script runs it, for the Dagster resource.

The one difference: ``recon-dbt --version`` prints the installed dbt-core version and nothing
else. dagster-dbt runs ``<dbt> --version`` once per run to learn the version, and dbt's own
answer imports dbt and asks PyPI for the latest dbt-core and each adapter (three requests of up
to 1 s each): 2-4 s of every close, and a close reaching the internet for nothing.

The build itself runs with the collector tuned for a short-lived process that imports a lot
(:func:`recon_pipeline.lib.gctune.settle`): what dbt imported is left out of every collection,
and not walked again at exit.
"""

from __future__ import annotations

import sys


def main() -> int:
    """Answer ``--version`` from the installed package's metadata, else run dbt."""
    if sys.argv[1:] == ["--version"]:
        from importlib.metadata import version

        print(f"Core:\n  - installed: {version('dbt-core')}")
        return 0
    from dbt.cli.main import cli

    from recon_pipeline.lib.gctune import settle

    settle()
    result: int = cli()
    settle()  # the process ends next: its exit collects nothing it need not walk
    return result
