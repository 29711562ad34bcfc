"""Entry point of the dashboard (filled in by the dashboard work)."""

from __future__ import annotations

import argparse
import sys


def run_dashboard(args: argparse.Namespace) -> int:
    print("The dashboard is not built yet; see `batchtui --help` for the commands.", file=sys.stderr)
    return 2
