"""Hostile text (Markdown links and images, HTML, scripts) from URLs, inputs and files, on every page.

Each page is rendered with AppTest with hostile query parameters and inputs; every text element
whose source carries a hostile string is rendered as Streamlit would (CommonMark with raw HTML,
plus GFM's bare-URL autolinks) and must contain no link, image, script or HTML built from it.
"""

from __future__ import annotations

import html as htmlmod
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from dashboard import share, ui
from tests.browser_helpers import PLACES, SmallPlanner

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
MARK = "evil"
HOSTILE = [
    "![x](http://evil.example/i.png)",
    "[Gares](http://evil.example/phish)",
    '<img src="http://evil.example/x.png">',
    "<script>alert('evil')</script>",
    "<http://evil.example/auto>",
    "http://evil.example/bare www.evil.example",
    "**evil** :red[evil] $evil$ `evil` # evil",
    '<a href="javascript:alert(1)">evil</a>',
    "[evil]: http://evil.example/ref\n[evil]",
    "mail evil@evil.example or HTTPS://EVIL.example",
]
PAGES = ("planner.py", "layers.py", "accessibility.py", "catalogue.py", "about.py", "traces.py", "scenarios.py")
_MD = MarkdownIt("commonmark", {"html": True})


def markup_from(source: str, *, html_block: bool = False) -> list[str]:
    """What would make the browser follow or fetch something, in the rendering of ``source``
    (``html_block``: an HTML snippet shown with unsafe_allow_html, not parsed as Markdown)."""
    html = source if html_block else _MD.render(source)
    found = re.findall(r"<(?:a|img|script|iframe|video|audio|source|link|object|embed)\b[^>]*>", html, re.I)
    if not html_block:
        # GFM (remark-gfm, as Streamlit renders) links bare URLs and e-mail addresses of the text
        # (after the escapes are read): look for them in the rendered text
        text = htmlmod.unescape(re.sub(r"<[^>]*>", " ", html))
        found += re.findall(r"(?i)(?:https?://|www(?=\.))[-.\w]+", text)
        found += re.findall(r"[-.\w+]+@[-\w]+(?:\.[-\w]+)+", text)
    return found


def texts(at: AppTest) -> list[tuple[str, bool]]:
    """The sources of every text element, widget label and help of the app, each with whether it
    is an HTML snippet (st.markdown with unsafe_allow_html)."""
    out: list[tuple[str, bool]] = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "title", "header", "subheader"):
        out += [(str(e.value), bool(getattr(e.proto, "allow_html", False))) for e in at.get(kind)]
    for kind in ("button", "text_input", "selectbox", "radio", "checkbox", "toggle", "download_button"):
        for e in at.get(kind):
            out += [(str(getattr(e, "label", "") or ""), False), (str(getattr(e, "help", "") or ""), False)]
    return out


def assert_inert(at: AppTest) -> list[str]:
    """No exception, and no markup made of the hostile strings; returns the texts carrying them."""
    assert not at.exception, at.exception
    carrying = [(s, h) for s, h in texts(at) if MARK in s]
    for source, html_block in carrying:
        bad = [m for m in markup_from(source, html_block=html_block) if MARK in m.lower() or "javascript:" in m]
        assert bad == [], f"markup from outside text in {source!r}: {bad}"
    return [s for s, _ in carrying]


