"""一括のやり取り (bulk exchange): employers' notification files in, national-side files out.

The package: `importing` (the import and its result), `rows` (1. each row on its own),
`loader` (2. family by family against the registry), `registration_file` and `without_myna`
(the exports).

Import (`import_notifications`, for the CLI and the staff pages): a file of 資格取得届 /
被扶養者異動届 / 資格喪失届 / 変更届 rows (docs/formats.md) is stored entirely or not at all.

1. Every row is read and checked on its own (`domain.notifications`), streaming; valid rows go
   to a scratch store on disk (`adapters.spill`) with their 個人番号 already sealed by the
   vault, so memory stays flat and no clear number is written anywhere. A 個人番号 given to
   members of two families in the file is refused there too.
2. Family by family (記号・番号) and in a safe order — an insured before their dependents,
   changes after enrolments, losses last, whatever the order in the file — the rows are checked
   against the registry with the same family model as the single-member use cases (`domain.family.Family`) and written in bulk, inside one
   transaction that holds the registry's write lock. Any error rolls it all back; a dry run
   never writes. A file whose bytes were stored before (SHA-256) is refused as a duplicate.

Exports: the registration file for the national intermediate server (中間サーバー) — the one
place clear 個人番号 leave, each decryption audited — and the monthly list of members without a
usable マイナ保険証 (the input of ex officio runs). Both files are created with mode 0600.
"""
from __future__ import annotations

from .importing import import_notifications
from .registration_file import REGISTRATION_COLUMNS, ExportResult, export_registrations
from .result import MAX_ERRORS, READ_STAGE, ImportResult
from .without_myna import export_without_myna

__all__ = ["MAX_ERRORS", "READ_STAGE", "REGISTRATION_COLUMNS", "ExportResult", "ImportResult",
           "export_registrations", "export_without_myna", "import_notifications"]
