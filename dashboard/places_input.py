"""The one place box of every page that asks for a place (planner and its kiosk, accessibility,
departures, scenarios).

In a browser the box is a ``streamlit-searchbox`` component (a maintained Streamlit component
whose frontend ships inside its wheel and is served by Streamlit itself: no CDN, no hand-written
JavaScript): suggestions appear while typing, each as plain text "icon name · commune". The box
lives in a fragment, so a keystroke reruns the box alone; choosing a suggestion reruns the page.
The component draws its label as text beside an unnamed input: one small script of the page
(:data:`NAME_BOXES_JS`) gives each input its label as its name for screen readers (WCAG 4.1.2).

Without a browser (AppTest, bare runs: no request headers) or with the setting
``SPMD_PLACE_SUGGESTIONS=0`` the box is a plain ``st.text_input`` with the same session key, and
the pages validate the text as before. Either way ``st.session_state[key]`` holds the text (what
share links carry) and a chosen suggestion is remembered beside it (:func:`chosen`), so the place
the visitor picked is the place planned, not the first match of its name.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Sequence
from functools import partial
from typing import Any, NamedTuple

import streamlit as st

from dashboard import share, state, ui
from dashboard.i18n import t

#: a small symbol per kind of place, before its name in the suggestions
KIND_ICONS = {
    "metro": "🚇", "station": "🚇", "stop": "🚏", "commune": "🏘", "neighbourhood": "🏘", "quartier": "🏘",
    "iris": "🏘", "landmark": "📍", "street": "🛣", "address": "🏠", "parking": "🅿", "park_ride": "🅿",
    "bikeshare": "🚲", "carpool": "🚗", "charger": "🔌", "coordinates": "📌",
}
DEFAULT_ICON = "📍"
#: suggestions listed under the box
SUGGESTIONS = 8
#: the component waits this long after a keystroke before asking (fewer requests while typing fast)
DEBOUNCE_MS = 50
#: a suggestion's text is cut here (names are short; a hostile one is not)
LABEL_CHARS = 120
_OFF = {"0", "off", "false", "no"}


class Picked(NamedTuple):
    """What a place box holds: ``text`` (cleaned; "" when empty or unusable) and ``place``, the
    suggestion chosen (or the point picked on the map) while the text is still its name."""

    text: str
    place: Any | None


def suggestions_on() -> bool:
    """Whether boxes show suggestions: a browser is behind the session (request headers), the
    component is installed and ``SPMD_PLACE_SUGGESTIONS`` does not turn them off."""
    if os.environ.get("SPMD_PLACE_SUGGESTIONS", "1").strip().lower() in _OFF:
        return False
    try:
        import streamlit_searchbox  # noqa: F401
    except ImportError:
        return False
    try:
        return bool(st.context.headers)
    except Exception:  # noqa: BLE001 - no context: no browser
        return False


def plain_label(value: Any, *, max_chars: int = LABEL_CHARS) -> str:
    """One line of plain text: control characters and runs of spaces become one space, cut with "…"."""
    text = " ".join("".join(" " if unicodedata.category(c).startswith("C") else c for c in str(value)).split())
    return text if len(text) <= max_chars else text[:max_chars - 1] + "…"


def commune_of(place: Any) -> str | None:
    """The commune of a place: its own field when the index gives one, else the commune polygon
    containing it (None while the planner loads)."""
    commune = getattr(place, "commune", None)
    if commune:
        return str(commune)
    namer = state.point_namer()
    return namer.commune(place.lon, place.lat) if namer is not None else None


def suggestion_label(place: Any, commune: str | None = None) -> str:
    """"🚏 République · Rennes": the kind's icon, the name and the commune (``commune``, else the
    place's own; left out when unknown or already in the name)."""
    name = plain_label(place.name)
    commune = plain_label(commune or getattr(place, "commune", None) or "")
    parts = [name] + ([commune] if commune and commune.lower() not in name.lower() else [])
    return f"{KIND_ICONS.get(str(place.kind), DEFAULT_ICON)} {' · '.join(parts)}"


# -- what a box holds ------------------------------------------------------------------------------

def _place_key(key: str) -> str:
    return f"{key}__place"


def chosen(key: str) -> Any | None:
    """The place chosen in box ``key`` while its text is still that place's text (else None)."""
    saved = st.session_state.get(_place_key(key))
    if not saved or saved[0] != st.session_state.get(key):
        return None
    return saved[1]