def _app(page: str = "planner.py", **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    if page != "planner.py":
        at.switch_page(f"pages/{page}").run()
    return at


def test_the_checker_sees_markup():
    assert markup_from("![x](http://evil.example/i.png)") and markup_from("see http://evil.example")
    assert markup_from("see http\\:\\/\\/evil.example") and markup_from("a evil\\@evil.example")  # escapes: still linked
    assert markup_from('<img src="http://evil.example/x.png">')
    for text in HOSTILE:
        assert markup_from(ui.plain(text)) == [], text


@pytest.mark.parametrize("text", HOSTILE)
def test_plain_keeps_the_text_readable(text: str):
    rendered = re.sub(r"<[^>]*>", "", _MD.render(ui.plain(text))).strip()
    shown = htmlmod.unescape(rendered).replace("\u200b", "")  # zero-width spaces break the links only
    assert shown == " ".join(text.split("\n")).strip()


@pytest.mark.parametrize("hostile", HOSTILE[:7])
def test_planner_page_with_hostile_from_and_to(app_planner, hostile: str):
    at = _app(**{"from": hostile, "to": hostile, "at": hostile, "modes": hostile})
    carrying = assert_inert(at)
    assert app_planner.calls == []  # never matched to a place, never planned
    if share.clean_place(hostile):  # a printable place text: said back, as plain text
        assert any("Aucun lieu" in s for s in carrying), carrying


def test_no_place_found_caption_suggests_but_never_guesses(app_planner):
    at = _app(**{"from": "[Gares](http://evil.example/phish)", "to": "République"})
    carrying = assert_inert(at)
    assert app_planner.calls == []
    assert any("Vouliez-vous dire" in s and "Gares" in s for s in carrying)
    suggest = at.button(key="from_suggest_0")
    assert suggest.label == "Gares"
    suggest.click().run()
    assert at.session_state["from_q"] == "Gares"
    at.button(key="go").click().run()
    assert app_planner.calls[-1]["origin"].name == "Gares"


@pytest.mark.parametrize("text", ["NaN,NaN", "91,-1.68", "<script>alert(1)</script>", "inf,inf"])
def test_garbage_typed_in_the_planner_is_not_a_place(app_planner, text: str):
    at = _app()
    at.text_input(key="from_q").input(text).run()
    at.text_input(key="to_q").input("Gares").run()
    at.button(key="go").click().run()
    assert_inert(at)
    assert app_planner.calls == []
    captions = " ".join(c.value for c in at.caption)
    assert ("latitude" in captions) if "," in text else ("Aucun lieu" in captions)


def test_a_hostile_place_name_from_the_data_is_shown_as_text(app_planner):
    bad = "[Evil](http://evil.example) <img src=http://evil.example/x.png>"
    app_planner.index = SmallPlanner().index.__class__(pd.concat([PLACES, pd.DataFrame(
        [(bad, "stop", -1.66, 48.11, "e")], columns=PLACES.columns)]))
    at = _app(**{"from": "Gares", "to": "Evil example"})
    assert_inert(at)
    assert app_planner.calls and app_planner.calls[-1]["destination"].name == bad
    cards = "".join(m.value for m in at.markdown if "spmd-card" in m.value)
    assert "&lt;img" in cards and "<img" not in cards  # HTML snippets escape it
    for other in PAGES[1:]:
        assert_inert(_app(other, **{"from": bad}))


@pytest.mark.parametrize("page", PAGES)
def test_every_page_with_hostile_query_parameters(app_planner, page: str):
    query = {"from": HOSTILE[0], "to": HOSTILE[2], "kiosk": HOSTILE[1], "lang": HOSTILE[3], HOSTILE[4]: "x"}
    assert_inert(_app(page, **query))


def test_accessibility_isochrone_with_a_hostile_place(accessibility_app):
    at = accessibility_app
    for text in ("![x](http://evil.example/i.png)", "[Gares](http://evil.example/phish)", "91,-1.68"):
        at.text_input(key="iso_q").input(text).run()
        carrying = assert_inert(at)
        assert not any(x["id"] == "isochrones" for d in _decks(at) for x in d["layers"])
        if "evil" in text:
            assert any("Aucun lieu" in s for s in carrying)


def _decks(at: AppTest) -> list[dict[str, Any]]:
    import json

    return [json.loads(el.proto.json) for el in at.get("deck_gl_json_chart")]


def _upload_error_app() -> None:
    """The traces page's upload error path, on a CSV whose header is hostile."""
    from dashboard import ui
    from sources.errors import UnusableInputError
    from sources.traces.load import load_traces

    data = b"![x](http://evil.example/i.png),<img src=http://evil.example/x.png>,[a](http://evil.example)\n1,2,3\n"
    try:
        load_traces(data, name="[f](http://evil.example).csv")
    except UnusableInputError as exc:
        ui.say("error", "traces.error_file", error=str(exc))


def test_upload_error_shows_the_csv_header_as_plain_text():
    at = AppTest.from_function(_upload_error_app, default_timeout=30).run()
    assert len(at.error) == 1 and "evil" in at.error[0].value
    assert_inert(at)


# -- a guard for new code: text elements get outside text only through ui.say / ui.plain --------------

#: the elements that render Markdown (st.text and st.code show their text as it is)
TEXT_KINDS = {"markdown", "caption", "write", "info", "error", "warning", "success", "toast", "title", "header",
              "subheader"}
#: the number and date formatters (Babel) write digits, separators and month names only
FORMATTERS = {"number", "percent", "money", "date", "plural", "format_duration", "format_distance", "format_co2"}
SAFE_CALLS = {"len", "int", "float", "round", "t", "mode_label", "plain", "strftime", "nunique", "replace", "join",
              "esc", "legend_html", "legend_html_text", "itinerary_card_html", "itinerary_card_compact_html",
              "reasons_html", "timeline_html", *FORMATTERS}


def _safe(node) -> bool:
    """An expression whose text cannot come from outside unescaped (constants, numbers, translations
    of literal keys, ui.plain(...), escaped HTML builders)."""
    import ast

    if isinstance(node, ast.Constant) or (isinstance(node, ast.Name) and node.id.isupper()):  # CSS constants
        return True
    if isinstance(node, ast.IfExp):
        return _safe(node.body) and _safe(node.orelse)
    if isinstance(node, ast.JoinedStr):
        return all(_safe(v.value) if isinstance(v, ast.FormattedValue) else True for v in node.values)
    if isinstance(node, ast.BinOp):
        return _safe(node.left) and _safe(node.right)
    if isinstance(node, ast.Call):
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name not in SAFE_CALLS:
            return False
        if name in {"plain", "esc", "len", "int", "float", "round", "nunique", "strftime", "legend_html", "legend_html_text", "itinerary_card_html",
                    "itinerary_card_compact_html", "reasons_html", "timeline_html", *FORMATTERS}:
            return True
        if name in {"join", "replace"}:  # "sep".join(safe...), safe.replace(...)
            base = node.func.value if isinstance(node.func, ast.Attribute) else None
            return (base is None or _safe(base)) and all(_safe(a) for a in node.args if not isinstance(a, ast.GeneratorExp)) \
                and all(_safe(a.elt) for a in node.args if isinstance(a, ast.GeneratorExp))
        return all(_safe(a) for a in node.args[1:] if name == "t") and all(_safe(k.value) for k in node.keywords) \
            if name == "t" else all(_safe(a) for a in node.args)
    if isinstance(node, ast.Attribute):  # a translation key built from a literal: spec.label_key, ...
        return node.attr.endswith("_key")
    return False


def test_pages_send_outside_text_only_through_ui_say_or_plain():
    """Every st.markdown/caption/info/... of the pages gets constants, translations of literal keys
    with safe parameters, ui.plain(...) or escaped HTML builders; anything else is routed through
    ui.say, or its line says why it is safe ("# escaped: ...")."""
    import ast

    root = Path(APP).parent
    offenders = []
    for path in [root / "app.py", root / "ui.py", *sorted((root / "pages").glob("*.py"))]:
        source = path.read_text()
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in TEXT_KINDS \
                    and node.args and not _safe(node.args[0]) and "# escaped:" not in lines[node.lineno - 1]:
                offenders.append(f"{path.name}:{node.lineno} {ast.unparse(node)[:90]}")
    assert offenders == [], "\n".join(offenders)


@pytest.mark.parametrize("source, safe", [
    ('t("x", q=text)', False), ("str(exc)", False), ('f"**{name}**"', False), ('" · ".join(result.notes)', False),
    ('t("planner.no_match", q=place.name)', False), ('t("x", n=len(a))', True), ("f\"**{t('a')}** {ui.plain(p)}\"", True),
    ("BASE_CSS + (KIOSK_CSS if kiosk else '')", True), ('t("b", date=d.strftime("%d/%m"))', True),
])
def test_the_guard_tells_outside_text_from_safe_text(source: str, safe: bool):
    import ast

    assert _safe(ast.parse(source, mode="eval").body) is safe


def test_no_place_message_in_english_and_share_link_offsets(app_planner):
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = "en"
    at.query_params["from"] = "[Gares](http://evil.example/phish)"
    at.run()
    carrying = assert_inert(at)
    assert any("No place matches" in s and "Did you mean" in s for s in carrying), carrying
    from datetime import datetime

    at = _app(**{"from": "Gares", "to": "République", "at": "2011-11-16T06:45Z", "modes": "walk,walk"})
    # UTC -> Rennes wall clock (a test's planner answers on its own day, the 15th)
    assert app_planner.calls[-1]["when"] == datetime(2011, 11, 15, 7, 45)
    assert at.query_params["at"] == "2011-11-16T07:45"
    assert app_planner.calls[-1]["modes"] == ("walk",)
    assert not at.warning


def test_kiosk_with_a_hostile_share_link(app_planner):
    at = _app(**{"kiosk": "1", "from": HOSTILE[0], "to": HOSTILE[2]})
    assert assert_inert(at) == []  # the kiosk reads no place from its address: nothing carries them
    assert at.session_state["kiosk"] and app_planner.calls == []


def _scenario_error_app() -> None:
    """The scenarios page's upload error path, on a TOML file with a hostile name and field."""
    from dashboard import ui
    from dashboard.services import scenarios as sv
    from routing.scenarios.scenario import ScenarioError

    try:
        sv.read_upload(b'["![x](http://evil.example/i.png)"]\nx = 1\n', "[f](http://evil.example/f).toml")
    except ScenarioError as exc:
        ui.say("error", "scen.invalid", error=str(exc), icon=":material/error:")


def test_scenario_upload_error_is_plain_text():
    at = AppTest.from_function(_scenario_error_app, default_timeout=30).run()
    assert len(at.error) == 1 and "evil" in at.error[0].value
    assert_inert(at)
