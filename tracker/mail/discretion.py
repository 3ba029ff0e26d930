"""No email subject names an applicant at risk: their reference stands in for the name.

A subject is what a locked phone, a mail program's notification and a mail server's log
show to whoever looks; the body only to the reader. An applicant at risk
(Application.at_risk) must not be named there, in any email about them: to them
(acknowledgement, every template, editors' emails, assignment briefs, reminders) or to
staff (notifications). Three places see to it, all with :class:`Discretion`:

- the one renderer (:func:`tracker.mail.templates.render` and ``render_file``) writes the
  application's reference where a subject places ``{{ first_name }}`` or
  ``{{ full_name }}``, and replaces any spelling of the name left in a rendered subject
  (a notification's sentence) by the reference;
- a subject an editor types that names them is refused with a message that says why
  (:func:`tracker.mail.compose.check_subject`): a newsroom expects to be told, not to find
  its words changed after sending;
- the outbox (:func:`tracker.mail.outbox.queue`), every email's only way out, replaces
  the name in whatever subject reaches it about them, so that no template added later
  can slip one through.

A subject names someone when it holds their full name in any spelling the app matches
people by (:func:`tracker.applications.people.name_key`): any script, order or case —
"Tamar Example", "EXAMPLE, Tamar", "Тамар Экзампл". The name of an expert made from the
application counts too. A first name alone does not: it names nobody.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from tracker.applications.people import name_key

# Placeholders that hold the applicant's name (templates.APPLICANT_VALUES).
NAME_PLACEHOLDERS = frozenset({"first_name", "full_name"})
# A word of a name: letters of any script, joined by apostrophes, hyphens or full stops.
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019\u02bc.\-\u2010\u2011][^\W\d_]+)*")


@dataclass(frozen=True)
class Discretion:
    """Whom a subject must not name: an applicant at risk, by their reference."""

    reference: str
    # The name key's tokens of each name they go by, sorted (as people.name_key sorts).
    names: tuple[tuple[str, ...], ...]

    def _spans(self, text: str) -> list[tuple[int, int]]:
        """Return where *text* spells one of the names: runs of consecutive words whose
        tokens are exactly a name's, left to right, not overlapping."""
        words = [(m.start(), m.end(), name_key(m.group()).split()) for m in _WORD.finditer(text)]
        spans, i = [], 0
        while i < len(words):
            end = None
            for name in self.names:
                tokens: list[str] = []
                for j in range(i, len(words)):
                    tokens += words[j][2]
                    if len(tokens) >= len(name):
                        if tuple(sorted(tokens)) == name:
                            end = j
                        break
                if end is not None:
                    break
            if end is None:
                i += 1
                continue
            spans.append((words[i][0], words[end][1]))
            i = end + 1
        return spans

    def names_in(self, text: str) -> bool:
        """Tell whether *text* names the applicant."""
        return bool(self._spans(text))

    def shield(self, subject: str) -> str:
        """Return *subject* with every spelling of the name replaced by the reference
        ("Tamar Example (CW-1)" becomes "CW-1", not "CW-1 (CW-1)")."""
        for start, end in reversed(self._spans(subject)):
            subject = subject[:start] + self.reference + subject[end:]
        return subject.replace(f"{self.reference} ({self.reference})", self.reference)


def discretion_for(application=None, expert=None) -> Discretion | None:
    """Return the Discretion an email about *application* (or to *expert*, made from an
    application) needs, or None when the applicant is not at risk."""
    if application is None and expert is not None:
        application = expert.application
    if application is None or not application.at_risk:
        return None
    spelled = {application.full_name or ""}
    if expert is not None:
        spelled.add(expert.full_name or "")
    names = tuple(
        sorted({tuple(key.split()) for key in map(name_key, spelled) if key}, key=len, reverse=True)
    )
    return Discretion(reference=application.reference, names=names)


def subject_values(
    values: Mapping[str, str], discretion: Discretion | None
) -> Iterator[tuple[str, str]]:
    """Yield the (name, value) pairs of *values* for a subject: the reference in place of
    the name placeholders where *discretion* protects the applicant."""
    for name, value in values.items():
        hidden = discretion is not None and name in NAME_PLACEHOLDERS
        yield name, discretion.reference if hidden else value


def shield_subject(subject: str, discretion: Discretion | None) -> str:
    """Return *subject* without the name of the applicant *discretion* protects."""
    return subject if discretion is None else discretion.shield(subject)
