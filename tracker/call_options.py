"""The rules of a call's options, and the lines in which an administrator writes targets.

Regions and topics are edited as rows (tracker.admin.option_rows) under the rules here;
targets as ``region | number`` lines, parsed with every problem reported and written back.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from tracker.calls import CallError

# Region and topic keys are stored on every application and used in filters and exports.
OPTION_KEY_PATTERN = re.compile(r"^[a-z0-9_]{1,60}$")
OPTION_LABEL_MAX_LENGTH = 200
OPTION_MAX_LINES = 200
TARGET_MAX = 999


class OptionLinesError(CallError):
    """Structured lines (regions, topics, targets) cannot be read; one message per problem."""

    def __init__(self, messages: list, *, field: str):
        super().__init__(" ".join(str(message) for message in messages), field=field)
        self.messages = list(messages)


def _split_line(line: str) -> list[str]:
    return [part.strip() for part in line.split("|")]


def parse_target_lines(text: str, region_keys) -> dict[str, int]:
    """Read ``region key | number`` lines into {region: experts wanted}.

    :raises OptionLinesError: for an unknown region, a repeated one, or a number that is
        not a whole number from 0 to TARGET_MAX. A target of 0 means no target.
    """
    problems: list = []
    targets: dict[str, int] = {}
    region_keys = set(region_keys)
    for number, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        parts = _split_line(line)
        if len(parts) != 2:
            problems.append(
                _l("Line %(n)s: write the region key and a number, like “georgia | 2”.", n=number)
            )
            continue
        key, count = parts
        if key not in region_keys:
            problems.append(
                _l("Line %(n)s: “%(key)s” is not a region of this call.", n=number, key=key[:60])
            )
        elif key in targets:
            problems.append(
                _l("Line %(n)s: the region “%(key)s” is listed twice.", n=number, key=key)
            )
        elif not count.isascii() or not count.isdigit() or int(count) > TARGET_MAX:
            problems.append(
                _l(
                    "Line %(n)s: the target must be a whole number from 0 to %(max)s.",
                    n=number,
                    max=TARGET_MAX,
                )
            )
        else:
            targets[key] = int(count)
    if problems:
        raise OptionLinesError(problems, field="targets")
    return {key: count for key, count in targets.items() if count > 0}


def format_target_lines(targets: dict, regions: list[dict]) -> str:
    """Write targets as ``region | number`` lines, in the order of the regions."""
    order = [region["key"] for region in regions]
    keys = sorted(targets, key=lambda key: order.index(key) if key in order else len(order))
    return "\n".join(f"{key} | {targets[key]}" for key in keys)
