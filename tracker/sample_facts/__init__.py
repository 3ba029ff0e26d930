"""Writing-sample facts: length, language and possible copies, computed by the worker.

:mod:`~tracker.sample_facts.text` measures one text (no database), :mod:`~.job` stores
what it found and finds near-duplicates, :mod:`~.shown` tells pages what to show.
"""
