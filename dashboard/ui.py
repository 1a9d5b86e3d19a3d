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
from dashboard.i18n import format_co2, format_distance, format_duration, known, language, message, t

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
.spmd-timeline {display: flex; width: 100%; height: 30px; border-radius: 8px; overflow: hidden;
                font-size: 0.78rem; color: white; font-weight: 600;}
.spmd-timeline div {display: flex; align-items: center; justify-content: center; overflow: hidden;
                    white-space: nowrap; border-right: 2px solid white;}
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
    st.markdown(f'<div class="spmd-table-wrap" tabindex="0" role="region" aria-label="{maps.esc(t("a11y.table"))}">'
                f'{html_table}</div>', unsafe_allow_html=True)  # escaped: to_html


def inject_css(*, kiosk: bool) -> None:
    st.markdown(BASE_CSS + (KIOSK_CSS if kiosk else ""), unsafe_allow_html=True)


def run_guarded(page: Callable[[], Any], *, name: str) -> None:
    """Run a page; any exception is logged with its details and shown as a friendly message."""
    try:
        page()
    except Exception:  # Streamlit's rerun/stop are BaseExceptions and pass through
        log.exception("page %s failed", name)
        st.error(t("error.generic"), icon=":material/warning:")


def timetable_banner(service_date: Any) -> None:
    st.info(t("banner.timetable", date=service_date.strftime("%d/%m/%Y")), icon=":material/calendar_month:")


def mode_label(mode: str) -> str:
    """The translated name of a mode or itinerary label (the label itself when unknown)."""
    key = f"mode.{mode}"
    return t(key) if known(key) else str(mode)




def timeline_html(itinerary: Any) -> str:
    """A horizontal bar, one block per leg, widths proportional to durations, in leg colours."""
    total = max(1.0, sum(max(0.0, leg.duration_s) for leg in itinerary.legs))
    blocks = []
    for leg in itinerary.legs:
        share = max(7.0, 100.0 * max(0.0, leg.duration_s) / total)
        text = maps.esc(leg.route) if leg.mode == "transit" and leg.route else maps.esc(mode_label(leg.mode))
        title = f"{maps.esc(mode_label(leg.mode))} {maps.esc(leg.from_name)} → {maps.esc(leg.to_name)}"
        if getattr(leg, "approximate", False):
            title += f" ({maps.esc(t('planner.approximate'))})"
        blocks.append(f'<div title="{title}" style="flex:{share:.1f} 1 0; '
                      f'background:{maps.rgb_css(maps.leg_color(leg))}">{text}</div>')
    return f'<div class="spmd-timeline">{"".join(blocks)}</div>'


def itinerary_card_html(itinerary: Any, *, selected: bool, lang: str) -> str:
    s = itinerary.summary()
    label = maps.esc(mode_label(itinerary.label))
    facts = [
        (t("planner.departure"), itinerary.departure.strftime("%H:%M")),
        (t("planner.arrival"), itinerary.arrival.strftime("%H:%M")),
        (t("planner.transfers"), str(s["transfers"])),
        (t("planner.walking"), format_distance(s["walk_m"])),
        (t("planner.co2"), format_co2(s["co2_g"])),
    ]
    facts_html = "".join(f"<span>{maps.esc(k)} <b>{maps.esc(v)}</b></span>" for k, v in facts)
    notes = "".join(f"<div>{maps.esc(message(n, lang))}</div>" for n in card_notes(itinerary))
    return (f'<div class="spmd-card{" selected" if selected else ""}">'
            f'<div class="spmd-head"><span>{label}</span><span class="dur">'
            f'{maps.esc(format_duration(s["duration_s"], lang=lang))}</span></div>'
            f'<div class="spmd-facts">{facts_html}</div>{timeline_html(itinerary)}'
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
        facts += f"<span>{maps.esc(plural('kiosk.transfers', n) if n else t('kiosk.no_transfer'))}</span>"
    return (f'<div class="spmd-card spmd-compact{" selected" if selected else ""}">'
            f'<div class="spmd-head"><span>{maps.esc(mode_label(itinerary.label))}</span><span class="dur">'
            f'{maps.esc(format_duration(s["duration_s"], lang=lang))}</span></div>'
            f'<div class="spmd-facts">{facts}</div>{timeline_html(itinerary)}</div>')


def card_notes(itinerary: Any) -> list[Any]:
    """The notes of an itinerary, then those of its legs (e.g. the wheelchair profile's "stops and
    line accessible" on each ride), each once."""
    legs = [n for leg in itinerary.legs for n in getattr(leg, "notes", None) or []]
    return list(dict.fromkeys([*itinerary.notes, *legs]))
