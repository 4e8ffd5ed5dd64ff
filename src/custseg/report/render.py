"""Render the report data (:mod:`custseg.report.data`) to one self-contained HTML page.

Safety, in layers:

* Jinja2 autoescaping is on, so every column name, category level, segment
  name or reason is HTML-escaped where it appears in the page.
* Figures are embedded as JSON in ``<script type="application/json">``
  blocks (never executed); ``<``, ``>``, ``&`` and U+2028/2029 are written as
  ``\\uXXXX`` escapes so no value can close the block. Text that plotly draws
  is HTML-escaped once more (plotly reads a small HTML subset in labels).
* A Content-Security-Policy allows only the two inline scripts of the page
  (plotly.js and the boot script, by their SHA-256), no network connections,
  no external images, fonts or frames. An injected ``<img onerror=...>``
  could neither run nor load anything even if escaping failed.

plotly.js comes from the installed ``plotly`` package and is embedded once.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import logging
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, Undefined
from markupsafe import Markup

from custseg.report.texts import HOW_TO_READ, INTRO, SECTIONS
from custseg.viz._common import segment_colour
from custseg.viz.figures import TITLES, plotly_dict

log = logging.getLogger(__name__)

_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
                 "\u2029": "\\u2029"}


def script_json(value: Any) -> Markup:
    """JSON text safe inside ``<script type="application/json">`` (and for ``JSON.parse``).

    >>> str(script_json({"name": "</script><img src=x>"}))
    '{"name":"\\\\u003c/script\\\\u003e\\\\u003cimg src=x\\\\u003e"}'
    """
    text = value if isinstance(value, str) else json.dumps(
        value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    for char, escape in _JSON_ESCAPES.items():
        text = text.replace(char, escape)
    return Markup(text)


@functools.lru_cache(maxsize=1)
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    js = get_plotlyjs()
    # It must not be able to end its own <script> element early.
    return js.replace("</script", "<\\/script").replace("<!--", "<\\!--")


def _asset(name: str) -> str:
    return (resources.files("custseg.report") / "assets" / name).read_text("utf-8")


def _sha256(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("custseg.report", "templates"), autoescape=True,
                      undefined=_Lenient, trim_blocks=True, lstrip_blocks=True)
    env.globals["colour"] = segment_colour
    return env


class _Lenient(Undefined):
    """Missing keys render as nothing (sections built by another engine may omit them)."""

    __slots__ = ()


def _plotly_json(value: Any) -> str:
    """JSON text of a figure dict: numpy arrays as lists, NaN and infinities as null."""
    from plotly.utils import PlotlyJSONEncoder

    return json.dumps(value, cls=PlotlyJSONEncoder, separators=(",", ":"), ensure_ascii=False)


@functools.lru_cache(maxsize=1)
def _template_json() -> str:
    """The 'plotly_white' template as JSON, made once per process and embedded once per page."""
    import plotly.io as pio

    return _plotly_json(pio.templates["plotly_white"].to_plotly_json())


def _figures(data: dict) -> tuple[dict[str, dict], str, list[str]]:
    """Plotly JSON (escaped) per figure kind, the shared template's JSON, and error messages.

    The figures are plain dicts (:func:`custseg.viz.figures.plotly_dict`) encoded
    as they are: no plotly objects, no template copy per figure.
    """
    figures, errors = {}, []
    for number, (kind, spec) in enumerate((data.get("figures") or {}).items(), start=1):
        try:
            fig = plotly_dict(kind, spec)
            layout = {k: v for k, v in fig.get("layout", {}).items() if k != "template"}
            text = _plotly_json({"data": fig.get("data", []), "layout": layout})
        except Exception as err:  # one figure must not stop the report
            log.warning("figure %s could not be drawn", kind, exc_info=True)
            errors.append(f"{TITLES.get(kind, kind)}: {type(err).__name__}: {err}")
            continue
        figures[kind] = {"id": f"cs-fig-{number}", "title": TITLES.get(kind, kind),
                         "how": spec.get("how_to_read") or HOW_TO_READ.get(kind, ""),
                         "note": spec.get("note", ""), "json": script_json(text)}
    return figures, _template_json() if figures else "{}", errors


def render_report(data: dict) -> str:
    """The complete HTML page for report ``data`` (works from the plain dict alone).

    Sections missing from ``data`` are skipped; so are figures whose data is
    missing, with a note at the end of the page when a figure fails.

    Example
    -------
    >>> html = render_report({"meta": {"title": "<b>Shop</b>", "n_rows": 3, "k": 2},
    ...                       "segments": {"cards": [{"id": 0, "name": "<i>x</i>"}]}})
    >>> "&lt;b&gt;Shop&lt;/b&gt;" in html, "<i>x</i>" in html, 'id="segments"' in html
    (True, False, True)
    """
    env = _environment()
    figures, template, errors = _figures(data)
    plotly_js, boot_js = _plotly_js(), _asset("report.js")
    csp = ("default-src 'none'; "
           f"script-src {_sha256(plotly_js)} {_sha256(boot_js)}; "
           "style-src 'unsafe-inline'; img-src data: blob:; font-src data:; "
           "connect-src 'none'; frame-src 'none'; object-src 'none'; base-uri 'none'; "
           "form-action 'none'")
    present = [(key, number, title) for key, (number, title) in SECTIONS.items()
               if data.get(key)]
    meta = {"title": "Customer segments", "versions": {}, **(data.get("meta") or {})}
    # Markup: our own stylesheet and scripts (and escaped JSON) go in as they are.
    page = env.get_template("report.html.j2").render(
        data=data, meta=meta, highlights=data.get("highlights") or [], sections=present,
        intro=INTRO, how=HOW_TO_READ, figures=figures, figure_errors=errors, csp=csp,
        css=Markup(_asset("report.css")),
        plotly_js=Markup(plotly_js),
        boot_js=Markup(boot_js),
        template_json=script_json(template))
    return page
