"""Plan fake applications, one at a time, from a seeded random source and Faker.

A plan is plain data (the application row, its languages, topics, documents and status
history) that `tracker.demo.seed` writes in bulk. Statuses go into the new rows as they
are built; no existing application's status is ever changed here.
"""

from __future__ import annotations

import random
import secrets
from collections import deque
from datetime import datetime

from faker import Faker
from faker.decode import unidecode
from flask import current_app

from tracker.applications.people import name_key
from tracker.applications.submit import REFERENCE_ALPHABET
from tracker.demo.data import (
    BENCHMARK_SHARE,
    DIASPORA_COUNTRIES,
    EMAIL_DOMAINS,
    GERMAN_LEVELS,
    HEARD_ABOUT,
    HEARD_ABOUT_OTHER,
    LETTER_CLOSINGS,
    LETTER_OPENINGS,
    LETTER_SENTENCES,
    LOCALES,
    NATIVE_LANGUAGES,
    OTHER_LEVELS,
    REGION_LANGUAGES,
    REGION_WEIGHTS,
    REGIONS,
    STATUS_WEIGHTS,
    latin,
)
from tracker.demo.documents import CV_TEMPLATES, SAMPLE_TEMPLATES
from tracker.enums import (
    ELSEWHERE,
    FINAL_STATUSES,
    TRANSITIONS,
    DocumentKind,
    RejectionReason,
    Status,
)


