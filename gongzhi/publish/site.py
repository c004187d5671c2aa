"""Writes the public 晒 board: a static site any web server or object-storage bucket can serve.

One page per published unit — the district (`index.html`), each street and each community — in
Chinese, with an English twin (`….en.html`) linked from the top of each page; the data of each page
as JSON (`data/<code>.json`, language-neutral) and each table as CSV (UTF-8 with BOM, headers in the
page's language); the charts as Vega-Lite specs drawn in the browser by the Vega bundle written into
`assets/` (from vl-convert, so the site needs no CDN and works offline), each with the same figures
as a table under it, which is all a browser without JavaScript shows. The before/after photos staff
marked 可公开 are copied from the photo store into `assets/photos/` (the cleaned image and its
thumbnail, named by a hash of their bytes); a photo the store no longer holds is left out.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import json
import shutil
from functools import cache
from pathlib import Path

from gongzhi import cells, clock, i18n
from gongzhi.errors import DomainError
from gongzhi.publish.sections import Block, Chart, Table, Tree, Unit

MARKER = "gongzhi-publish.json"
OURS = ("assets", "data")
LANGS = ("zh", "en")


class NotOurFolder(Exception):
    """The output folder holds files that a previous publish did not write."""


@cache
def vega_bundle() -> str | None:
    """Vega, Vega-Lite and vega-embed as one script (vl-convert's bundle); None without vl-convert."""
    try:
        import vl_convert
    except ImportError:
        return None
    return vl_convert.javascript_bundle()


def page_name(unit: Unit, lang: str) -> str:
    stem = "index" if unit.kind == "district" else f"{unit.kind}-{unit.code}"
    return f"{stem}.html" if lang == "zh" else f"{stem}.en.html"


def prepare(out: Path) -> None:
    """An empty folder, or one a previous publish wrote (its files are replaced); anything else is refused."""
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()) and not (out / MARKER).exists():
        raise NotOurFolder(str(out))
    for entry in out.iterdir():
        if entry.is_dir() and entry.name in OURS:
            shutil.rmtree(entry)
        elif entry.is_file() and (entry.suffix == ".html" or entry.name == MARKER):
            entry.unlink()
    for name in OURS:
        (out / name).mkdir()


def _t(key: str, lang: str, **params) -> str:
    return i18n.t(key, lang, **params)


def _cell(value, column: str, table: Table, lang: str):
    if isinstance(value, dict):
        return value.get(lang) or value.get("zh")
    if table.labels and column in table.labels and value is not None:
        return _t(f"{table.labels[column]}.{value}", lang)
    return value


def _text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _csv(table: Table, lang: str) -> bytes:
    out = io.StringIO()
    writer = cells.csv_writer(out)
    writer.writerow([_t(f"publish.col.{c}", lang) for c in table.columns])
    for row in table.rows:
        writer.writerow([_cell(v, c, table, lang) for v, c in zip(row, table.columns)])
    return out.getvalue().encode("utf-8-sig")


def chart_spec(chart: Chart, lang: str) -> dict:
    """The Vega-Lite spec of `chart`, its data inline (long form: one value per x and measure)."""
    x_at = chart.table.columns.index(chart.x)
    series = _t("publish.chart.series", lang)
    values = [{"x": _cell(row[x_at], chart.x, chart.table, lang), "series": _t(f"publish.col.{m}", lang),
               "value": row[chart.table.columns.index(m)]}
              for row in chart.table.rows for m in chart.measures]
    x = {"field": "x", "type": "ordinal" if chart.kind == "line" else "nominal", "sort": None,
         "title": _t(f"publish.col.{chart.x}", lang), "axis": {"labelAngle": -40, "labelLimit": 90}}
    encoding = {"x": x, "y": {"field": "value", "type": "quantitative", "title": None},
                "color": {"field": "series", "type": "nominal", "title": series, "legend": {"orient": "bottom"}},
                "tooltip": [{"field": "x", "title": x["title"]}, {"field": "series", "title": series},
                            {"field": "value", "type": "quantitative", "title": _t("publish.chart.value", lang)}]}
    if chart.kind == "bar" and len(chart.measures) > 1:
        encoding["xOffset"] = {"field": "series"}
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "data": {"values": values},
            "mark": {"type": "line", "point": True} if chart.kind == "line" else {"type": "bar"},
            "encoding": encoding, "width": "container", "height": 240,
            "config": {"font": "PingFang SC, Noto Sans CJK SC, Microsoft YaHei, sans-serif"}}


