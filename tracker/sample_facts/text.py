"""Measure a writing sample's text: words, reading time, language, shingles, passages.

No database here. The language detector (lingua) and MinHash (datasketch, which loads
numpy and scipy) are imported inside the functions that use them: only the worker pays
for them, never the web server (tests/test_lazy_imports.py).
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache

# An adult reads some 200–250 words a minute of non-fiction; 200 because editors read a
# sample closely, often in their second language.
WORDS_PER_MINUTE = 200
# Bounded work whatever a sample holds: shingles, MinHash and passages use only the first
# MAX_TEXT_CHARS characters (about 7,000 words, more than any writing sample a call asks
# for); the word count counts the whole text.
MAX_TEXT_CHARS = 50_000
# The detector reads the beginning only: a few paragraphs tell the language as surely as
# the whole text and cost a fraction of it.
LANGUAGE_CHARS = 5_000
# Word shingles of this many words: long enough that two texts on the same subject share
# few by chance, short enough that a copy with small edits keeps most of them.
SHINGLE_WORDS = 5
# MinHash permutations, cut into BANDS bands of PERMUTATIONS // BANDS rows each: two
# samples become candidates when any band agrees. With 32 bands of 2 rows a pair whose
# shingle sets overlap by a Jaccard index of 0.25 is found 87 % of the time, one of 0.33
# (half of an equal-sized sample copied) 97.5 %; the exact share then decides.
PERMUTATIONS = 64
BANDS = 32
# A matching passage is shown from this many words on; at most MAX_PASSAGES of them, each
# cut to PASSAGE_WORDS words.
MIN_PASSAGE_WORDS = 8
MAX_PASSAGES = 5
PASSAGE_WORDS = 80
# The languages the detector chooses among: the region's (ka, hy, az, ru, tr, fa), the
# newsroom's (de, en), the neighbours' an applicant may write in, and Arabic, which would
# otherwise be read as Persian (same script). A fixed list keeps it small: in lingua's
# low-accuracy mode a process of some 26 MB, 50 ms for the first text.
LANGUAGES = ("ka", "hy", "az", "ru", "de", "en", "tr", "fa", "ar", "uk", "fr", "es", "it", "pl")

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Words:
    """A text's words: their normalised forms, and where each stands in the text."""

    text: str
    forms: list[str]
    spans: list[tuple[int, int]]

    @classmethod
    def of(cls, text: str) -> Words:
        """Return the words of *text*, cut to MAX_TEXT_CHARS."""
        text = text[:MAX_TEXT_CHARS]
        matches = list(_WORD.finditer(text))
        return cls(text, [m.group().casefold() for m in matches], [m.span() for m in matches])

    def passage(self, start: int, size: int) -> str:
        """Return the text of words *start* … *start* + *size* as written, cut to PASSAGE_WORDS."""
        end = start + min(size, PASSAGE_WORDS) - 1
        shown = self.text[self.spans[start][0] : self.spans[end][1]]
        return shown + (" …" if size > PASSAGE_WORDS else "")


def word_count(text: str) -> int:
    """Return how many words *text* has (letters and digits between the rest)."""
    return sum(1 for _ in _WORD.finditer(text))


def reading_minutes(words: int) -> int:
    """Return the minutes reading *words* words takes at WORDS_PER_MINUTE, at least 1."""
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


@cache
def _detector():
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [
        Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in LANGUAGES
    ]
    # Low-accuracy mode loads trigram models only: 26 instead of 116 MB, and 50 ms instead
    # of 0.45 s for the first text; a sample has paragraphs, where trigrams are enough.
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


def detect_language(text: str) -> tuple[str | None, float | None]:
    """Return the ISO 639-1 code of *text*'s language and the detector's confidence
    (0 to 1), or (None, None) when it recognises none of LANGUAGES (another script)."""
    values = _detector().compute_language_confidence_values(text[:LANGUAGE_CHARS])
    if not values or values[0].value <= 0:
        return None, None
    best = values[0]
    return best.language.iso_code_639_1.name.lower(), round(best.value, 4)


def shingles(words: Words) -> set[str]:
    """Return the SHINGLE_WORDS-word shingles of *words* (a shorter text: its words)."""
    forms = words.forms
    if len(forms) < SHINGLE_WORDS:
        return {" ".join(forms)} if forms else set()
    return {" ".join(forms[i : i + SHINGLE_WORDS]) for i in range(len(forms) - SHINGLE_WORDS + 1)}


def band_keys(shingle_set: set[str]) -> list[int]:
    """Return the BANDS keys of the MinHash of *shingle_set*, as signed 64-bit integers
    (a band's number and its rows hashed together: equal keys, equal band)."""
    if not shingle_set:
        return []
    from datasketch import MinHash

    minhash = MinHash(num_perm=PERMUTATIONS, seed=1)
    minhash.update_batch([shingle.encode() for shingle in sorted(shingle_set)])
    rows = PERMUTATIONS // BANDS
    keys = []
    for band in range(BANDS):
        values = minhash.hashvalues[band * rows : (band + 1) * rows]
        digest = hashlib.blake2b(bytes([band]) + values.tobytes(), digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
    return keys


def share_in(own: set[str], other: set[str]) -> float:
    """Return the share of *own* shingles that are also in *other* (0 to 1)."""
    return len(own & other) / len(own) if own else 0.0


def passages(own: Words, other: Words) -> list[tuple[str, str]]:
    """Return the longest passages the two texts share, as each writes them, in *own*'s
    order: (own passage, other's passage), at most MAX_PASSAGES."""
    matcher = SequenceMatcher(None, own.forms, other.forms, autojunk=False)
    blocks = [b for b in matcher.get_matching_blocks() if b.size >= MIN_PASSAGE_WORDS]
    longest = sorted(blocks, key=lambda b: -b.size)[:MAX_PASSAGES]
    return [
        (own.passage(b.a, b.size), other.passage(b.b, b.size))
        for b in sorted(longest, key=lambda b: b.a)
    ]
