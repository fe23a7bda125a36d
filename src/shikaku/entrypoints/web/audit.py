"""監査ログ: the audit log for the admin and auditor roles, newest first, paged, filtered by
target and action. Reading only: the page has no form that writes."""
from __future__ import annotations

import json
import re
from datetime import date
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...domain.addresses import MAIL_TO_LABELS
from ...domain.documents import DOCUMENT_NAMES
from ...domain.limits import CATEGORIES
from ...domain.policy import DEFAULT_POLICY, Policy
from ...domain.registry import RELATIONSHIP_LABELS
from ...domain.wareki import format_wareki
from ...service_layer import audit_trail
from .common import ROLE, Staff, page, page_number
from .exports import audit_csv, wants_csv
from .labels import (
    ATTRIBUTES,
    CERTIFICATIONS,
    DISEASES,
    ISSUE_REASONS,
    LOSS_REASONS,
    NOTICE_REASONS,
    REGISTRATION_KINDS,
    cohorts,
)

router = APIRouter(prefix="/staff", include_in_schema=False)

PAGE_SIZE = 50
MAX_FILTER = 100  # characters of a filter value (the target column's width)

# 操作 in Japanese; an action not listed is shown by its code.
ACTIONS = {
    "sign_in": "ログイン", "sign_in.failed": "ログイン失敗", "sign_in.locked": "ロック中のログイン",
    "sign_in.refused": "ログイン拒否（利用者なし）", "sign_out": "ログアウト",
    "portal.sign_in.failed": "加入者ログイン失敗", "portal.sign_in.locked": "加入者ログイン（暗証番号ロック中）",
    "portal.sign_in.refused": "加入者ログイン拒否",
    "access.denied": "認証の失敗（トークンなし・無効）", "access.forbidden": "権限のない操作の拒否",
    "access.throttled": "無効なトークンが続いた接続元の制限", "sign_in.throttled": "ログイン失敗が続いた接続元の制限",
    "member.search.my_number": "個人番号による加入者検索",
    "verification.guessing_flagged": "照会の制限（生年月日の推測の疑い）",
    "verification.guessing_released": "照会の制限の解除",
    "portal.pin_reset": "加入者ポータルの暗証番号の再設定（通知書の発行）",
    "audit.anchor.reset": "監査ログの控えの再設定（復元による）",
    "user.add": "職員の登録", "user.unlock": "職員のロック解除", "token.issue": "トークンの発行",
    "token.revoke": "トークンの失効", "token.revoke.self": "トークンの失効（保有者による）",
    "facility.add": "医療機関等の登録",
    "member.enrol": "資格取得の登録", "member.amend": "変更の登録", "member.disqualify": "資格喪失の登録",
    "member.my_number": "個人番号の登録", "member.my_number.reveal": "個人番号の表示（復号）",
    "member.legacy_card": "健康保険証の登録",
    "myna.card": "マイナンバーカードの登録", "myna.registration": "健康保険証利用登録",
    "myna.cancellation": "利用登録の解除", "myna.pin_reset": "暗証番号の再設定",
    "certificate.issue": "資格確認書の交付", "certificate.override": "資格確認書の交付（責任者承認）",
    "certificate.elderly": "高齢受給者証の交付", "notice.issue": "資格情報のお知らせの交付",
    **{f"certification.{kind}": text for kind, text in CERTIFICATIONS.items()},
    "run.ex_officio.start": "職権交付の開始", "run.renewal.start": "更新の開始",
    "import.notifications": "届出ファイルの取込", "export.registrations": "中間サーバー登録ファイルの作成",
    "export.without_myna": "マイナ保険証なしの方の一覧の作成",
    "keys.rotate.start": "暗号鍵の更新の開始", "keys.rotate": "暗号鍵の更新",
    "my_number.purge": "保存期間を過ぎた個人番号の削除", "db.backup": "バックアップの作成",
    "portal.screen": "加入者ポータル: 資格情報の閲覧", "portal.screen_pdf": "加入者ポータル: 資格情報のPDF",
    "portal.history": "加入者ポータル: 照会履歴の閲覧", "portal.what_to_bring": "加入者ポータル: 受診に必要なもの",
    "export.csv": "CSVの出力", "user.password.change": "パスワードの変更",
    "user.password.change.failed": "パスワードの変更の失敗（現在のパスワードの誤り）",
    "user.password.reset": "パスワードの再設定（管理者による）",
    "employer.add": "事業所の登録", "employer.update": "事業所の変更", "employer.import": "事業所の取込",
    "member.address": "住所・送付先の登録", "registration.cancel": "登録の取消", "registration.correct": "登録の訂正",
    "certificate.cancel": "資格確認書の取消", "document.cancel": "交付書類の取消",
    "certificate.return": "資格確認書の返納", "certificate.return_reminders": "返納のお願いの作成",
}

