"""Marking what a search matched (data/matches.py, views/highlight.py): folded as the
search folds, escaped, overlapping terms merged."""
from types import SimpleNamespace

from markupsafe import Markup

from data.conditions import build
from data.matches import simple_fields_matched, spans, term
from views.highlight import Marks, highlight


def test_case_folding_covers_unicode_and_maps_back_to_the_value():
    assert spans("MÜLLER GmbH", [term("müller")]) == [(0, 6)]
    assert spans("Éric", [term("éRIC")]) == [(0, 4)]
    # ß folds to "ss": the one character that produced the match is marked.
    assert spans("Straße 5", [term("STRASSE")]) == [(0, 6)]
    assert spans("Straße", [term("s")]) == [(0, 1), (4, 5)]
    # İ folds to two characters (i + combining dot): both point back at it.
    assert spans("İstanbul", [term("i̇s")]) == [(0, 2)]
    assert spans("ΣΊΣΥΦΟΣ", [term("σίσυφος")]) == [(0, 7)]


def test_every_occurrence_and_overlaps_merged():
    assert spans("ana banana", [term("an")]) == [(0, 2), (5, 9)]
    assert spans("aaa", [term("aa")]) == [(0, 3)]
    assert spans("abcdef", [term("abc"), term("cde")]) == [(0, 5)]
    assert spans("abcdef", [term("ab"), term("cd")]) == [(0, 4)]   # touching: one mark
    assert spans("abcdef", [term("ab"), term("ef")]) == [(0, 2), (4, 6)]


def test_anchors_follow_the_operators():
    assert spans("anna", [term("a", "start")]) == [(0, 1)]
    assert spans("anna", [term("a", "end")]) == [(3, 4)]
    assert spans("Anna", [term("anna", "whole")]) == [(0, 4)]
    assert spans("Annabel", [term("anna", "whole")]) == []
    assert spans("bob", [term("o", "start")]) == []


def test_highlight_escapes_the_value_and_only_adds_marks():
    out = highlight('<b>Tom & "Jerry"</b>', [term("jerry")])
    assert isinstance(out, Markup)
    assert str(out) == '&lt;b&gt;Tom &amp; &#34;<mark>Jerry</mark>&#34;&lt;/b&gt;'
    # A term holding markup matches the text, never becomes markup.
    assert str(highlight("a<i>b", [term("<i>")])) == "a<mark>&lt;i&gt;</mark>b"
    assert str(highlight("x & y", [term("&")])) == "x <mark>&amp;</mark> y"


def test_no_terms_or_no_match_leaves_the_value_alone():
    assert highlight("Plain <b>", ()) == "Plain <b>"
    assert highlight("Plain", [term("zzz")]) == "Plain"
    assert highlight(None, [term("a")]) is None
    assert term("   ") is None


def test_marks_of_a_search():
    conditions = (build("name", "begins_with", "ACME"), build("email", "contains", "Shop"),
                  build("city", "contains", "paris"), build("reseller", "contains", "big"),
                  build("status", "is", "blocked"), build("balance", "gt", "5"))
    marks = Marks("Ann", conditions)
    assert marks.get("name") == (("ann", "any"), ("acme", "start"))
    assert marks.get("email") == (("ann", "any"), ("shop", "any"))
    assert marks.get("reseller") == (("big", "any"),)
    assert marks.get("status") == () and marks.get("balance") == ()
    assert not Marks() and Marks("x")


def _customer(**fields):
    values = dict(name="", company_name="", first_name="", last_name="", city="", state="", zip="",
                  country="", phone="", email="", login="", website="")
    return SimpleNamespace(**{**values, **fields})


def test_matched_in_names_the_fields_only_when_no_shown_column_matched():
    marks = Marks("JSMITH")
    assert marks.matched_in(_customer(name="Acme", login="jsmith", website="jsmith.example")) == ["login", "website"]
    assert marks.matched_in(_customer(name="J Smith", login="jsmith")) == ["login"]   # "j smith" ≠ "jsmith"
    assert marks.matched_in(_customer(name="jsmith corp", login="jsmith")) == []
    assert marks.matched_in(_customer(email="jsmith@x.org", company_name="JSmith Ltd")) == []
    assert Marks("müller").matched_in(_customer(company_name="MÜLLER GmbH")) == ["company"]
    assert Marks().matched_in(_customer(login="x")) == []
    assert simple_fields_matched(_customer(first_name="Ann", last_name="Hanna"), "ann") == ["first_name", "last_name"]
