"""Text a person types or uploads is stored without invisible control characters.

Bidi overrides and isolates (U+202A–U+202E, U+2066–U+2069) reorder what a reader sees — a name
or an address can display as something other than what it holds, on screen, in the PDF and in the
JSON sent to MH — and marks, zero-width spaces and byte-order marks (U+200B, U+200E, U+200F,
U+FEFF…) make two texts that look equal differ. None belongs in a catalogue or a document, so
every text a form or an upload stores passes ``clean_text``: Unicode control (Cc) and format (Cf)
characters are removed, except tab and line breaks.

One exception keeps emoji and Arabic-script names whole: a zero-width joiner or non-joiner
(U+200D, U+200C) between two visible characters outside Latin script (👩‍💻 is three characters
joined; Persian writes words with U+200C). Between Latin letters it is removed: there it only
hides a difference.
"""

import unicodedata

from django import forms

KEEP = frozenset("\t\n\r")
JOINERS = frozenset("\u200c\u200d")


def _joinable(ch):
    """A visible character outside ASCII and outside Latin script (an emoji, an Arabic letter, a
    variation selector or skin tone of an emoji)."""
    return (not ch.isascii() and unicodedata.category(ch)[0] in "LMNS"
            and not unicodedata.name(ch, "").startswith("LATIN"))


def clean_text(value):
    """``value`` without control and format characters (see the module). Non-strings pass as they are."""
    if value.__class__ is not str or value.isprintable():
        return value  # the usual case, answered in C: no control, format or unusual space character
    kept = []
    last = len(value) - 1
    for i, ch in enumerate(value):
        if ch in KEEP or unicodedata.category(ch) not in ("Cc", "Cf"):
            kept.append(ch)
        elif ch in JOINERS and 0 < i < last and _joinable(value[i - 1]) and _joinable(value[i + 1]):
            kept.append(ch)
    return "".join(kept)


def clean_data(data, *, keep=()):
    """A copy of submitted form data (a QueryDict or a dict) with every text value cleaned, except
    the keys in ``keep`` (passwords are compared as typed, never altered)."""
    if hasattr(data, "getlist"):
        cleaned = data.copy()  # a mutable QueryDict, keys in their order
        for key in data:
            if key not in keep:
                cleaned.setlist(key, [clean_text(v) for v in data.getlist(key)])
        return cleaned
    return {key: value if key in keep else clean_text(value) for key, value in data.items()}


class CleanTextFormMixin:
    """For every form that stores what a person types: the submitted text is cleaned before any
    field sees it, so validation, the saved value and the redisplayed form agree. Fields that keep
    their input as typed (``strip=False``: passwords) are left alone."""

    def full_clean(self):
        if self.is_bound:
            keep = {self.add_prefix(name) for name, field in self.fields.items()
                    if getattr(field, "strip", True) is False or isinstance(field.widget, forms.PasswordInput)}
            self.data = clean_data(self.data, keep=keep)
        super().full_clean()
