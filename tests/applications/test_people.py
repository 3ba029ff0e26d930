"""The same person across applications: by email, and by name in any of four scripts."""

from __future__ import annotations

import pytest

from tracker.applications.people import name_key, normalise_email, related_applications


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Nino Beridze", "Nino Beridze"),
        ("Beridze Nino", "Nino Beridze"),
        ("  NINO   beridze ", "Nino Beridze"),
        ("Нино Беридзе", "Nino Beridze"),
        ("ნინო ბერიძე", "Nino Beridze"),
        ("ბერიძე ნინო", "Нино Беридзе"),
        ("Անի Հարությունյան", "Ani Harutyunyan"),
        ("Տիգրան Սարգսյան", "Tigran Sargsyan"),
        ("Տիգրան Սարգսյան", "Тигран Саргсян"),
        ("Giorgi Chkheidze", "გიორგი ჩხეიძე"),
        ("Юлия Щербакова", "Yulia Shcherbakova"),
        ("Кетеван Джакели", "Ketevan Jakeli"),
        ("Nino Beridze-Kapanadze", "Kapanadze Beridze Nino"),
        ("Müller, Anna", "Anna Muller"),
    ],
)
def test_name_key_matches_the_same_name_across_scripts(one, other):
    assert name_key(one) == name_key(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Nina Beridze", "Nino Beridze"),
        ("Nino Beridze", "Nino Beridze Kapanadze"),
        # Russian drops the Armenian "H": a different spelling, not the same key.
        ("Ани Арутюнян", "Ani Harutyunyan"),
        ("Георгий Чхеидзе", "Giorgi Chkheidze"),
        ("Ani", "Ani Harutyunyan"),
    ],
)
def test_name_key_keeps_different_names_apart(one, other):
    assert name_key(one) != name_key(other)


def test_name_key_examples():
    assert name_key("ნინო ბერიძე") == "beridze nino"
    assert name_key("Անի Հարությունյան") == "ani harutyunyan"
    assert name_key("O'Brien, Seán") == "obrien sean"
    assert name_key("") == ""
    assert name_key(None) == ""
    assert name_key("123 !!") == ""
    assert len(name_key("Ab " * 200)) == 200


def test_normalise_email_ignores_case_and_spaces():
    assert normalise_email(" Nino.Beridze@Example.ORG ") == "nino.beridze@example.org"
    assert normalise_email(None) == ""


def _person(make_application, full_name, email, **fields):
    return make_application(
        full_name=full_name, name_key=name_key(full_name), email=email, **fields
    )


def test_related_applications_by_email(make_application):
    # The form stores addresses lower-cased (see test_apply), so equal means the same person.
    first = _person(make_application, "N. B.", "nino.beridze@example.org")
    second = _person(make_application, "Nino B.", "nino.beridze@example.org")
    _person(make_application, "Someone Else", "nino.beridze@example.net")

    assert related_applications(second) == [first]
    assert related_applications(first) == [second]


def test_related_applications_by_name_across_scripts(make_application):
    latin = _person(make_application, "Nino Beridze", "nino@example.org")
    cyrillic = _person(make_application, "Нино Беридзе", "nb@example.ru")
    georgian = _person(make_application, "ნინო ბერიძე", "nino@example.ge")
    armenian = _person(make_application, "Անի Հարությունյան", "ani@example.am")
    ani = _person(make_application, "Ani Harutyunyan", "a.h@example.org")
    russian_ani = _person(make_application, "Ани Арутюнян", "ani@example.ru")
    _person(make_application, "Nina Beridze", "nina@example.org")

    # Newest first, never the application itself.
    assert related_applications(latin) == [georgian, cyrillic]
    assert related_applications(georgian) == [cyrillic, latin]
    assert related_applications(ani) == [armenian]
    assert related_applications(armenian) == [ani]
    assert related_applications(russian_ani) == []


def test_a_name_without_letters_matches_nobody_by_name(make_application):
    one = _person(make_application, "???", "one@example.org")
    _person(make_application, "!!!", "two@example.org")
    assert related_applications(one) == []
