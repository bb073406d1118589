"""Freeze the current schemas as released versions (``schemas/released/<Name>.vN.avsc``).

Run ``python -m schemas.release`` when a schema change ships. Released files are
never edited: the codec reads data written with any of them, and a test checks
that every current schema can read what every released version wrote.
"""

from __future__ import annotations

import json
import re

from schemas.codec import AVSC_DIR, RELEASED_DIR, fingerprint


def main() -> None:
    RELEASED_DIR.mkdir(exist_ok=True)
    made = []
    for path in sorted(AVSC_DIR.glob("*.avsc")):
        name = path.stem
        current = json.loads(path.read_text())
        versions = sorted(
            (int(m.group(1)), p)
            for p in RELEASED_DIR.glob(f"{name}.v*.avsc")
            if (m := re.fullmatch(rf"{name}\.v(\d+)\.avsc", p.name))
        )
        if versions and fingerprint(json.loads(versions[-1][1].read_text())) == fingerprint(current):
            continue
        version = versions[-1][0] + 1 if versions else 1
        (RELEASED_DIR / f"{name}.v{version}.avsc").write_text(path.read_text())
        made.append(f"{name}.v{version}")
    print("released: " + (", ".join(made) if made else "nothing changed"))


if __name__ == "__main__":
    main()
