"""Cut the self-hosted fonts down to the letters our languages use (see README.md).

    .venv/bin/pip install fonttools brotli && .venv/bin/python static/fonts/subset.py

Keeps every OpenType layout feature, so joining, conjuncts and marks still shape; only
characters no shipped language writes are dropped (other Arabic-script languages,
presentation forms, Arabic mathematical letters). Running it again on its own output
changes nothing. Prints the unicode-range each @font-face in static/css/scripts.css
must declare.
"""

from __future__ import annotations

from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

FONTS = Path(__file__).resolve().parent
JOINERS = "U+200C-200F"  # ZWNJ, ZWJ, LRM, RLM
# Arabic letters, marks, digits and punctuation that Arabic, Pashto and Urdu share.
ARABIC_CORE = (
    f"U+060C,U+061B,U+061F,U+0621-063A,U+0640-0655,U+0660-066D,U+0670,U+06F0-06F9,{JOINERS}"
)
PASHTO = (
    "U+067C,U+067E,U+0681,U+0685,U+0686,U+0689,U+0693,U+0696,U+0698,U+069A,U+06A9,U+06AB,"
    "U+06AF,U+06BC,U+06C0,U+06CC,U+06CD,U+06D0,U+06D2,U+06D4"
)
URDU = (
    "U+0656,U+0658,U+0679,U+067E,U+0686,U+0688,U+0691,U+0698,U+06A9,U+06AF,U+06BA,U+06BB,"
    "U+06BE,U+06C0-06C3,U+06CC,U+06D2-06D4"
)
INDIC_PUNCTUATION = f"U+0964-0965,U+25CC,{JOINERS}"  # danda, dotted circle for lone marks
SUBSETS = {
    "noto-sans-arabic-arabic-400-normal.woff2": f"{ARABIC_CORE},{PASHTO}",
    "noto-sans-arabic-arabic-700-normal.woff2": f"{ARABIC_CORE},{PASHTO}",
    "noto-nastaliq-urdu-arabic-400-normal.woff2": f"{ARABIC_CORE},{URDU}",
    "noto-sans-bengali-bengali-400-normal.woff2": f"U+0980-09FE,{INDIC_PUNCTUATION}",
    "noto-sans-bengali-bengali-700-normal.woff2": f"U+0980-09FE,{INDIC_PUNCTUATION}",
    "noto-sans-gurmukhi-gurmukhi-400-normal.woff2": f"U+0A01-0A76,{INDIC_PUNCTUATION}",
    "noto-sans-gurmukhi-gurmukhi-700-normal.woff2": f"U+0A01-0A76,{INDIC_PUNCTUATION}",
}


def unicode_range(codepoints: set[int]) -> str:
    """The CSS unicode-range of exactly these code points, as runs."""
    runs: list[list[int]] = []
    for point in sorted(codepoints):
        if runs and point == runs[-1][1] + 1:
            runs[-1][1] = point
        else:
            runs.append([point, point])
    return ",".join(f"U+{a:04X}" if a == b else f"U+{a:04X}-{b:04X}" for a, b in runs)


def cut(name: str, unicodes: str) -> set[int]:
    path = FONTS / name
    options = subset.Options()
    options.layout_features = ["*"]
    options.flavor = "woff2"
    options.name_IDs = ["*"]  # keep the copyright and licence names
    font = TTFont(path, recalcTimestamp=False)  # the same input gives the same file
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=subset.parse_unicodes(unicodes))
    subsetter.subset(font)
    font.flavor = "woff2"
    font.save(path)
    return set(TTFont(path).getBestCmap())


def main() -> None:
    for name, unicodes in SUBSETS.items():
        covered = cut(name, unicodes)
        print(f"{name}: {(FONTS / name).stat().st_size:,} bytes")
        print(f"  unicode-range:{unicode_range(covered)}")


if __name__ == "__main__":
    main()
