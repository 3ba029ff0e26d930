"""Assignments: commissioned pieces of a candidate on trial or of an expert of the pool.

:mod:`records` creates and edits them, :mod:`states` is the one place their state changes,
:mod:`deadlines` turns a deadline between the expert's time zone and UTC, :mod:`brief`
writes the brief email, :mod:`reminders` reminds editors and experts of deadlines.
"""