def set_place(key: str, text: str, place: Any | None = None) -> None:
    """Put ``text`` (and the place it names, when known) in box ``key``, e.g. from a button's
    callback (swap, kiosk scenario, map pick); the box shows it at the next run."""
    ss = st.session_state
    ss[key] = text
    if place is None:
        ss.pop(_place_key(key), None)
    else:
        ss[_place_key(key)] = (text, place)


def swap(a: str, b: str) -> None:
    """Exchange the contents of two boxes (a button's callback)."""
    ss = st.session_state
    pa, pb = chosen(a), chosen(b)
    ta, tb = ss.get(a, ""), ss.get(b, "")
    set_place(a, tb, pb)
    set_place(b, ta, pa)


# -- searching ---------------------------------------------------------------------------------------

def too_long(text: str) -> bool:
    return len(text) > share.max_place_chars()


def find_places(text: str, *, kinds: Sequence[str] | None = None, limit: int = SUGGESTIONS) -> list[Any]:
    """Places for ``text`` from the planner's index (none while it loads): address points first when
    the text starts with a house number and the address base is in the cache. Raises
    :class:`ValueError` (the budget error) for a text over the place-name budget."""
    if too_long(text):
        from sources import get_budgets

        get_budgets().check("max_place_chars", len(text), what="place name")
    planner = state.planner_if_ready()
    if planner is None or not text.strip():
        return []
    found: list[Any] = []
    if not kinds or "address" in kinds:
        addresses = state.address_index()
        if addresses is not None:
            found += addresses.search(text, limit=3)
    matches = planner.search_places(text, limit=limit * 3 if kinds else limit)
    if kinds:
        matches = [m for m in matches if m.kind in kinds]
    found += matches
    return found[:limit]


def _suggest(text: str, *, key: str, kinds: Sequence[str] | None) -> list[tuple[str, Any]]:
    """The searchbox's search function: (label, place) pairs; a refusal is said under the box."""
    ss = st.session_state
    ss.pop(f"{key}__refused", None)
    ss[f"{key}__pending"] = state.planner_if_ready() is None  # searched again once it is ready
    text = str(text or "")
    try:
        places = find_places(text, kinds=kinds)
    except ValueError:  # over the place-name budget: refused before any search
        ss[f"{key}__refused"] = len(text)
        return []
    return [(suggestion_label(p, commune_of(p)), p) for p in places]


# -- the box -------------------------------------------------------------------------------------------

#: names the input of every place box after the label the component draws above it (the component
#: has no option for it), again whenever a box is drawn anew; the component's frame is served by
#: Streamlit itself, so the page may read it
NAME_BOXES_JS = """<script>
(function () {
  const doc = window.parent.document;
  const name = (frame) => {
    let inner;
    try { inner = frame.contentDocument; } catch (e) { return; }
    if (!inner || !inner.body) return;
    const input = inner.querySelector('input[id^="react-select"]');
    const box = input && input.closest('[class*="-container"]');
    const label = box && box.previousElementSibling ? box.previousElementSibling.textContent.trim() : '';
    if (label && input.getAttribute('aria-label') !== label) input.setAttribute('aria-label', label);
    if (!inner.__spmdNamed) {
      inner.__spmdNamed = true;
      new MutationObserver(() => name(frame)).observe(inner.body, {childList: true, subtree: true});
    }
  };
  const apply = () => doc.querySelectorAll('iframe[title="streamlit_searchbox.searchbox"]').forEach(f => {
    if (!f.__spmdOnLoad) { f.__spmdOnLoad = true; f.addEventListener('load', () => name(f)); }
    name(f);
  });
  apply();
  new MutationObserver(apply).observe(doc.body, {childList: true, subtree: true});
})();
</script>"""

def place_box(label: str, key: str, default: str = "", *, kinds: Sequence[str] | None = None,
              placeholder: str | None = None, help: str | None = None) -> Picked:
    """A place box (see the module docstring); returns what it holds after this run."""
    ss = st.session_state
    if key not in ss:
        ss[key] = default or ""
    if suggestions_on():
        _searchbox(label, key, tuple(kinds) if kinds else None, placeholder, help)
        import streamlit.components.v1 as components

        components.html(NAME_BOXES_JS, height=0)
    else:
        st.text_input(label, key=key, max_chars=share.max_place_chars(), placeholder=placeholder, help=help)
    text = share.clean_place(ss.get(key)) or ""
    return Picked(text, chosen(key) if text else None)


