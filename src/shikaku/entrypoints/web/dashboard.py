"""ダッシュボード: the society's figures (service_layer.dashboard) as server-drawn charts."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...domain.wareki import format_wareki
from ...service_layer import dashboard, guessing
from ...service_layer.auth import Permission, allowed
from . import charts, labels
from .common import Staff, StaffMay, form_data, page, redirect

router = APIRouter(prefix="/staff", include_in_schema=False)

# Axis labels of the reasons where labels.ISSUE_REASONS, which the table under the chart gives, is
# too long for an axis (職権交付 and 更新 are short already).
SHORT_REASONS = {"card_lost": "①カードの紛失", "card_renewal": "②カードの更新中",
                 "certificate_expired": "③電子証明書の期限切れ", "not_registered": "④利用登録なし",
                 "no_card": "⑤カード未取得", "card_returned": "⑥カードの返納",
                 "needs_assistance": "⑦介助者等の支援が必要", "certificate_lost_or_damaged": "⑧資格確認書の滅失・き損",
                 "registration_cancelled": "⑨利用登録の解除", "other": "その他"}


def _month(day: date) -> str:
    """2026年12月（令和8年12月）."""
    era = format_wareki(day)
    return f"{day.year}年{day.month}月（{era[:era.index('年') + 1]}{day.month}月）"


def _percent(point: dashboard.RatePoint) -> str:
    return f"{point.rate:.1%}（{point.usable:,}人 / {point.eligible:,}人）"


def _rate_chart(figures: dashboard.Figures):
    points = [charts.Point(f"{p.on.year % 100:02d}/{p.on.month:02d}", round(100 * p.rate, 1), _percent(p),
                           f"{p.on.isoformat()}（{format_wareki(p.on)}）")
              for p in figures.rate_by_month]
    span = f"{points[0].heading}から{points[-1].heading}まで" if points else "データなし"
    return charts.line_chart(
        "chart-rate", "マイナ保険証の利用登録率（月末時点）",
        f"各月末に資格のある加入者のうち、マイナ保険証を利用できる方の割合。{span}の{len(points)}か月。",
        points, unit="%", top_value=100, columns=("月末", "利用登録率（利用できる人数 / 資格者数）"),
        label_every=3)


def _reason_chart(figures: dashboard.Figures):
    issued = figures.certificates_by_reason
    points = [charts.Point(SHORT_REASONS.get(reason, text), issued.get(reason, 0),
                           f"{issued.get(reason, 0):,}件", text)
              for reason, text in labels.ISSUE_REASONS.items()]
    return charts.bar_chart(
        "chart-reasons", "資格確認書の交付件数（交付理由別）",
        f"これまでに交付した資格確認書 {sum(issued.values()):,}件（再交付を含む）の交付理由別の件数。",
        points, columns=("交付理由", "件数"))


def _expiry_chart(figures: dashboard.Figures):
    points = [charts.Point(f"{first.month}月", count, f"{count:,}件", _month(first))
              for first, count in figures.expiries_by_month]
    return charts.column_chart(
        "chart-expiries", "有効期限を迎える資格確認書（今後12か月）",
        f"資格のある方が持つ資格確認書のうち、{points[0].heading}から{points[-1].heading}までの各月に"
        f"有効期限を迎える件数。合計{sum(c for _, c in figures.expiries_by_month):,}件。",
        points, columns=("月", "件数"))


FLAGS_SHOWN = 20


@router.get("/dashboard")
def dashboard_page(request: Request, session: Staff) -> Response:
    ctx = request.app.state.ctx
    figures = dashboard.figures(ctx, session.actor)
    flags, flag_total = guessing.list_flags(ctx, session.actor, FLAGS_SHOWN)
    return page(request, "staff/dashboard.html", session, figures=figures, rate=_percent,
                charts=[_rate_chart(figures), _reason_chart(figures), _expiry_chart(figures)],
                flags=flags, flag_total=flag_total, window_hours=ctx.policy.guessing_window_hours,
                birth_dates=ctx.policy.guessing_birth_dates,
                can_release=allowed(session.actor, Permission.OVERRIDE))


@router.post("/verification-flags/{flag_id}/release")
async def release_flag(request: Request, session: StaffMay(Permission.OVERRIDE), flag_id: str) -> Response:
    """A supervisor lifts a guessing flag after checking with the facility."""
    await form_data(request, session)
    guessing.release(request.app.state.ctx, session.actor, flag_id)
    return redirect(request, "/staff/dashboard", "照会の制限を解除しました。数秒以内にすべての接続で照会に回答します")
