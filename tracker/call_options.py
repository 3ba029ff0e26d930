"""The lines an administrator writes for a call's regions, topics and targets.

``key | German | English | Russian`` for topics; regions may add ``| country`` and
``| group`` (south_caucasus, north_caucasus or neighbouring: the heading the form lists the
region under); ``region | number`` for targets. Parsed into the call's data with every
problem reported, and written back.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from tracker.calls import CallError
from tracker.enums import ELSEWHERE, REGION_GROUPS, UI_LANGUAGES

# Region and topic keys are stored on every application and used in filters and exports.
OPTION_KEY_PATTERN = re.compile(r"^[a-z0-9_]{1,60}$")
OPTION_LABEL_MAX_LENGTH = 200
OPTION_MAX_LINES = 200
TARGET_MAX = 999
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class OptionLinesError(CallError):
    """Structured lines (regions, topics, targets) cannot be read; one message per problem."""

    def __init__(self, messages: list, *, field: str):
        super().__init__(" ".join(str(message) for message in messages), field=field)
        self.messages = list(messages)


def _split_line(line: str) -> list[str]:
    return [part.strip() for part in line.split("|")]


def _check_label(label: str, number: int, problems: list) -> None:
    if not label:
        problems.append(_l("Line %(n)s: every label must be filled in.", n=number))
    elif len(label) > OPTION_LABEL_MAX_LENGTH or _CONTROL.search(label):
        problems.append(
            _l(
                "Line %(n)s: a label may have up to %(max)s characters on one line.",
                n=number,
                max=OPTION_LABEL_MAX_LENGTH,
            )
        )


def _parse_option_lines(text: str, *, field: str, with_country: bool) -> list[dict]:
    """Read ``key | German | English | Russian [| country]`` lines into option dicts."""
    problems: list = []
    options: list[dict] = []
    seen: set[str] = set()
    lines = [(n, line) for n, line in enumerate((text or "").splitlines(), 1) if line.strip()]
    if not lines:
        raise OptionLinesError([_l("Please write at least one line.")], field=field)
    if len(lines) > OPTION_MAX_LINES:
        raise OptionLinesError(
            [_l("Please write at most %(max)s lines.", max=OPTION_MAX_LINES)], field=field
        )
    allowed = (4, 5, 6) if with_country else (4,)
    for number, line in lines:
        parts = _split_line(line)
        if len(parts) not in allowed:
            problems.append(
                _l(
                    "Line %(n)s: write the key, then the German, English and Russian "
                    "labels, separated by “|”.",
                    n=number,
                )
                if not with_country
                else _l(
                    "Line %(n)s: write the key, the German, English and Russian labels "
                    "and optionally the country and the group, separated by “|”.",
                    n=number,
                )
            )
            continue
        key, de, en, ru = parts[:4]
        # An empty country part (“key | … | ru | | neighbouring”) also means the key.
        country = (parts[4] if len(parts) >= 5 else "") or key
        group = parts[5] if len(parts) == 6 else ""
        if not OPTION_KEY_PATTERN.match(key):
            problems.append(
                _l(
                    "Line %(n)s: the key “%(key)s” may only contain lower-case letters a–z, "
                    "digits and “_”.",
                    n=number,
                    key=key[:60],
                )
            )
            continue
        if key in seen:
            problems.append(_l("Line %(n)s: the key “%(key)s” is used twice.", n=number, key=key))
            continue
        seen.add(key)
        before = len(problems)
        for label in (de, en, ru):
            _check_label(label, number, problems)
            if len(problems) > before:
                break
        if with_country and not OPTION_KEY_PATTERN.match(country):
            problems.append(
                _l(
                    "Line %(n)s: the country may only contain lower-case letters a–z, "
                    "digits and “_”.",
                    n=number,
                )
            )
        if with_country and ELSEWHERE in (key, country):
            # "elsewhere" is the home country of applicants outside the call's countries.
            problems.append(
                _l(
                    "Line %(n)s: “elsewhere” cannot be a region or its country; applicants "
                    "who live elsewhere name their country themselves.",
                    n=number,
                )
            )
        if group and group not in REGION_GROUPS:
            problems.append(
                _l(
                    "Line %(n)s: the group “%(group)s” is unknown; write south_caucasus, "
                    "north_caucasus or neighbouring, or leave it out.",
                    n=number,
                    group=group[:60],
                )
            )
        option = {"key": key, "label": {"de": de, "en": en, "ru": ru}}
        if with_country:
            option = {"key": key, "country": country, "label": option["label"]}
            if group:
                option["group"] = group
        options.append(option)
    if problems:
        raise OptionLinesError(problems, field=field)
    return options


def parse_region_lines(text: str) -> list[dict]:
    """Read regions from ``key | German | English | Russian | country | group`` lines.

    The country is optional and defaults to the key; the group is optional too (a region
    without one is listed after the groups). :raises OptionLinesError:
    """
    return _parse_option_lines(text, field="regions", with_country=True)


def parse_topic_lines(text: str) -> list[dict]:
    """Read topics from ``key | German | English | Russian`` lines. :raises OptionLinesError:"""
    return _parse_option_lines(text, field="topics", with_country=False)


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


def format_region_lines(regions: list[dict]) -> str:
    """Write regions as the lines parse_region_lines reads."""
    return "\n".join(
        " | ".join(
            [region["key"], *(region["label"].get(code, "") for code in UI_LANGUAGES)]
            + [region.get("country") or region["key"]]
            + ([region["group"]] if region.get("group") else [])
        )
        for region in regions
    )


def format_topic_lines(topics: list[dict]) -> str:
    """Write topics as the lines parse_topic_lines reads."""
    return "\n".join(
        " | ".join([topic["key"], *(topic["label"].get(code, "") for code in UI_LANGUAGES)])
        for topic in topics
    )


def format_target_lines(targets: dict, regions: list[dict]) -> str:
    """Write targets as ``region | number`` lines, in the order of the regions."""
    order = [region["key"] for region in regions]
    keys = sorted(targets, key=lambda key: order.index(key) if key in order else len(order))
    return "\n".join(f"{key} | {targets[key]}" for key in keys)
