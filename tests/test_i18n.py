"""Chinese first, English available: the catalogue is complete, compiled, and used."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from .conftest import client_for

CATALOGUE = Path(__file__).resolve().parent.parent / "tracker" / "locale" / "zh_Hans" / "LC_MESSAGES"


def entries(po_text: str) -> list[tuple[str, str]]:
    """(msgid, msgstr) pairs of a .po file, joined across continuation lines; plural msgstr[0] counts.

    A message with a context is keyed as gettext keys it: context, EOT (\\x04), msgid.
    """
    pairs, current, key = [], {}, None

    def close() -> None:
        if "msgid" in current:
            msgid = current["msgid"]
            if "msgctxt" in current:
                msgid = current["msgctxt"] + "\x04" + msgid
            pairs.append((msgid, current.get("msgstr", "")))

    for line in po_text.splitlines() + [""]:
        if line.startswith("msgctxt "):
            close()
            current, key = {"msgctxt": line[8:].strip('"')}, "msgctxt"
        elif line.startswith("msgid "):
            if "msgid" in current:
                close()
                current = {}
            current["msgid"], key = line[6:].strip('"'), "msgid"
        elif line.startswith(("msgstr ", "msgstr[0] ")):
            key = "msgstr"
            current["msgstr"] = line.split(" ", 1)[1].strip('"')
        elif line.startswith("msgid_plural") or line.startswith("msgstr["):
            key = None
        elif line.startswith('"') and key:
            current[key] = current.get(key, "") + line.strip('"')
    close()
    return [(msgid, msgstr) for msgid, msgstr in pairs if msgid and not msgid.endswith("\x04")]


def test_every_message_has_a_chinese_translation_and_none_is_fuzzy():
    po_text = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    untranslated = [msgid for msgid, msgstr in entries(po_text) if not msgstr]
    assert untranslated == []
    assert "#, fuzzy" not in po_text


def test_compiled_catalogue_matches_the_po_file():
    """The committed .mo is compiled from the current .po (run `make messages` after editing it)."""
    import gettext

    with open(CATALOGUE / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    po_text = (CATALOGUE / "django.po").read_text(encoding="utf-8")

    escapes = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}

    def unescape(text: str) -> str:
        return re.sub(r'\\(["\\nt])', lambda match: escapes[match.group(1)], text)

    stale = []
    for msgid, msgstr in entries(po_text):
        key = unescape(msgid)
        value = compiled.get(key, compiled.get((key, 0)))
        if value != unescape(msgstr):
            stale.append(msgid)
    assert stale == []


def test_status_names_are_translated():
    from tracker.plans.models import Task

    with translation.override("zh-hans"):
        assert str(Task.Status.DONE.label) == "已完成"
    with translation.override("en"):
        assert str(Task.Status.DONE.label) == "Done"


@pytest.mark.django_db
def test_pages_are_chinese_even_when_the_browser_asks_for_english(world, staff):
    html = client_for(staff).get(reverse("tracker:home"), HTTP_ACCEPT_LANGUAGE="en-US,en").content.decode()
    assert "实施计划" in html and "Plans" not in html


@pytest.mark.django_db
def test_english_is_one_choice_away(world, staff):
    client = client_for(staff)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("tracker:plan-list")).content.decode()
    assert "Plans" in html and "Sign out" in html
