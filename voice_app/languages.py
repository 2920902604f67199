"""The languages Family Voice knows, named in their own script. No Flask imports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str  # Babel locale identifier, as in translations/<code>/
    native_name: str
    english_name: str
    rtl: bool = False

    @property
    def html_lang(self) -> str:
        """BCP 47 tag for the lang attribute (en_GB -> en-GB)."""
        return self.code.replace("_", "-")

    @property
    def direction(self) -> str:
        return "rtl" if self.rtl else "ltr"


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("en_GB", "English", "English"),
        Language("cy", "Cymraeg", "Welsh"),
        Language("pl", "Polski", "Polish"),
        Language("ro", "Română", "Romanian"),
        Language("pt", "Português", "Portuguese"),
        Language("uk", "Українська", "Ukrainian"),
        Language("ar", "العربية", "Arabic", rtl=True),
        Language("ur", "اردو", "Urdu", rtl=True),
        Language("ps", "پښتو", "Pashto", rtl=True),
        Language("bn", "বাংলা", "Bengali"),
        Language("pa", "ਪੰਜਾਬੀ", "Punjabi (Gurmukhi)"),
        Language("so", "Soomaali", "Somali"),
    )
}
SOURCE_LANGUAGE = "en_GB"


def best_match(requested: list[tuple[str, float]], available: list[str]) -> str | None:
    """Pick the first requested language tag (by quality) that we have, loosely matched.

    ``requested`` is an Accept-Language list of (tag, quality); "en-US" matches "en_GB"
    and "pt-BR" matches "pt".
    """
    by_primary = {code.split("_")[0].lower(): code for code in available}
    exact = {code.lower().replace("_", "-"): code for code in available}
    for tag, _quality in sorted(requested, key=lambda item: -item[1]):
        tag = tag.lower()
        if tag in exact:
            return exact[tag]
        primary = tag.split("-")[0]
        if primary in by_primary:
            return by_primary[primary]
    return None
