"""Cut the self-hosted fonts down to the letters our languages use (see README.md).

    .venv/bin/pip install fonttools brotli
    .venv/bin/python static/fonts/subset.py [NODE_MODULES]

With NODE_MODULES (a folder where `npm install @fontsource/noto-sans-arabic@5.3.0
@fontsource/noto-sans-bengali@5.3.0 @fontsource/noto-sans-gurmukhi@5.3.0` put the
packages), each font is cut again from its full @fontsource file, which is how a letter
is added; without it, the files here are cut in place (running it again on its own
output changes nothing). Keeps every OpenType layout feature, so joining, conjuncts and
marks still shape; only characters no shipped language writes are dropped. One weight
(400) per script: browsers draw bold by emboldening it (decision 0010). Prints the
unicode-range each web @font-face in static/css/scripts.css must declare.
"""

from __future__ import annotations

import sys
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
# Modern Bengali: every letter, sign and digit the language writes, and the taka sign.
# Left out: Assamese ra and wa (U+09F0-09F1), the Sanskrit vocalic L and RR
# (U+098C, U+09C4, U+09E0-09E3), old currency numerators (U+09F4-09F9, U+09FB), and
# the Vedic and abbreviation signs (U+0980, U+09FC-09FE).
BENGALI = (
    "U+0981-0983,U+0985-098B,U+098F-0990,U+0993-09A8,U+09AA-09B0,U+09B2,U+09B6-09B9,"
    "U+09BC-09C3,U+09C7-09C8,U+09CB-09CE,U+09D7,U+09DC-09DD,U+09DF,U+09E6-09EF,"
    f"U+09F2-09F3,U+09FA,{INDIC_PUNCTUATION}"
)
GURMUKHI = f"U+0A01-0A76,{INDIC_PUNCTUATION}"
# Each font we ship: its @fontsource package, and the characters it keeps. Noto Sans
# Arabic draws Arabic and Pashto, and Urdu on a device without a Nastaliq font.
SUBSETS = {
    "noto-sans-arabic-arabic-400-normal.woff2": (
        "@fontsource/noto-sans-arabic",
        f"{ARABIC_CORE},{PASHTO},{URDU}",
    ),
    "noto-sans-bengali-bengali-400-normal.woff2": ("@fontsource/noto-sans-bengali", BENGALI),
    "noto-sans-gurmukhi-gurmukhi-400-normal.woff2": ("@fontsource/noto-sans-gurmukhi", GURMUKHI),
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


def cut(source: Path, target: Path, unicodes: str) -> set[int]:
    """Write the subset of ``source`` holding ``unicodes`` to ``target``; its code points."""
    options = subset.Options()
    options.layout_features = ["*"]
    options.flavor = "woff2"
    options.name_IDs = ["*"]  # keep the copyright and licence names
    font = TTFont(source, recalcTimestamp=False)  # the same input gives the same file
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=subset.parse_unicodes(unicodes))
    subsetter.subset(font)
    font.flavor = "woff2"
    font.save(target)
    return set(TTFont(target).getBestCmap())


def main(argv: list[str]) -> None:
    packages = Path(argv[0]) if argv else None
    for name, (package, unicodes) in SUBSETS.items():
        source = packages / package / "files" / name if packages else FONTS / name
        covered = cut(source, FONTS / name, unicodes)
        print(f"{name}: {(FONTS / name).stat().st_size:,} bytes")
        print(f"  unicode-range:{unicode_range(covered)}")


if __name__ == "__main__":
    main(sys.argv[1:])
