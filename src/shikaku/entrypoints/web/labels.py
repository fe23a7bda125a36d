"""Japanese wording of the codes the pages show (reasons, kinds, results), and the Jinja2
filters that print them. Wording only: which reason applies is always the domain's."""
from __future__ import annotations

from datetime import date, timedelta

from ...domain.certificates import CertificateReason as R
from ...domain.certificates import NoticeReason, cycle_end_on_or_after
from ...domain.documents import DOCUMENT_NAMES, SPECIFIC_DISEASES
from ...domain.notifications import KINSHIP_LABELS, LOSS_REASON_LABELS
from ...domain.policy import Policy
from ...domain.registry import (
    LOSS_REASONS_BY_RELATIONSHIP,
    RELATIONSHIP_LABELS,
    SEX_LABELS,
    LossReason,
    Relationship,
)
from ...domain.wareki import format_wareki

# 資格確認書（再）交付申請書の申請理由: the seed's Q6 ①–⑧, ⑨ (national rule, R-MYNA-6), その他.
CERTIFICATE_REASONS = {
    R.CARD_LOST: "①マイナンバーカードを紛失したため",
    R.CARD_RENEWAL: "②マイナンバーカードの更新手続き中のため",
    R.CERTIFICATE_EXPIRED: "③マイナンバーカードの電子証明書の有効期限が切れているため",
    R.NOT_REGISTERED: "④マイナンバーカードを持っているが、健康保険証利用登録を行っていないため",
    R.NO_CARD: "⑤マイナンバーカードを取得していないため",
    R.CARD_RETURNED: "⑥マイナンバーカードを返納したため",
    R.NEEDS_ASSISTANCE: "⑦マイナ保険証での受診には第三者（介助者など）のサポートが必要なため",
    R.CERTIFICATE_LOST_OR_DAMAGED: "⑧資格確認書を滅失・き損したため",
    R.REGISTRATION_CANCELLED: "⑨マイナ保険証の利用登録を解除したため",
    R.OTHER: "その他（備考に記入）",
}
ISSUE_REASONS = {**CERTIFICATE_REASONS, R.EX_OFFICIO: "職権交付", R.RENEWAL: "更新"}


def cohorts(policy: Policy) -> dict[str, str]:
    """職権交付の対象 (commands.CertificateRun.cohort), as a run is described; the day of
    R-CERT-4 is the policy's."""
    return {"legacy_holders": f"{format_wareki(policy.ex_officio_enrolled_by)}以前に加入した方"
                              "（健康保険証をお持ちだった方）",
            "all_without_myna": "資格のあるすべての方"}


def cohort_options(policy: Policy) -> list[tuple[str, str]]:
    """The cohorts as the run form offers them (R-CERT-4)."""
    named, joined_after = cohorts(policy), policy.ex_officio_enrolled_by + timedelta(days=1)
    return [("legacy_holders", named["legacy_holders"]),
            ("all_without_myna", f"{named['all_without_myna']}（{format_wareki(joined_after)}以降の加入者を含む）")]


def renewal_hint(policy: Policy, today: date) -> str:
    """The hint by the run form's 有効期限: the next cycle end (R-CERT-5) and the first day of
    its renewal window (R-CERT-8), both the policy's."""
    month, day = policy.renewal_opens
    cycle_end = cycle_end_on_or_after(max(today, policy.certificates.first), policy)
    return (f"空欄の場合は処理日以降の最初の有効期限（{format_wareki(cycle_end)}など）。"
            f"処理日は有効期限の年の{month}月{day}日以降にしてください。")


NOTICE_REASONS = {NoticeReason.INITIAL: "初回の交付", NoticeReason.LOST: "紛失による再交付",
                  NoticeReason.NAME_CHANGE: "氏名変更等による再交付"}

LOSS_REASONS = {**LOSS_REASON_LABELS, LossReason.LATE_ELDERLY: "75歳到達（後期高齢者医療へ）",
                LossReason.COVERAGE_END: "資格終了予定日の到来（任意継続等）",
                LossReason.INSURED_LOST: "被保険者の資格喪失に伴う喪失"}


def loss_reason_options(relationship: str) -> list[tuple[str, str]]:
    """The 喪失理由 a form offers a member of `relationship` (the domain's rule, D-155)."""
    return [(r.value, LOSS_REASONS[r]) for r in LOSS_REASONS_BY_RELATIONSHIP[Relationship(relationship)]]