class ApplicationGenerator:
    """Plan one fake application at a time from a seeded random source and Faker."""

    def __init__(self, rng: random.Random, fake: Faker, call) -> None:
        self.rng = rng
        self.fake = fake
        self.call = call
        self.prefix = current_app.config["REFERENCE_PREFIX"]
        self.privacy_version = call.privacy_version or current_app.config["PRIVACY_NOTICE_VERSION"]
        self.region_labels = {region["key"]: region["label"] for region in call.regions}
        self.countries = {region["key"]: region["country"] for region in call.regions}
        self.groups = {region["key"]: region.get("group") for region in call.regions}
        self.topic_labels = {topic["key"]: topic["label"] for topic in call.topics}
        # The regions the call offers, in its order: what applicants cover.
        self.regions = [region["key"] for region in call.regions if region["key"] in REGIONS]
        # Where applicants live: in one of those regions, or in the diaspora.
        self.homes = [key for key in REGION_WEIGHTS if key in self.countries or key == ELSEWHERE]
        self.home_weights = [REGION_WEIGHTS[key] for key in self.homes]

    def _pick(self, weights: dict):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def application(self, created_at: datetime, now: datetime) -> dict:
        """Plan one application received at *created_at*, its history ending before *now*."""
        rng = self.rng
        home = rng.choices(self.homes, weights=self.home_weights)[0]
        covered = self._covered(home)
        locale, dialling_code, cities = REGIONS[home]
        if home == ELSEWHERE:
            locale = rng.choice(LOCALES)  # the diaspora, and Germans who know the region
        elif rng.random() < 0.08:
            locale = "de_DE"  # Germans and Austrians living in the region
        native_script = locale != "de_DE" and rng.random() < 0.35
        first, last, female = self._name(locale)
        latin_first, latin_last = latin(first, locale), latin(last, locale)
        full_name = f"{first} {last}" if native_script else f"{latin_first} {latin_last}"
        latin_city, native_city = rng.choice(cities)
        city = native_city if native_script else latin_city
        language = rng.choices(("de", "en", "ru"), weights=(45, 25, 30))[0]
        topics = rng.sample(list(self.topic_labels), k=rng.choice((1, 1, 2, 2, 3)))
        status = self._pick(STATUS_WEIGHTS)
        documents, typed_letter, sample_url = self._documents(language, latin_last)
        heard_about = rng.choice((*HEARD_ABOUT, None))
        history = self._history(status, created_at, now)
        chars = "".join(rng.choice(REFERENCE_ALPHABET) for _ in range(6))
        application = {
            "call_id": self.call.id,
            "reference": f"{self.prefix}-{chars[:4]}-{chars[4:]}",
            "form_token": f"demo-{secrets.token_urlsafe(24)}",
            "full_name": full_name,
            "name_key": name_key(full_name),
            "email": self._email(latin_first, latin_last),
            "phone": f"{dialling_code} {rng.randint(100, 999)} {rng.randint(100000, 999999)}"
            if rng.random() < 0.7
            else None,
            "country": ELSEWHERE if home == ELSEWHERE else self.countries[home],
            "country_other": DIASPORA_COUNTRIES[latin_city] if home == ELSEWHERE else None,
            "city": city,
            "cover_letter": self._letter(language, city, covered[0], topics[0], female)
            if typed_letter
            else None,
            "writing_sample_url": sample_url,
            "links": [
                f"https://example.com/{latin_last.lower() or 'author'}/{rng.randint(1, 9999)}"
                for _ in range(rng.choice((0, 0, 1, 2, 3)))
            ],
            "preferred_language": language,
            "heard_about": heard_about,
            "heard_about_other": rng.choice(HEARD_ABOUT_OTHER) if heard_about == "other" else None,
            "consent_at": created_at,
            "privacy_version": self.privacy_version,
            "status": status.value,
            "created_at": created_at,
            # Retention counts from the decision: the time of the last change, if final.
            "decided_at": history[-1]["created_at"] if status in FINAL_STATUSES else None,
        }
        return {
            "application": application,
            "languages": self._languages(home, locale),
            "topics": topics,
            "regions": covered,
            "documents": documents,
            "history": history,
        }

    def _name(self, locale: str) -> tuple[str, str, bool]:
        fake = self.fake[locale]
        female = self.rng.random() < 0.5
        if locale in {"ru_RU", "de_DE", "az_AZ"}:
            if female:
                return fake.first_name_female(), fake.last_name_female(), female
            return fake.first_name_male(), fake.last_name_male(), female
        first = fake.first_name_female() if female else fake.first_name_male()
        return first, fake.last_name(), female

    def _email(self, first: str, last: str) -> str:
        def slug(text: str) -> str:
            # unidecode has no letter for the Azerbaijani schwa; people write "e".
            text = unidecode(text.replace("ə", "e").replace("Ə", "E")).lower()
            return "".join(char for char in text if char.isascii() and char.isalnum())

        user = ".".join(part for part in (slug(first), slug(last)) if part) or "applicant"
        if self.rng.random() < 0.5:
            user += str(self.rng.randint(1, 99))
        return f"{user}@{self.rng.choice(EMAIL_DOMAINS)}"

    def _covered(self, home: str) -> list[str]:
        """Return the regions someone living in *home* covers, in the call's order.

        The diaspora covers one to three regions; of those living in a region, some also
        cover one or two of its group (a journalist in Grozny who also covers Ingushetia).
        """
        rng = self.rng
        if home == ELSEWHERE:
            covered = rng.sample(self.regions, k=rng.choice((1, 2, 2, 3)))
        else:
            covered = [home]
            group = [
                key for key in self.regions if key != home and self.groups[key] == self.groups[home]
            ]
            if group and rng.random() < 0.2:
                covered += rng.sample(group, k=min(len(group), rng.choice((1, 2))))
        return sorted(covered, key=self.regions.index)

    def _letter(self, language: str, city: str, region: str, topic: str, female: bool) -> str:
        rng = self.rng
        label = self.region_labels[region].get(language) or self.region_labels[region]["de"]
        topic_label = self.topic_labels[topic].get(language) or self.topic_labels[topic]["de"]
        if language != "de" and topic_label[1:2].islower():
            # Mid-sentence in English and Russian ("my focus is energy"), but not "СМИ".
            topic_label = topic_label[0].lower() + topic_label[1:]
        # The first sentence says where the applicant lives; the rest vary.
        first, *others = LETTER_SENTENCES[language]
        sentences = [first, *rng.sample(others, k=rng.randint(2, 4))]
        body = " ".join(
            sentence.format(city=city, region=label, topic=topic_label, years=rng.randint(2, 15))
            for sentence in sentences
        )
        if language == "ru":
            body = body.replace("(а)", "а" if female else "")
        return "\n\n".join([rng.choice(LETTER_OPENINGS[language]), body, LETTER_CLOSINGS[language]])

    def _languages(self, region: str, locale: str) -> list[dict]:
        rng = self.rng
        german = "native" if locale == "de_DE" else self._pick(GERMAN_LEVELS)
        rows = [{"language": "de", "level": german, "position": 0}]
        candidates = REGION_LANGUAGES[region]
        if region == ELSEWHERE and locale != "de_DE":
            candidates = [NATIVE_LANGUAGES[locale], *candidates]
        others = [candidates[0], *rng.sample(candidates[1:], k=rng.randint(0, len(candidates) - 1))]
        for position, code in enumerate(dict.fromkeys(others), start=1):
            # The region's first language is the applicant's own; a German learnt them all.
            level = "native" if position == 1 and locale != "de_DE" else self._pick(OTHER_LEVELS)
            rows.append({"language": code, "level": level, "position": position})
        return rows

    def _documents(
        self, language: str, last_name: str
    ) -> tuple[list[tuple[DocumentKind, str, str]], bool, str | None]:
        """Plan (kind, template, filename) per document; say whether the letter is typed."""
        rng = self.rng
        name = last_name or "Bewerbung"
        cv_type = "pdf" if rng.random() < 0.7 else "docx"
        benchmark = rng.random() < BENCHMARK_SHARE
        if benchmark:
            cv = f"cv_benchmark_{cv_type}"
        else:
            cv = rng.choice([key for key in CV_TEMPLATES if key.endswith(cv_type)])
        cv_name = {"de": f"Lebenslauf {name}", "en": f"CV {name}", "ru": "Резюме"}[language]
        documents = [(DocumentKind.CV, cv, f"{cv_name}.{cv_type}")]
        typed_letter = rng.random() < 0.7
        if not typed_letter:
            letter = {"de": "letter_de_docx", "en": "letter_en_docx", "ru": "letter_ru_txt"}
            letter_name = {"de": "Anschreiben", "en": "Cover letter", "ru": "Письмо"}
            documents.append((DocumentKind.COVER_LETTER, letter[language], letter_name[language]))
        sample_url = None
        if rng.random() < 0.65:
            sample = rng.choice(list(SAMPLE_TEMPLATES))
            sample_name = {"de": "Arbeitsprobe", "en": "Writing sample", "ru": "Статья"}
            documents.append(
                (DocumentKind.WRITING_SAMPLE, sample, f"{sample_name[language]} {name}")
            )
        else:
            sample_url = f"https://example.org/articles/{rng.randint(1000, 99999)}"
        return documents, typed_letter, sample_url

    def _history(self, status: Status, created_at: datetime, now: datetime) -> list[dict]:
        """Return the status changes that lead from new to *status*, oldest first."""
        path = _path_to(status)
        rows = []
        moment = created_at
        for before, after in zip(path, path[1:], strict=False):
            moment += (now - moment) * self.rng.uniform(0.05, 0.5)
            rows.append(
                {
                    "from_status": before.value,
                    "to_status": after.value,
                    "actor_id": None,
                    "reason": self.rng.choice(list(RejectionReason)).value
                    if after is Status.REJECTED
                    else None,
                    "note": None,
                    "created_at": moment,
                }
            )
        return rows


def _path_to(target: Status) -> list[Status]:
    """Return the shortest way through the transition table from new to *target*."""
    paths = {Status.NEW: [Status.NEW]}
    queue = deque([Status.NEW])
    while queue:
        current = queue.popleft()
        for following in sorted(TRANSITIONS[current]):
            if following not in paths:
                paths[following] = [*paths[current], following]
                queue.append(following)
    return paths[target]
