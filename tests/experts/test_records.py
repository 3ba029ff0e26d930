"""Finding the person already in the pool, and setting what an expert covers."""

from tracker.experts.records import (
    MATCH_EMAIL,
    MATCH_NAME,
    find_expert,
    new_expert,
    set_expertise,
    timezone_for_country,
)
from tracker.extensions import db


def test_an_expert_is_found_by_address_in_any_case_then_by_name_in_any_script(app):
    expert = new_expert(full_name="Nino Beridze", email=" Nino@Example.org", source="import")
    db.session.commit()

    assert expert.email == "nino@example.org"
    assert find_expert("NINO@example.org", "Someone Else") == (expert, MATCH_EMAIL)
    assert find_expert("other@example.org", "Беридзе Нино") == (expert, MATCH_NAME)
    assert find_expert("other@example.org", "ნინო ბერიძე") == (expert, MATCH_NAME)
    assert find_expert("other@example.org", "Tamar Beridze") == (None, None)


def test_a_name_two_experts_share_matches_neither(app):
    new_expert(full_name="Nino Beridze", email="a@example.org", source="import")
    new_expert(full_name="Beridze Nino", email="b@example.org", source="import")
    db.session.commit()

    assert find_expert("c@example.org", "Nino Beridze") == (None, None)


def test_expertise_is_replaced_in_place_keeping_order(app):
    expert = new_expert(full_name="Nino Beridze", email="n@example.org", source="import")
    set_expertise(
        expert,
        regions=["abkhazia", "georgia", "abkhazia"],
        languages=[("ka", "native"), ("de", "B2")],
        topics=["politics"],
    )
    db.session.commit()
    set_expertise(
        expert, regions=["georgia", "abkhazia"], languages=[("de", "C1")], topics=["culture"]
    )
    db.session.commit()
    db.session.expire_all()

    assert expert.regions == ["georgia", "abkhazia"]
    assert [(row.language, row.level) for row in expert.languages] == [("de", "C1")]
    assert [row.topic for row in expert.topics] == ["culture"]


def test_the_time_zone_follows_the_country_lived_in():
    assert timezone_for_country("georgia") == "Asia/Tbilisi"
    assert timezone_for_country("armenia") == "Asia/Yerevan"
    assert timezone_for_country("azerbaijan") == "Asia/Baku"
    assert timezone_for_country("russia") == "Europe/Moscow"
    assert timezone_for_country("elsewhere") == "Europe/Berlin"
    assert timezone_for_country(None) == "Europe/Berlin"