# 資格の履歴: what a registration recorded, and the attributes a 変更届 changes.
REGISTRATION_KINDS = {"enrolment": "資格取得", "amendment": "変更", "my_number": "個人番号の登録",
                      "disqualification": "資格喪失", "certification": "認定", "loss": "資格喪失",
                      "correction": "取消・訂正"}
CERTIFICATIONS = {"limit": "限度額適用認定", "limit_reduction": "限度額適用・標準負担額減額認定",
                  "specific_disease": "特定疾病の認定"}
LIMIT_KINDS = {"limit": "限度額適用認定（限度額適用認定証の交付）",
               "limit_reduction": "限度額適用・標準負担額減額認定（住民税非課税の方）"}
ATTRIBUTES = {"name": "氏名", "name_kana": "フリガナ", "birth_date": "生年月日", "sex": "性別",
              "standard_monthly_remuneration": "標準報酬月額", "resident_tax_exempt": "住民税非課税",
              "income_declared_low": "基準収入額適用", "coverage_ends_on": "資格終了予定日",
              "kinship": "続柄", "reason": "喪失理由", "valid_until": "認定の終了日"}

DISEASES = {code: f"{'①②③'[int(code) - 1]}{name}" for code, name in SPECIFIC_DISEASES.items()}

# オンライン資格確認の照会履歴.
VALIDITY = {"1": "有効", "2": "無効（資格喪失）", "3": "無効（新しい資格あり）", "4": "該当資格なし",
            "5": "複数該当"}
METHODS = {"myna_card": "マイナ保険証", "card_info": "券面情報（資格確認書等）", "reception": "窓口での確認"}
IDENTITY_CHECKS = {"face": "顔認証", "pin": "暗証番号", "visual": "目視"}
# How a query reached the society (service_layer.verification.CHANNELS).
CHANNELS = {"json": "API（JSON）", "batch": "API（JSON・一括照会）", "fhir": "API（FHIR）",
            "oqs": "オンライン資格確認電文", "oqs_bulk": "オンライン資格確認電文（一括照会）",
            "card_reader": "顔認証付きカードリーダー"}

# What the clerk can do after a refusal, by the refusal's code.
NEXT_STEPS = {
    "reason_contradicts_registry": "申請者に事情を確認し、登録内容に合う理由を選び直してください。"
                                   "申告が正しく登録が古い場合は、業務責任者が承認理由を記入して交付できます。",
    "myna_usable": "マイナ保険証で受診できる方です。カードと一緒に「資格情報のお知らせ」か"
                   "マイナポータルの資格情報画面を提示するようご案内ください。カードの紛失など①〜⑨に"
                   "当たる事情があれば、その理由で申請してください。",
    "already_holds_certificate": "お持ちの資格確認書が使えます。紛失・き損した場合は⑧で再交付を申請してください。",
    "not_eligible": "申請日に資格がありません。資格取得日・喪失日と申請日をご確認ください。",
    "portal_available": "再交付の代わりに、マイナポータルの資格情報画面をダウンロードするようご案内ください。",
    "no_my_number": "先に個人番号を登録してください（登録の翌々営業日に交付できます）。",
    "provided_online": "医療機関等はオンライン資格確認で区分を確認できます。紙の証は不要です。",
    "duplicate_my_number": "別の加入者に同じ個人番号が登録されています。番号を確かめ、"
                           "重複している記録は資格喪失の登録状況をご確認ください。",
}


def not_yet_valid(day: date) -> str:
    """A document not valid yet, by the day it becomes valid (D-158): never 無効."""
    return f"公開前（{format_wareki(day)}から有効）"


def _label(table: dict):
    return lambda code: table.get(code, code or "")


FILTERS = {"certificate_reason": _label(ISSUE_REASONS), "notice_reason": _label(NOTICE_REASONS),
           "loss_reason": _label(LOSS_REASONS), "document_kind": _label(DOCUMENT_NAMES),
           "registration_kind": _label(REGISTRATION_KINDS), "certification": _label(CERTIFICATIONS),
           "attribute": _label(ATTRIBUTES),
           "kinship": _label(KINSHIP_LABELS), "disease": _label(DISEASES),
           "validity": _label(VALIDITY), "method": _label(METHODS),
           "identity_check": _label(IDENTITY_CHECKS), "channel": _label(CHANNELS), "not_yet_valid": not_yet_valid,
           # a value without a label is shown as it is
           "sex": lambda v: SEX_LABELS.get(v, v), "relationship": lambda v: RELATIONSHIP_LABELS.get(v, v)}