def _table_html(table: Table, lang: str) -> str:
    head = "".join(f"<th>{html.escape(_t(f'publish.col.{c}', lang))}</th>" for c in table.columns)
    body = "".join("<tr>" + "".join(
        f"<td{' class=num' if isinstance(v, (int, float)) else ''}>{html.escape(_text(_cell(v, c, table, lang)))}</td>"
        for v, c in zip(row, table.columns)) + "</tr>" for row in table.rows)
    return f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _script_json(value) -> str:
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def _copied(photos, assets: dict[str, str]) -> list:
    """The photos whose image and thumbnail were both copied into the site."""
    return [p for p in photos if p.object_key in assets and p.thumb_key in assets]


def _gallery_html(name: str, items: list, lang: str, assets: dict[str, str]) -> str:
    """Each project or event with its before and after photos side by side; photos whose bytes were
    not copied are left out, and an item with none left is not shown."""
    parts = [f'<h3>{html.escape(_t(f"publish.gallery.{name}", lang))}</h3>'
             f'<p class="meta">{html.escape(_t("publish.gallery.note", lang))}</p>']
    for item in items:
        stages = []
        for stage in ("before", "after"):
            shots = "".join(
                f'<figure><a href="{assets[p.object_key]}"><img src="{assets[p.thumb_key]}" loading="lazy"'
                f' alt="{html.escape(p.caption or _t(f"publish.stage.{stage}", lang))}"></a>'
                + (f'<figcaption>{html.escape(p.caption)}</figcaption>' if p.caption else "") + '</figure>'
                for p in _copied(item.photos, assets) if p.stage == stage)
            if shots:
                stages.append(f'<div class="stage"><h5>{html.escape(_t(f"publish.stage.{stage}", lang))}</h5>{shots}</div>')
        if not stages:
            continue
        title = (item.title.get(lang) or item.title.get("zh")) if isinstance(item.title, dict) else item.title
        parts.append(f'<article class="item"><h4>{html.escape(title)}</h4>'
                     f'<p class="meta">{html.escape(_t(f"publish.item.{item.kind}", lang))} · {html.escape(item.place)}'
                     f' · {html.escape(item.finished)}</p><div class="stages">{"".join(stages)}</div></article>')
    return "".join(parts)


def _block_html(key: str, block: Block, unit: Unit, lang: str, charts_on: bool,
                assets: dict[str, str] | None = None) -> str:
    parts = [f'<section id="{key}"><h2>{html.escape(_t(f"publish.section.{key}", lang))}</h2><div class="figures">']
    for name, value in block.figures.items():
        shown = _text(value) + ("%" if name in block.percent and value is not None else "")
        parts.append(f'<div class="figure"><span class="value">{html.escape(shown)}</span>'
                     f'<span class="label">{html.escape(_t(f"publish.figure.{name}", lang))}</span></div>')
    parts.append("</div>")
    for name, chart in block.charts.items():
        if not charts_on:
            break
        target = f"chart-{key}-{name}"
        parts.append(f'<figure class="chart"><figcaption>{html.escape(_t(f"publish.chart.{name}", lang))}</figcaption>'
                     f'<div class="vis" id="{target}"></div>'
                     f'<script type="application/json" data-chart="{target}">{_script_json(chart_spec(chart, lang))}</script>'
                     f'</figure>')
    for name, items in block.galleries.items():
        parts.append(_gallery_html(name, items, lang, assets or {}))
    suffix = "" if lang == "zh" else ".en"
    for name, table in block.tables.items():
        parts.append(f'<h3>{html.escape(_t(f"publish.table.{name}", lang))}</h3>{_table_html(table, lang)}'
                     f'<p class="downloads"><a href="data/{unit.code}-{name}{suffix}.csv" download>CSV</a></p>')
    parts.append("</section>")
    return "".join(parts)


