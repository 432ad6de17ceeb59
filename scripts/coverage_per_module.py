"""Fail when any module of the integration is covered below the bar.

coverage.py's ``fail_under`` (setup.cfg) judges the total only; a well
covered module can hide a poorly covered one. This reads the JSON report
``pytest --cov-report=json:<file>`` wrote and checks every file on its own
(statements and branches together, as coverage.py counts its percentage).

    python scripts/coverage_per_module.py <coverage.json> [minimum, default 95]
"""

from __future__ import annotations

import json
from pathlib import Path
import sys


def main() -> int:
    """Print the modules below the minimum; exit 1 if there are any."""
    report = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    minimum = float(sys.argv[2]) if len(sys.argv) > 2 else 95.0
    below = {
        name: data["summary"]["percent_covered"]
        for name, data in sorted(report["files"].items())
        if data["summary"]["percent_covered"] < minimum
    }
    for name, percent in below.items():
        print(f"!!! {name}: {percent:.1f} % covered, below {minimum:g} %")
    if not below:
        lowest = min(
            (data["summary"]["percent_covered"], name)
            for name, data in report["files"].items()
        )
        print(
            f"    every module is covered >= {minimum:g} % "
            f"(lowest: {lowest[1]}, {lowest[0]:.1f} %)"
        )
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
