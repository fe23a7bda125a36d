"""CSV export of the list pages (D-134): a list page answers `?format=csv` (with
`&encoding=cp932` or `utf-8-sig`, the default) with its rows as a file instead of the page, the
same filters applied. `csv_links` gives a page the two links under its table."""
from __future__ import annotations

import csv
import io
from typing import Any, Iterable, Sequence
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from ...adapters import csv_cells
from ...adapters.csv_export import CP932, ENCODINGS, UTF8_BOM, encoding_of
from ...service_layer import audit_trail, exports, members, runs
from ...service_layer.accounts import WebSession
from ...service_layer.context import in_japan
from . import labels
from .common import ROLE, templates


def wants_csv(request: Request) -> bool:
    return request.query_params.get("format") == "csv"


def csv_links(request: Request, **query: Any) -> list[tuple[str, str]]:
    """(url, label) of the CSV of this page in each encoding, with the page's filters (`query`,
    or those of the request's own URL; the page number is dropped: the file holds every row)."""
    base = {k: v for k, v in (query or request.query_params).items()
            if k not in ("format", "encoding", "page") and v not in (None, "", False)}
    return [(f"{request.url.path}?{urlencode({**base, 'format': 'csv', 'encoding': code})}", f"CSV（{label}）")
            for code, label in ((CP932, ENCODINGS[CP932]), (UTF8_BOM, ENCODINGS[UTF8_BOM]))]


templates.env.globals["csv_links"] = csv_links  # staff/_csv.html


def csv_response(request: Request, session: WebSession, list_name: str, filename: str,
                 header: Sequence[str], rows: Iterable[Sequence[Any]], **detail: Any) -> Response:
    """The file of a list (audited by `exports.export`), as a download named `filename`.csv."""
    made = exports.export(request.app.state.ctx, session.actor, list_name, header, rows,
                          encoding_of(request.query_params.get("encoding")), **detail)
    charset = "shift_jis" if made.encoding == CP932 else "utf-8"
    suffix = "-sjis" if made.encoding == CP932 else ""
    return Response(made.content, media_type=f"text/csv; charset={charset}", headers={
        "Content-Disposition": f'attachment; filename="{filename}{suffix}.csv"',
        "X-Shikaku-Rows": str(made.rows), "X-Shikaku-Replaced": str(made.replaced),
        "Cache-Control": "no-store"})


def search_csv(request: Request, session: WebSession, query) -> Response:
    """加入者検索の結果: every match up to EXPORT_LIMIT (the page shows the first 50)."""
    found, total = members.search(request.app.state.ctx, session.actor, query, limit=exports.EXPORT_LIMIT)
    f = labels.FILTERS
    header = ["記号", "番号", "枝番", "氏名", "フリガナ", "生年月日", "性別", "続柄", "資格取得日", "資格喪失日",
              "喪失理由", "資格", "負担割合", "個人番号の登録", "マイナ保険証", "事業所名"]
    rows = ([m.symbol, m.number, m.branch, m.name, m.name_kana, m.birth_date, f["sex"](m.sex),
             f["relationship"](m.relationship), m.qualified_on, m.disqualified_on,
             f["loss_reason"](m.loss_reason) if m.loss_reason else "", "有効" if m.eligible else "喪失",
             f"{m.copay_ratio}割", "あり" if m.has_my_number else "なし", "利用可" if m.myna_usable else "",
             m.employer_name or ""]
            for m in found)
    criteria = {k: str(v) for k, v in query.model_dump().items() if v not in (None, "")}
    return csv_response(request, session, "members.search", f"members-{request.app.state.ctx.today()}",
                        header, rows, criteria=criteria, total=total)


def audit_csv(request: Request, session: WebSession, target: str | None, action: str | None,
              refusals: bool, actions: dict[str, str], readable) -> Response:
    """監査ログ with the page's filters, newest first, up to EXPORT_LIMIT rows. A detail named
    my_number (a masked 個人番号 of a search) is left out (nothing of a 個人番号 is exported)."""
    items, total = audit_trail.read(request.app.state.ctx, session.actor, target=target, action=action,
                                    refusals=refusals, limit=exports.EXPORT_LIMIT)
    header = ["日時", "利用者", "役割", "操作", "操作コード", "対象", "接続元", "詳細"]

    def detail(row) -> str:
        kept = {k: v for k, v in row["detail"].items() if k != "my_number"} if isinstance(row["detail"], dict) \
            else row["detail"]
        return " / ".join(f"{key}: {value}" if key else value for key, value in readable(kept, row["action"]))

    rows = ([in_japan(row["at"]).isoformat(sep=" ", timespec="seconds"), row["actor"], ROLE.get(row["role"], row["role"]),
             actions.get(row["action"], row["action"]), row["action"], row["target"] or "", row["remote"] or "",
             detail(row)] for row in items)
    filters = {k: v for k, v in (("target", target), ("action", action)) if v}
    return csv_response(request, session, "audit", f"audit-{request.app.state.ctx.today()}", header, rows,
                        refusals=refusals, total=total, criteria=filters)


def runs_csv(request: Request, session: WebSession, past: list[dict], kinds: dict, describe) -> Response:
    """一括交付の処理一覧 (the runs the page lists)."""
    header = ["処理番号", "種類", "内容", "処理日", "試行", "状態", "交付", "対象外", "開始", "終了"]
    rows = ([run["id"], kinds.get(run["kind"], run["kind"]), describe(run), run["run_on"], bool(run["dry_run"]),
             "完了" if run["status"] == "completed" else "処理中・中断", run["issued"], run["skipped"],
             _jst(run["started_at"]), _jst(run["finished_at"])] for run in past)
    return csv_response(request, session, "runs", f"runs-{request.app.state.ctx.today()}", header, rows)


def run_items_csv(request: Request, session: WebSession, run_id: str) -> Response:
    """一括交付の対象者: the run's manifest (`runs.manifest`, in the print file's order) in the
    chosen encoding; its cells are read back unescaped and escaped again by the writer."""
    text = runs.manifest(request.app.state.ctx, session.actor, run_id)
    header, *rows = [csv_cells.unescape_row(row) for row in csv.reader(io.StringIO(text))]
    return csv_response(request, session, "run.items", f"run-{run_id}-items", header,
                        ([int(c) if i == 0 and c.isdigit() else c for i, c in enumerate(row)] for row in rows),
                        run=run_id)


def import_errors_csv(request: Request, session: WebSession, job_id: str, result) -> Response:
    """届出ファイルの取込エラー: every error of an import with its row, column, value (a 個人番号
    masked by the import) and reason."""
    header = ["行", "列", "値", "理由", "理由コード"]
    rows = ([e.row if e.row is not None else "ファイル全体", e.column or "", e.value, e.message, e.code]
            for e in (result.errors if result else []))
    return csv_response(request, session, "import.errors", f"import-{job_id}-errors", header, rows, job=job_id,
                        file=result.filename if result else "")


def _jst(moment) -> str:
    return in_japan(moment).isoformat(sep=" ", timespec="seconds") if moment else ""


__all__ = ["wants_csv", "csv_links", "csv_response", "search_csv", "audit_csv", "runs_csv", "run_items_csv",
           "import_errors_csv", "UTF8_BOM", "CP932"]
