"""Small Streamlit rendering helpers shared by the pages (no caching here: see state.py).

Every HTML snippet built here escapes the text it carries; CSS is constant. Text from outside
(a user, a URL, a file) goes to Streamlit through :func:`plain` / :func:`say` only.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

import streamlit as st

from dashboard import maps, share, state
from dashboard.i18n import (
    format_co2,
    format_distance,
    format_duration,
    known,
    language,
    message,
    t,
    translate,
)
from routing.clock import kind_of_day
from sources import i18n

log = logging.getLogger("dashboard")

BASE_CSS = """
<style>
.block-container {padding-top: 1.6rem; padding-bottom: 1rem;}
/* WCAG AA contrast (4.5:1): Streamlit's captions are grey at 60 % opacity (3.9:1 on white): opaque and darker */
[data-testid="stCaptionContainer"] {opacity: 1 !important;}
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {color: #5f5e5c;}
/* a share link wraps rather than scrolls: a scrolling region would have to be reachable by keyboard */
[data-testid="stCode"] pre, .stCode pre {white-space: pre-wrap; word-break: break-all; overflow: visible !important;}
.spmd-card {border: 1px solid #e5e7eb; border-radius: 14px; padding: 14px 16px; margin-bottom: 12px;
            background: #ffffff; box-shadow: 0 1px 3px rgba(0,0,0,0.06);}
.spmd-card.selected {border: 2px solid #E3051B;}
.spmd-head {margin: 0 0 6px 0; font-size: 1.2rem; font-weight: 700; display: flex;
             justify-content: space-between; align-items: baseline; color: #111827;}
.spmd-head .dur {font-size: 1.5rem; font-weight: 800;}
.spmd-facts {display: flex; flex-wrap: wrap; gap: 6px 18px; color: #374151; font-size: 0.92rem;
             margin-bottom: 8px;}
.spmd-facts b {color: #111827;}
.spmd-timeline {display: flex; width: 100%; height: 20px; border-radius: 6px; overflow: hidden;
                font-size: 0.74rem; font-weight: 700; line-height: 20px;}
.spmd-timeline div {display: flex; align-items: center; justify-content: center; overflow: hidden;
                    white-space: nowrap; border-right: 2px solid white; container-type: inline-size;}
.spmd-group {color: #1f2937; font-size: 0.9rem; margin: -2px 0 8px 0;}
.spmd-badge {display: inline-block; min-width: 1.9em; text-align: center; border-radius: 5px; padding: 0 6px;
             font-weight: 800;}
ol.spmd-steps {list-style: none; margin: 10px 0 0 0; padding: 0; font-size: 0.92rem; color: #1f2937;}
ol.spmd-steps li.spmd-step {margin: 0 0 8px 0; padding: 0 0 0 10px; border-left: 3px solid #e5e7eb;}
ol.spmd-steps .what {margin-bottom: 2px;}
ol.spmd-steps .approx {color: #4b5563; font-size: 0.85rem;}
.spmd-notes {color: #4b5563; font-size: 0.82rem; margin-top: 6px;}
.spmd-legend {display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 0.85rem; color: #374151;}
.spmd-legend span.sw {display: inline-block; width: 12px; height: 12px; border-radius: 50%;
                      margin-right: 5px; vertical-align: -1px;}
.spmd-table-wrap {max-height: 420px; overflow: auto; margin-bottom: 1rem;}
table.spmd-table {border-collapse: collapse; font-size: 0.85rem; width: 100%;}
table.spmd-table th, table.spmd-table td {border-bottom: 1px solid #e5e7eb; padding: 4px 8px; text-align: left;}
.spmd-attr {color: #4b5563; font-size: 0.78rem;}
/* phone layout: nothing wider than the screen, touch targets at least 44 px high */
@media (max-width: 640px) {
  .block-container {padding-left: 0.75rem; padding-right: 0.75rem; max-width: 100vw;}
  .stButton button, .stDownloadButton button, .stFormSubmitButton button, [data-testid="stPills"] button,
  [data-testid="stLinkButton"] a {min-height: 44px;}
  [data-testid="stMain"] {overflow-x: hidden;}
  .spmd-head {font-size: 1.05rem;}
  .spmd-board {grid-template-columns: 1fr;}
}
</style>
"""

KIOSK_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="collapsedControl"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
#MainMenu, header, footer {display: none !important; visibility: hidden !important;}
.block-container {padding-top: 0.8rem; max-width: 100% !important;}
html, body, [data-testid="stAppViewContainer"] {font-size: 18px;}
.stButton button {font-size: 1.05rem; padding: 0.6rem 1.1rem;}
/* the kiosk's tiles: an icon over the place's name, at least 64 px whatever the screen */
.st-key-kiosk_tiles .stButton button {min-height: 13rem; border-radius: 18px; border-width: 2px;}
.st-key-kiosk_tiles .stButton button > div > span {display: flex; flex-direction: column; align-items: center;
  gap: 0.8rem;}
.st-key-kiosk_tiles .stButton button > div > span > span:first-child,
.st-key-kiosk_tiles [data-testid="stIconMaterial"] {width: auto !important; height: auto !important;}
.st-key-kiosk_tiles .stButton button p {font-size: 1.9rem; font-weight: 700; line-height: 1.2;
  white-space: normal;}
.st-key-kiosk_tiles [data-testid="stIconMaterial"] {font-size: 5rem !important; line-height: 1; color: #E3051B;}
.st-key-kiosk_here p {font-size: 1.45rem;}
.st-key-kiosk_hint p {font-size: 1.3rem; color: #374151;}
/* "Recommencer" and the languages: large targets on every screen */
.st-key-kiosk_bar .stButton button {min-height: 4.5rem; padding: 0.5rem 1.6rem; border-radius: 14px;}
.st-key-kiosk_bar .stButton button p {font-size: 1.5rem; font-weight: 600;}
.st-key-kiosk_bar [data-testid="stIconMaterial"] {font-size: 2rem !important; line-height: 1;}
.st-key-kiosk_bar .stButton button > div > span > span:first-child,
.st-key-kiosk_bar [data-testid="stIconMaterial"] {width: auto !important; height: auto !important;}
h1 {font-size: 3.4rem !important;}
.spmd-compact {padding: 10px 14px; margin-bottom: 10px;}
.spmd-compact .spmd-head {font-size: 1.35rem;}
.spmd-compact .spmd-facts {font-size: 1.1rem;}
/* the start screen keeps the trip map drawn but hidden, taking no room (dashboard/pages/kiosk.py); a trip's
   cards show it at once, the start screen's tiles left by the run before hidden with them */
[data-testid="stMain"]:has(.st-key-kiosk_tiles):not(:has(.st-key-kiosk_cards))
  :is(.stLayoutWrapper:has(> .st-key-kiosk_result), .st-key-kiosk_result) {
  position: absolute; top: 0; left: 0; width: 100%; visibility: hidden; pointer-events: none; z-index: -1;}
[data-testid="stMain"]:has(.st-key-kiosk_cards) :is(.st-key-kiosk_tiles, .st-key-kiosk_hint) {display: none;}
.st-key-kiosk_shown button {min-height: 3.5rem;}
.st-key-kiosk_shown button p {font-size: 1.15rem;}
/* a phone: two-line tiles that still leave room for the next ones */
@media (max-width: 640px) {
  .st-key-kiosk_tiles .stButton button {min-height: 7rem;}
  .st-key-kiosk_tiles .stButton button p {font-size: 1.4rem;}
  .st-key-kiosk_tiles [data-testid="stIconMaterial"] {font-size: 3rem !important;}
  h1 {font-size: 2.4rem !important;}
}
/* an upright screen: the header's title under its buttons, the trip's cards above its map */
@media (orientation: portrait) and (min-width: 641px) {
  .st-key-kiosk_head > div > [data-testid="stHorizontalBlock"] {flex-direction: column-reverse;}
  .st-key-kiosk_result > div > [data-testid="stHorizontalBlock"] {flex-direction: column;}
  .st-key-kiosk_head > div > div > [data-testid="stColumn"],
  .st-key-kiosk_result > div > div > [data-testid="stColumn"] {width: 100% !important; flex: 1 1 auto !important;
    min-width: 100%;}
}
</style>
"""


_ARROW_OK: bool | None = None


def arrow_ok() -> bool:
    """Whether pyarrow imports (st.dataframe needs it; a broken wheel must not break pages)."""
    global _ARROW_OK
    if _ARROW_OK is None:
        try:
            import pyarrow  # noqa: F401

            _ARROW_OK = True
        except ImportError:
            log.warning("pyarrow does not import: tables are shown as HTML")
            _ARROW_OK = False
    return _ARROW_OK


def table(frame: Any, *, height: int | None = None, key: str | None = None) -> None:
    """A data table: st.dataframe, or an escaped HTML table when pyarrow is unusable."""
    if arrow_ok():
        kwargs: dict[str, Any] = {"hide_index": True, "width": "stretch"}
        if height:
            kwargs["height"] = height
        st.dataframe(frame, key=key, **kwargs)
        return
    html_table = frame.to_html(index=False, escape=True, border=0, classes="spmd-table", na_rep="")
    # a scrollable region is reachable by the keyboard (tabindex) and named for screen readers
    st.markdown(f'<div class="spmd-table-wrap" tabindex="0" role="region" aria-label="{maps.esc(t("a11y.table"))}">'  # escaped:
                f'{html_table}</div>', unsafe_allow_html=True)  # to_html escapes the table


#: Streamlit's file uploader speaks English only ("Upload", "Drag and drop", "Limit 200MB per file"):
#: its instructions and the file sizes are hidden, its button says the page's own word (``upload.choose``),
#: and each page states its own limit beside the widget (:func:`file_uploader`), which also gives the
#: button that word as its name for screen readers (:data:`UPLOADER_NAME_JS`, WCAG 4.1.2)
UPLOADER_CSS = """<style>
[data-testid="stFileUploaderDropzoneInstructions"] {display: none;}
[data-testid="stFileUploaderDropzone"] button > * {visibility: hidden; width: 0; overflow: hidden;}
[data-testid="stFileUploaderDropzone"] button::after {content: "%s"; visibility: visible;}
[data-testid="stFileChip"] small, [data-testid="stFileChip"] [data-testid="stFileChipName"] + * {display: none;}
</style>"""


def inject_css(*, kiosk: bool) -> None:
    choose = t("upload.choose").replace("\\", "").replace('"', "")
    css = BASE_CSS + TIMELINE_CSS + (KIOSK_CSS if kiosk else "") + UPLOADER_CSS % choose
    st.markdown(css, unsafe_allow_html=True)  # escaped: constants and a catalogue word without quotes


#: names the uploaders' buttons in the page's language (their own text is hidden by UPLOADER_CSS),
#: again whenever Streamlit draws them anew
UPLOADER_NAME_JS = """<script>
(function () {
  const doc = window.parent.document, name = __NAME__;
  const apply = () => doc.querySelectorAll('[data-testid="stFileUploaderDropzone"] button').forEach(b => {
    if (b.getAttribute('aria-label') !== name) b.setAttribute('aria-label', name); });
  apply();
  new MutationObserver(apply).observe(doc.body, {childList: true, subtree: true});
})();
</script>"""


def file_uploader(label: str, types: list[str], *, key: str, limit: str, **kwargs: Any) -> Any:
    """``st.file_uploader`` with the page's words: its label, and ``limit`` (the one true statement of
    the size limit and the formats, e.g. "TOML, 256 Ko au plus") as a caption under it; its button
    named in the page's language for screen readers."""
    import json

    import streamlit.components.v1 as components

    file = st.file_uploader(label, type=types, key=key, **kwargs)
    st.caption(plain(limit))
    name = json.dumps(t("upload.choose")).replace("<", "\\u003c")
    components.html(UPLOADER_NAME_JS.replace("__NAME__", name), height=0)
    return file


def run_guarded(page: Callable[[], Any], *, name: str) -> None:
    """Run a page; any exception is logged with its details and shown as a friendly message."""
    try:
        page()
    except Exception:  # Streamlit's rerun/stop are BaseExceptions and pass through
        log.exception("page %s failed", name)
        st.error(t("error.generic"), icon=":material/warning:")


def timetable_banner(service_date: Any, requested: Any | None = None) -> None:
    """Which day's timetable the answers use and, when it is another, the day they are for
    ("horaires du dimanche 20 novembre 2011 utilisés pour le dimanche 6 décembre 2026")."""
    feed = i18n.format_date(service_date, language(), "full")
    if requested is None or requested == service_date:
        text = t("banner.feed_same", feed=feed)
    else:
        text = t("banner.feed_day", feed=feed, day=i18n.format_date(requested, language(), "full"))
        asked, used = kind_of_day(requested), kind_of_day(service_date)
        if asked != used:  # a Sunday answered by a weekday's buses: said, not hidden
            text += " " + t("banner.kind_differs", requested_kind=t(f"banner.kind_requested.{asked}"),
                            used_kind=t(f"banner.kind.{used}"))
    st.info(text, icon=":material/calendar_month:")  # escaped: translations of dates and kinds of day


def mode_label(mode: str) -> str:
    """The translated name of a mode or itinerary label (the label itself when unknown)."""
    return i18n.mode_name(mode, language())




#: a block of the timeline shows its text only when its own width holds it: each block is a CSS
#: container and its text, of n characters, is hidden below n x this many em (bold digits and letters,
#: plus the block's margins), whatever the card's width (a phone, the kiosk's column, a desktop card):
#: a short leg is a plain colour, never a clipped word ("Marc")
TIMELINE_EM_PER_CHAR = 0.62
TIMELINE_EM_MARGIN = 0.9
#: the longest text measured so (longer ones are hidden below the width of this many characters)
TIMELINE_MAX_CHARS = 24
TIMELINE_CSS = "<style>\n" + "\n".join(
    f"@container (max-width: {n * TIMELINE_EM_PER_CHAR + TIMELINE_EM_MARGIN:.2f}em) "
    f"{{.spmd-timeline .tl{n} {{visibility: hidden;}}}}" for n in range(1, TIMELINE_MAX_CHARS + 1)) + "\n</style>"


def timeline_html(itinerary: Any) -> str:
    """A horizontal bar, one block per leg, widths proportional to durations, in leg colours, the
    text in black or white by contrast (:func:`dashboard.maps.text_colour_on`). Decoration only:
    every leg is also written out in the card's steps."""
    total = max(1.0, sum(max(0.0, leg.duration_s) for leg in itinerary.legs))
    blocks = []
    for leg in itinerary.legs:
        share = max(7.0, 100.0 * max(0.0, leg.duration_s) / total)
        text = str(leg.route) if leg.mode == "transit" and leg.route else mode_label(leg.mode)
        size = min(len(text), TIMELINE_MAX_CHARS)
        rgb = maps.leg_color(leg)
        blocks.append(f'<div style="flex:{share:.1f} 1 0; background:{maps.rgb_css(rgb)}; '
                      f'color:{maps.rgb_css(maps.text_colour_on(rgb))}"><span class="tl{size}">{maps.esc(text)}'
                      '</span></div>')
    return f'<div class="spmd-timeline" aria-hidden="true">{"".join(blocks)}</div>'


def line_badge_html(line: Any, rgb: Any) -> str:
    """A line's number on its colour, its text black or white by contrast."""
    return (f'<span class="spmd-badge" style="background:{maps.rgb_css(rgb)}; '
            f'color:{maps.rgb_css(maps.text_colour_on(rgb))}">{maps.esc(line)}</span>')


def _clock(value: Any) -> str:
    return value.strftime("%H:%M")


def _transit_step(leg: Any, wait_s: float, lang: str) -> str:
    """Line badge and direction, boarding stop and wait, stops ridden, alighting stop."""
    head = line_badge_html(leg.route or mode_label("transit"), maps.leg_color(leg))
    if leg.headsign:
        head += f' <b>{maps.esc(translate("planner.leg.direction", lang, headsign=leg.headsign))}</b>'
    board = translate("planner.leg.board", lang, stop=leg.from_name, time=_clock(leg.departure))
    if wait_s >= 60:
        board += " · " + translate("planner.leg.wait", lang, duration=format_duration(wait_s, lang=lang))
    ride = format_duration(leg.duration_s, lang=lang)
    if leg.stops:
        ride = translate("planner.leg.ride", lang, stops=i18n.plural("unit.stops", leg.stops, lang), duration=ride)
    alight = translate("planner.leg.alight", lang, stop=leg.to_name, time=_clock(leg.arrival))
    lines = "".join(f"<div>{maps.esc(x)}</div>" for x in (board, ride, alight))
    return f'<li class="spmd-step"><div class="what">{head}</div>{lines}</li>'


def _street_step(leg: Any, lang: str) -> str:
    """Mode, distance and time to the leg's end, then the streets followed (the leg's steps)."""
    rgb = maps.leg_color(leg)
    mode = (f'<span class="spmd-badge" style="background:{maps.rgb_css(rgb)}; '
            f'color:{maps.rgb_css(maps.text_colour_on(rgb))}">{maps.esc(translate("mode." + leg.mode, lang))}</span>')
    facts = " · ".join(x for x in (format_distance(leg.distance_m, lang=lang) if leg.distance_m >= 1 else "",
                                   format_duration(leg.duration_s, lang=lang) if leg.duration_s >= 30 else "")
                       if x)
    head = f'{mode} {maps.esc(facts)} {maps.esc(translate("planner.leg.to", lang, place=leg.to_name))}'
    steps = "".join(f"<div>{maps.esc(message(m, lang))}</div>" for m in getattr(leg, "steps", None) or [])
    if getattr(leg, "approximate", False):
        steps += f'<div class="approx">{maps.esc(translate("planner.approximate", lang))}</div>'
    return f'<li class="spmd-step"><div class="what">{head}</div>{steps}</li>'


def steps_html(itinerary: Any, lang: str) -> str:
    """Every leg written out, in order (a wait leg becomes the wait of the next boarding)."""
    items, waited, last_arrival = [], 0.0, None
    for leg in itinerary.legs:
        if leg.mode == "wait":
            waited += max(0.0, leg.duration_s)
            continue
        if leg.mode == "transit":
            gap = (leg.departure - last_arrival).total_seconds() if last_arrival is not None else 0.0
            items.append(_transit_step(leg, max(0.0, gap), lang))
        else:
            items.append(_street_step(leg, lang))
        waited, last_arrival = 0.0, leg.arrival
    return f'<ol class="spmd-steps">{"".join(items)}</ol>'


def _facts(itinerary: Any, s: dict[str, Any], lang: str) -> list[tuple[str, str, str]]:
    """(label, value, remark) shown under a card's title: what the trip's kind makes meaningful
    (transfers and walking for a trip by transit, the distance otherwise), CO₂ and the price."""
    facts = [(translate("planner.departure", lang), _clock(itinerary.departure), ""),
             (translate("planner.arrival", lang), _clock(itinerary.arrival), "")]
    modes = {leg.mode for leg in itinerary.legs}
    if "transit" in modes:
        facts.append((translate("planner.transfers", lang), i18n.format_number(s["transfers"], lang), ""))
    else:
        facts.append((translate("planner.distance", lang), format_distance(s["distance_m"], lang=lang), ""))
    if "walk" in modes and modes != {"walk"}:
        facts.append((translate("planner.walking", lang), format_distance(s["walk_m"], lang=lang), ""))
    facts.append((translate("planner.co2", lang), format_co2(s["co2_g"], lang=lang), ""))
    price = getattr(itinerary, "price", None)
    if price is not None:
        facts.append((translate("planner.price", lang), i18n.format_money(price.euros, lang),
                      message(price.basis, lang) if price.basis else ""))
    return facts


def _grouped_html(itinerary: Any, lang: str) -> str:
    """ "toutes les 2 min · départs suivants : 08:02, 08:04" for an option that leaves again."""
    later = list(getattr(itinerary, "next_departures", None) or [])
    headway = getattr(itinerary, "headway_s", None)
    parts = []
    if headway:
        minutes = headway / 60.0
        digits = 0 if abs(minutes - round(minutes)) < 0.05 else 1
        parts.append(translate("planner.every", lang, n=i18n.format_number(minutes, lang, digits)))
    if later:
        parts.append(translate("planner.next_departures", lang, times=", ".join(_clock(d) for d in later)))
    return f'<div class="spmd-group">{maps.esc(" · ".join(parts))}</div>' if parts else ""


def itinerary_card_html(itinerary: Any, *, selected: bool, lang: str) -> str:
    """A card anyone can follow without hovering: title and duration, departure and arrival, the
    facts that matter for its kind of trip, CO₂ and price with its basis, the later departures of
    the same option, a bar of the legs, then every leg written out (its steps)."""
    s = itinerary.summary()
    label = maps.esc(translate(f"mode.{itinerary.label}", lang) if known(f"mode.{itinerary.label}")
                     else itinerary.label)
    facts_html = "".join(f"<span>{maps.esc(k)} <b>{maps.esc(v)}</b>{f' ({maps.esc(r)})' if r else ''}</span>"
                         for k, v, r in _facts(itinerary, s, lang))
    notes = "".join(f"<div>{maps.esc(message(n, lang))}</div>" for n in card_notes(itinerary))
    return (f'<div class="spmd-card{" selected" if selected else ""}">'
            f'<div class="spmd-head"><span>{label}</span><span class="dur">'
            f'{maps.esc(format_duration(s["duration_s"], lang=lang))}</span></div>'
            f'<div class="spmd-facts">{facts_html}</div>{_grouped_html(itinerary, lang)}'
            f'{timeline_html(itinerary)}{steps_html(itinerary, lang)}'
            f'{f"<div class=spmd-notes>{notes}</div>" if notes else ""}</div>')


def legend_html(entries: Iterable[tuple[Iterable[int], str]]) -> str:
    """A legend from (colour, translation key) pairs."""
    return legend_html_text((rgb, t(key)) for rgb, key in entries)


def legend_html_text(entries: Iterable[tuple[Iterable[int], str]]) -> str:
    """A legend from (colour, text) pairs (text already translated; escaped here)."""
    items = "".join(f'<span><span class="sw" style="background:{maps.rgb_css(rgb)}"></span>'
                    f"{maps.esc(text)}</span>" for rgb, text in entries)
    return f'<div class="spmd-legend">{items}</div>'


#: the progress bar's scale while the network loads (a cold build takes ~15 s, a warm load ~1 s)
EXPECTED_LOAD_S = 20.0
#: how often a page waiting for the planner looks again
WAIT_POLL_S = 1.0


def wait_for_planner(*, text_key: str = "loading.planner_s", timetable: bool = False) -> bool:
    """Whether the planner (with ``timetable``: and its timetable) is ready; never blocks.

    While the planner loads in the background: a progress bar (``text_key``, a string with ``{s}``,
    the seconds elapsed), then a full rerun when it is ready. When it cannot be loaded (or has no
    timetable when one is needed): an error.
    """
    loader = state.planner_loader()
    if state.planner_if_ready() is not None:
        if not timetable or state.timetable() is not None:
            return True
        loader = None  # ready, but without what the page needs
    if loader is None or loader.failed:
        st.error(t("error.planner_unavailable"), icon=":material/construction:")
        return False

    @st.fragment(run_every=WAIT_POLL_S)
    def waiting() -> None:
        if loader.finished is not None:
            st.rerun(scope="app")
        elapsed = loader.elapsed_s
        st.progress(min(0.95, elapsed / EXPECTED_LOAD_S), text=t(text_key, s=int(elapsed)))

    waiting()
    return False


def share_link(query: dict[str, str], *, caption_key: str = "share.link") -> None:
    """A link to this page with ``query`` (and the language), shown as plain text to copy."""
    base = str(getattr(st.context, "url", "") or "").split("?")[0]
    st.caption(t(caption_key))
    st.code(share.share_url(query, base=base, lang=language()), language=None)


# -- outside text (a user, a URL, a file) is always shown as plain text --------------------------------

#: every ASCII punctuation character: a backslash before any of them makes Markdown show it as is
_MD_SPECIAL = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
#: where GFM would turn plain text into a link (after the escapes are read): "http://", "www.",
#: "a@b.fr"; an invisible zero-width space there keeps the text and breaks the link
_AUTOLINK = re.compile(r"(?i)(?:https?|ftp|mailto|xmpp)(?=:)|www(?=\.)|@")


def plain(value: Any, *, max_chars: int = 500) -> str:
    """Outside text made inert for Streamlit's Markdown (st.markdown, st.caption, st.info...): every
    ASCII punctuation character is backslash-escaped (no link, image, HTML, emphasis, LaTeX, colour
    or icon directive can form), a zero-width space breaks the bare URLs and e-mail addresses that
    GFM would link, control characters and runs of spaces or line breaks become one space (no
    indented code block either), and very long text is cut (with an ellipsis). For HTML snippets
    use :func:`dashboard.maps.esc`."""
    text = "" if value is None else str(value)
    if len(text) > max_chars:
        text = text[:max_chars] + "…"
    text = " ".join("".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text).split())
    text = _AUTOLINK.sub("\\g<0>\u200b", text)
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in text)


def say(kind: str, key: str, *, icon: str | None = None, where: Any = None, **params: Any) -> None:
    """``st.<kind>`` (caption, markdown, info, warning, error, success) of the translation ``key``,
    its text parameters shown as plain text (:func:`plain`); numbers are formatted by the string.
    ``where``: a container (a column...) instead of the page."""
    safe = {k: v if isinstance(v, (int, float)) and not isinstance(v, bool) else plain(v)
            for k, v in params.items()}
    text = t(key, **safe)
    show = getattr(where if where is not None else st, kind)
    if icon is not None:
        show(text, icon=icon)
    else:
        show(text)


def attribution(keys: Iterable[str] = ("attr.osm", "attr.star", "attr.etalab")) -> None:
    st.caption(" · ".join(t(k) for k in dict.fromkeys(keys)))


def reasons_html(reasons: dict[str, Any], lang: str) -> str:
    """One line per mode asked for without an itinerary, with its reason (escaped plain text)."""
    lines = "".join(f"<div><b>{maps.esc(mode_label(mode))}</b> : {maps.esc(message(why, lang))}</div>"
                    for mode, why in reasons.items())
    return f'<div class="spmd-notes">{lines}</div>' if lines else ""


def itinerary_card_compact_html(itinerary: Any, *, selected: bool, lang: str) -> str:
    """A short itinerary card (the kiosk's, beside its map on one screen): the mode and the duration,
    departure and arrival times with the number of transfers, the timeline of the legs; escaped."""
    from dashboard.i18n import plural  # here: the full card's imports stay as they are

    s = itinerary.summary()
    times = t("kiosk.card_times", dep=itinerary.departure.strftime("%H:%M"), arr=itinerary.arrival.strftime("%H:%M"))
    facts = f"<span>{maps.esc(times)}</span>"
    if any(leg.mode == "transit" for leg in itinerary.legs):  # a walk has no transfer to tell
        n = int(s["transfers"])
        facts += f"<span>{maps.esc(plural('unit.transfers', n) if n else t('kiosk.no_transfer'))}</span>"
    return (f'<div class="spmd-card spmd-compact{" selected" if selected else ""}">'
            f'<div class="spmd-head"><span>{maps.esc(mode_label(itinerary.label))}</span><span class="dur">'
            f'{maps.esc(format_duration(s["duration_s"], lang=lang))}</span></div>'
            f'<div class="spmd-facts">{facts}</div>{timeline_html(itinerary)}</div>')


def card_notes(itinerary: Any) -> list[Any]:
    """The notes of an itinerary, then those of its legs (e.g. the wheelchair profile's "stops and
    line accessible" on each ride), each once."""
    legs = [n for leg in itinerary.legs for n in getattr(leg, "notes", None) or []]
    return list(dict.fromkeys([*itinerary.notes, *legs]))