def page_html(tree: Tree, unit: Unit, blocks: dict[str, Block], lang: str, generated: dt.datetime,
              charts_on: bool, assets: dict[str, str] | None = None) -> str:
    other = "en" if lang == "zh" else "zh"
    crumbs = " › ".join(
        html.escape(u.name) if u is unit else f'<a href="{page_name(u, lang)}">{html.escape(u.name)}</a>'
        for u in tree.path(unit))
    children = tree.children(unit)
    nav = ""
    if children:
        items = "".join(f'<li><a href="{page_name(c, lang)}">{html.escape(c.name)}</a></li>' for c in children)
        nav = (f'<nav class="children"><h2>{html.escape(_t(f"publish.children.{children[0].kind}", lang))}</h2>'
               f'<ul>{items}</ul></nav>')
    body = "".join(_block_html(key, block, unit, lang, charts_on, assets) for key, block in blocks.items())
    scripts = '<script src="assets/vega.js"></script><script src="assets/charts.js"></script>' if charts_on else ""
    title = _t("publish.title", lang, unit=unit.name)
    return f"""<!doctype html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="alternate" hreflang="{other}" href="{page_name(unit, other)}">
<link rel="stylesheet" href="assets/site.css"></head>
<body>
<header><a class="lang" href="{page_name(unit, other)}" hreflang="{other}">{html.escape(_t("publish.switch", lang))}</a>
<p class="crumbs">{crumbs}</p><h1>{html.escape(title)}</h1>
<p class="asof">{html.escape(clock.as_of_text(generated, lang, dated=True))}
 · <a href="data/{unit.code}.json">JSON</a></p></header>
{nav}
<main>{body}</main>
<footer><p>{html.escape(_t("publish.footer", lang))}</p></footer>
{scripts}
</body></html>
"""


def _gallery_json(items: list, assets: dict[str, str]) -> list[dict]:
    out = []
    for item in items:
        photos = [{"stage": p.stage, "image": assets[p.object_key], "thumbnail": assets[p.thumb_key], "caption": p.caption}
                  for p in _copied(item.photos, assets)]
        if photos:
            out.append({"kind": item.kind, "title": item.title, "place": item.place, "finished": item.finished,
                        "photos": photos})
    return out


def unit_json(unit: Unit, blocks: dict[str, Block], generated: dt.datetime,
              assets: dict[str, str] | None = None) -> dict:
    def section(b: Block) -> dict:
        out = {"figures": b.figures, "tables": {n: {"columns": t.columns, "rows": t.rows} for n, t in b.tables.items()}}
        if b.galleries:
            out["galleries"] = {n: _gallery_json(items, assets or {}) for n, items in b.galleries.items()}
        return out
    return {"unit": {"name": unit.name, "kind": unit.kind, "code": unit.code}, "generated_at": generated.isoformat(),
            "sections": {key: section(b) for key, b in blocks.items()}}


PHOTO_TYPES = {"jpg", "png", "webp"}


def copy_photos(out: Path, blocks: dict[int, dict[str, Block]], store) -> tuple[dict[str, str], list[Path], int]:
    """Every gallery photo's image and thumbnail, read once through the photo store and written to
    `assets/photos/<hash of the bytes>.<ext>`: (store key -> site path, files written, keys missing)."""
    assets: dict[str, str] = {}
    written: list[Path] = []
    missing = 0
    keys = [k for unit_blocks in blocks.values() for b in unit_blocks.values() for items in b.galleries.values()
            for item in items for p in item.photos for k in (p.object_key, p.thumb_key)]
    if keys and store is None:
        return assets, written, len(set(keys))
    for key in dict.fromkeys(keys):
        ext = key.rsplit(".", 1)[-1]
        if ext not in PHOTO_TYPES:
            missing += 1
            continue
        try:
            data = store.get(key)
        except DomainError:
            missing += 1
            continue
        name = f"assets/photos/{hashlib.sha256(data).hexdigest()[:32]}.{ext}"
        path = out / name
        if not path.exists():
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(data)
            written.append(path)
        assets[key] = name
    return assets, written, missing