# Keys of the detail JSON in Japanese; others are shown as they are.
DETAIL_KEYS = {
    "role": "役割", "name": "名称", "reason": "理由", "serial": "交付番号", "registered_on": "登録日",
    "effective_on": "効力発生日", "disqualified_on": "資格喪失日", "issued_on": "交付日",
    "relationship": "続柄", "symbol": "記号", "number": "番号", "branch": "枝番",
    "with_my_number": "個人番号あり", "fields": "変更項目", "failures": "連続失敗回数", "run_on": "処理日",
    "cohort": "対象", "dry_run": "試行", "note": "承認理由", "supersedes": "無効にした交付番号",
    "certificate_expires_on": "電子証明書の有効期限", "cancelled_on": "解除日", "category": "区分",
    "disease": "疾病", "purpose": "目的", "file": "ファイル", "rows": "行数", "token_id": "トークンID",
    "status": "応答", "suppressed": "記録を省略した同種の拒否", "my_number": "個人番号", "found": "該当",
    "flag_id": "警告ID", "birth_dates": "試された生年月日", "facility": "医療機関",
    "locked": "ロック中", "member": "加入者",
    "encoding": "文字コード", "replaced": "〓に置き換えた文字数", "criteria": "検索条件", "total": "該当件数",
    "refusals": "拒否された試行のみ", "ended_sessions": "終了したログイン", "day": "日付",
    "target": "対象", "action": "操作", "run": "処理", "job": "取込",
    "seq": "登録番号", "kind": "種類", "mail_to": "送付先", "change": "変更", "symbols": "記号",
    "filename": "ファイル名", "content_hash": "ファイルのハッシュ", "counts": "件数", "errors": "エラー件数",
    "added": "追加", "updated": "変更", "applied_on": "適用年月日", "withdrawn_on": "脱退日", "address": "所在地",
    "phone": "電話", "returned_on": "返納日", "as_of": "基準日", "on": "基準日", "letters": "通知数",
    "years": "保存年数", "checked": "確認件数", "purged": "削除件数", "key": "鍵", "previous": "以前の値",
    "restored": "復元後の値", "members": "加入者数", "cards": "カード数", "unmatched_cards": "照合できないカード",
    "resumed": "再開", "corrected": "訂正", "my_numbers": "個人番号の件数", "card": "カード番号",
}

# The wording of a detail's value, by its key (a reason by the action that recorded it).
_REASONS = {"member.disqualify": LOSS_REASONS, "certificate.issue": ISSUE_REASONS,
            "certificate.override": ISSUE_REASONS, "notice.issue": NOTICE_REASONS}
_VALUES = {"role": ROLE, "relationship": RELATIONSHIP_LABELS, "mail_to": MAIL_TO_LABELS, "disease": DISEASES,
           "kind": {**DOCUMENT_NAMES, **REGISTRATION_KINDS}, "change": {"added": "追加", "changed": "変更"},
           "category": {code: c.label for code, c in CATEGORIES.items()}, "status": {
               "completed": "完了", "refused": "拒否", "dry_run": "試行"}}
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _value(key: str, value: Any, action: str, policy: Policy) -> str:
    """One value in words: codes by their labels, ISO days in 和暦, lists joined (none: なし),
    yes/no; a value with no wording is shown as it is."""
    table = _REASONS.get(action, {}) if key == "reason" else \
        cohorts(policy) if key == "cohort" else {**ATTRIBUTES, **DETAIL_KEYS} if key == "fields" else _VALUES.get(key, {})
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, list):
        return "、".join(_value(key, item, action, policy) for item in value) or "なし"
    if isinstance(value, dict):
        return "、".join(f"{k}: {_value(k, v, action, policy)}" for k, v in value.items()) or "なし"
    if value is None:
        return "なし"
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        return format_wareki(date.fromisoformat(value))
    return table.get(value, value) if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def readable(detail: Any, action: str = "", policy: Policy = DEFAULT_POLICY) -> list[tuple[str, str]]:
    """The detail JSON as (heading, value) lines in Japanese (D-159)."""
    if not isinstance(detail, dict):
        return [("", json.dumps(detail, ensure_ascii=False))] if detail else []
    return [(DETAIL_KEYS.get(key, key), _value(key, value, action, policy)) for key, value in detail.items()]


@router.get("/audit")
def audit_page(request: Request, session: Staff) -> Response:
    ctx, query = request.app.state.ctx, request.query_params
    target = query.get("target", "").strip()[:MAX_FILTER]
    action = query.get("action", "").strip()[:MAX_FILTER]
    refusals = query.get("refusals") == "on"
    number = page_number(query.get("page"))
    described = partial(readable, policy=ctx.policy)
    if wants_csv(request):  # the filtered log as a CSV file (D-134)
        return audit_csv(request, session, target or None, action or None, refusals, ACTIONS, described)
    items, total = audit_trail.read(ctx, session.actor, target=target or None, action=action or None,
                                    refusals=refusals, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    known = audit_trail.actions(ctx, session.actor)
    options = [(code, ACTIONS.get(code, code)) for code in known]
    pages = max(1, -(-total // PAGE_SIZE))
    return page(request, "staff/audit.html", session, items=items, total=total, number=number,
                pages=pages, values={"target": target, "action": action, "refusals": refusals}, errors={},
                options=options,
                actions=ACTIONS, readable=described)