@st.fragment
def _searchbox(label: str, key: str, kinds: tuple[str, ...] | None, placeholder: str | None,
               help: str | None) -> None:
    from streamlit_searchbox import st_searchbox

    ss = st.session_state
    box, seen, reset = f"{key}__box", f"{key}__seen", f"{key}__reset"
    text = str(ss.get(key) or "")
    if ss.get(seen) != text:  # changed outside the box (swap, scenario, map, link): show it
        ss.pop(box, None)
        ss[seen] = text
    before = chosen(key)
    _search_before_drawing(box, key, kinds)
    result = st_searchbox(partial(_suggest, key=key, kinds=kinds), label=label, placeholder=placeholder or "",
                          help=help, key=box, default=text, default_searchterm=text,
                          default_use_searchterm=True, edit_after_submit="current", debounce=DEBOUNCE_MS,
                          rerun_on_update=False, reset_function=partial(ss.__setitem__, reset, True),
                          style_overrides={"searchbox": {"optionEmpty": "hidden"}})
    if ss.pop(reset, False):
        set_place(key, "")
    elif hasattr(result, "lon") and hasattr(result, "name"):  # a suggestion chosen
        set_place(key, plain_label(result.name, max_chars=share.max_place_chars()), result)
    elif isinstance(result, str) and result != text:  # typed: the text, no place chosen yet
        set_place(key, result[: share.max_place_chars()])
    ss[seen] = ss.get(key, "")
    refused = ss.get(f"{key}__refused")
    if refused:
        ui.say("caption", "place.too_long", n=refused, limit=share.max_place_chars())
    if chosen(key) is not before and _fragment_run():
        st.rerun(scope="app")  # the page plans with the place chosen


def _search_before_drawing(box: str, key: str, kinds: tuple[str, ...] | None) -> None:
    """Answer the keystroke the component sent before it is drawn again, so that one run of the box
    draws its suggestions (the component's own way searches after drawing, then reruns: a second
    run, about 300 ms more per keystroke here); a text typed while the network loaded is searched
    again at the page's run when it is ready. It reads the text typed from the component's value
    and fills the options the way streamlit-searchbox keeps them in its session entry (``search``,
    ``options_js`` as {label, value: index}, ``options_py``); st_searchbox then finds the search
    done and does not repeat it."""
    ss = st.session_state
    entry = ss.get(box)
    if not isinstance(entry, dict) or "key_react" not in entry:
        return
    sent = ss.get(entry["key_react"])
    if not isinstance(sent, dict) or sent.get("interaction") != "search":
        return
    term = str(sent.get("value") or "")
    if term == entry.get("search") and not (ss.get(f"{key}__pending") and state.planner_if_ready() is not None):
        return
    options = _suggest(term, key=key, kinds=kinds)
    entry["search"] = term
    entry["options_js"] = [{"label": label, "value": i} for i, (label, _) in enumerate(options)]
    entry["options_py"] = [place for _, place in options]


def _fragment_run() -> bool:
    """Whether this script run is a fragment's own rerun (not a full run of the page)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return bool(getattr(ctx, "fragment_ids_this_run", None))


def resolve(planner: Any, picked: Picked) -> Any:
    """The place a box means: the one chosen, else an address point (house number, address base in
    the cache), else the planner's best match for the text (raises LookupError / ValueError as
    ``planner.resolve_place`` does)."""
    if picked.place is not None:
        return picked.place
    addresses = state.address_index()
    if addresses is not None:
        hits = addresses.search(picked.text, limit=1)
        if hits:
            return hits[0]
    return planner.resolve_place(picked.text)


def named_point(place: Any) -> Any:
    """A "coordinates" place named by its nearest street and commune ("Rue de Paris, Rennes"), still
    routed from its coordinates; any other place, or without street data, as it is."""
    if getattr(place, "kind", "") != "coordinates":
        return place
    namer = state.point_namer()
    return namer.place(place.lon, place.lat) if namer is not None else place


def house_number_note(picked: Picked, place: Any | None, *, where: Any = None) -> None:
    """Say that house numbers are not in the offline data when the text has one and the place found
    is not an address point."""
    from routing.places import split_house_number

    if place is None or getattr(place, "kind", "") == "address" or split_house_number(picked.text)[0] is None:
        return
    (where or st).caption(t("place.street_used"))

