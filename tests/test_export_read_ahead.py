"""The export's rows are read a batch ahead by a thread of their own (exports.rows.read_ahead)."""

from __future__ import annotations

import itertools
import threading

import pytest

from tracker.exports.rows import read_ahead


def _readers() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "export-read-ahead"]


def test_every_batch_arrives_in_order():
    assert list(read_ahead(iter([[1, 2], [3], [4, 5, 6]]))) == [[1, 2], [3], [4, 5, 6]]
    assert list(read_ahead(iter([]))) == []
    assert _readers() == []


def test_an_error_of_the_reading_thread_reaches_the_writer():
    def batches():
        yield [1]
        raise LookupError("the database went away")

    rows = read_ahead(batches())
    assert next(rows) == [1]
    with pytest.raises(LookupError, match="the database went away"):
        next(rows)
    assert _readers() == []


def test_a_writer_that_stops_early_stops_the_reader():
    read = []

    def endless():
        for number in itertools.count():
            read.append(number)
            yield [number]

    rows = read_ahead(endless(), depth=2)
    assert next(rows) == [0]
    rows.close()
    assert _readers() == []
    # The first batch, the two waiting, and the one the reader held when it was stopped.
    assert len(read) <= 4