CSS = """
*{box-sizing:border-box}
body{margin:0;font-family:"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",system-ui,sans-serif;color:#1f2328;
 background:#f6f7f9;line-height:1.5}
header,main,footer,nav.children{max-width:960px;margin:0 auto;padding:12px 16px}
header{position:relative}
h1{font-size:1.5rem;margin:.2rem 0}
h2{font-size:1.2rem;border-left:4px solid #c8102e;padding-left:8px}
.lang{position:absolute;right:16px;top:12px;padding:8px 12px;border:1px solid #c8102e;border-radius:6px;
 color:#c8102e;text-decoration:none;min-height:40px;display:inline-flex;align-items:center}
.crumbs{margin:0;padding-right:96px;color:#57606a}
.asof{color:#57606a;font-size:.9rem}
nav.children ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:8px}
nav.children a{display:inline-flex;align-items:center;min-height:40px;padding:6px 12px;background:#fff;
 border:1px solid #d0d7de;border-radius:6px;text-decoration:none;color:#0b5cad}
section{background:#fff;border-radius:8px;padding:8px 16px 16px;margin:16px 0;box-shadow:0 1px 2px rgba(0,0,0,.06)}
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:8px}
.figure{background:#f6f7f9;border-radius:6px;padding:8px 12px;display:flex;flex-direction:column}
.figure .value{font-size:1.4rem;font-weight:600}
.figure .label{color:#57606a;font-size:.9rem}
figure.chart{margin:16px 0}
.vis{width:100%;min-height:40px}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{border-bottom:1px solid #e5e7eb;padding:6px 8px;text-align:left;white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.downloads a{display:inline-flex;align-items:center;min-height:40px}
footer{color:#57606a;font-size:.85rem}
article.item{border-top:1px solid #e5e7eb;padding:8px 0}
article.item h4{margin:.2rem 0}
article.item .meta{margin:0;color:#57606a;font-size:.9rem}
.stages{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:12px}
.stage h5{margin:.4rem 0;font-size:.95rem}
.stage figure{display:inline-block;margin:0 8px 8px 0;max-width:100%}
.stage img{width:240px;max-width:100%;height:auto;border-radius:6px;display:block}
.stage figcaption{font-size:.85rem;color:#57606a;max-width:240px}
"""

CHARTS_JS = """
document.querySelectorAll('script[data-chart]').forEach(function (s) {
  if (typeof vegaEmbed !== 'function') return;
  vegaEmbed('#' + s.dataset.chart, JSON.parse(s.textContent), {actions: false, renderer: 'svg'})
    .catch(function (e) { console.error(e); });
});
"""


def write(out: Path, tree: Tree, blocks: dict[int, dict[str, Block]], generated: dt.datetime,
          store=None) -> list[Path]:
    """Every file of the site into `out` (prepared by `prepare`), the photos read through `store`
    (a gongzhi.photos.storage.PhotoStore); the paths written."""
    bundle = vega_bundle()
    assets, written, missing = copy_photos(out, blocks, store)

    def put(name: str, content: str | bytes) -> None:
        path = out / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        written.append(path)

    put("assets/site.css", CSS)
    if bundle:
        put("assets/vega.js", bundle)
        put("assets/charts.js", CHARTS_JS)
    for unit in tree.units:
        mine = blocks.get(unit.id, {})
        for lang in LANGS:
            put(page_name(unit, lang), page_html(tree, unit, mine, lang, generated, bundle is not None, assets))
        put(f"data/{unit.code}.json", json.dumps(unit_json(unit, mine, generated, assets), ensure_ascii=False, indent=1))
        for block in mine.values():
            for name, table in block.tables.items():
                put(f"data/{unit.code}-{name}.csv", _csv(table, "zh"))
                put(f"data/{unit.code}-{name}.en.csv", _csv(table, "en"))
    put(MARKER, json.dumps({"generated_at": generated.isoformat(), "pages": len(tree.units) * len(LANGS),
                            "files": len(written) + 1, "charts": bundle is not None, "photos_missing": missing},
                      ensure_ascii=False, indent=1))
    return written
