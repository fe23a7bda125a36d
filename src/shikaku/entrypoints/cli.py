"""The `shikaku` command: init, serve, demo and batch work. Thin: every rule is in the core."""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer
from rich.console import Console
from rich.markup import escape

from ..adapters.db.engine import migrate
from ..adapters.vault import ensure_key_file
from ..domain.dates import check_date
from ..domain.errors import DomainError
from ..domain.wareki import format_wareki
from ..service_layer import society
from ..service_layer.auth import Actor, Role
from .bootstrap import DB_ENV, ConfigurationError, build_context, database_url

app = typer.Typer(help="shikaku — 健康保険組合の資格管理", no_args_is_help=True,
                  pretty_exceptions_enable=False)
token_app = typer.Typer(help="API トークン", no_args_is_help=True)
app.add_typer(token_app, name="token")
user_app = typer.Typer(help="職員の利用者 (Web 画面)", no_args_is_help=True)
app.add_typer(user_app, name="user")
console = Console()
err = Console(stderr=True)

Db = Annotated[Optional[str], typer.Option("--db", help="SQLAlchemy URL (sqlite:///… or postgresql+psycopg://…)")]
CLI_ACTOR = Actor(Role.ADMIN, "cli")
DEMO_FACILITY = "1310112345"  # 医療機関コード of the demo clinic (valid check digit)


def _fail(exc: DomainError) -> None:
    err.print(f"[red]エラー[/red] ({exc.code}): {exc.message}")
    raise typer.Exit(2)


def initialise(db_url: str, insurer_number: str, insurer_name: str):
    """Creates or migrates the schema and records the society; returns the context."""
    ensure_key_file()
    ctx = build_context(db_url)
    migrate(ctx.engine, ctx.vault)
    society.initialise(ctx, insurer_number, insurer_name)
    return ctx


@app.command()
def init(db: Db = None,
         insurer_number: Annotated[str, typer.Option(help="保険者番号 (8 digits)")] = ...,
         insurer_name: Annotated[str, typer.Option(help="保険者名称")] = ...):
    """スキーマを作成・更新し、保険者を登録します (安全に再実行できます)."""
    try:
        initialise(database_url(db), insurer_number, insurer_name)
    except DomainError as exc:
        _fail(exc)
    console.print(f"初期化しました: {insurer_name} ({insurer_number})")


TRUSTED_PROXIES_ENV = "SHIKAKU_TRUSTED_PROXIES"


def trusted_proxies(given: list[str] | None = None) -> list[str]:
    """The reverse proxies whose X-Forwarded-For / -Proto headers are believed (`--trusted-proxy`
    or `SHIKAKU_TRUSTED_PROXIES`, comma-separated): none by default, so a client never chooses
    the address its sign-in limit and audit rows are kept under (issue 12, item 11)."""
    listed = given or os.environ.get(TRUSTED_PROXIES_ENV, "").split(",")
    return [address.strip() for address in listed if address.strip()]


def run_server(db_url: str, host: str, port: int, workers: int, proxies: list[str] = ()) -> None:
    ctx = build_context(db_url)
    try:
        society.check_key(ctx)
    except DomainError as exc:
        _fail(exc)
    if workers > 1:
        ctx.engine.dispose()
        _supervise(db_url, host, port, workers, proxies)
    import uvicorn

    from .api.app import create_server
    uvicorn.run(create_server(ctx), host=host, port=port, log_level="warning", access_log=False,
                proxy_headers=bool(proxies), forwarded_allow_ips=",".join(proxies) or None)


WORKER_HEALTHCHECK_SECONDS = 30  # uvicorn's 5 s kills workers still importing on a busy machine


def _supervise(db_url: str, host: str, port: int, workers: int, proxies: list[str]) -> NoReturn:
    """Replaces this process by uvicorn's supervisor of `workers` processes. The supervisor
    only starts and watches the workers (each builds the application from the environment), so
    a fresh interpreter without the application's modules keeps it about 60 MB smaller; the
    process id stays, so signals reach the supervisor as before."""
    os.environ[DB_ENV] = db_url
    sys.stdout.flush()
    sys.stderr.flush()
    forwarding = ["--proxy-headers", "--forwarded-allow-ips", ",".join(proxies)] if proxies else ["--no-proxy-headers"]
    os.execv(sys.executable, [sys.executable, "-m", "uvicorn", "--factory", "shikaku.entrypoints.api.asgi:app",
                              "--host", host, "--port", str(port), "--workers", str(workers),
                              "--log-level", "warning", "--no-access-log", *forwarding,
                              "--timeout-worker-healthcheck", str(WORKER_HEALTHCHECK_SECONDS)])


@app.command()
def serve(db: Db = None, host: str = "127.0.0.1", port: int = 8000,
          workers: Annotated[int, typer.Option(min=1, max=16)] = 1,
          trusted_proxy: Annotated[Optional[list[str]], typer.Option(
              help="X-Forwarded-For を信頼するリバースプロキシのアドレス (複数可; 既定: なし)")] = None):
    """Web 画面と API を提供します."""
    console.print(f"http://{host}:{port}/ で待ち受けます (API 文書: /api/docs)")
    run_server(database_url(db), host, port, workers, trusted_proxies(trusted_proxy))


@token_app.command("add")
def token_add(role: Annotated[Role, typer.Option(help="admin, supervisor, clerk, auditor, facility")],
              subject: Annotated[str, typer.Option(help="利用者名・医療機関コード")], db: Db = None):
    """API トークンを発行します (表示は一度だけ)."""
    ctx = build_context(database_url(db))
    try:
        issued = society.issue_token(ctx, CLI_ACTOR, role, subject)
    except DomainError as exc:
        _fail(exc)
    console.print(issued["token"])  # alone on stdout, for scripts
    err.print(f"トークン ID {issued['id']} (失効: shikaku token revoke --id {issued['id']})")


@token_app.command("list")
def token_list(db: Db = None,
               limit: Annotated[int, typer.Option(min=1, help="表示する件数 (新しい順)")] = 100):
    """発行済みの API トークンを一覧します (トークンそのものは表示されません)."""
    from rich.table import Table

    from ..service_layer.context import in_japan

    items, total = society.list_tokens(build_context(database_url(db)), CLI_ACTOR, limit)
    table = Table("ID", "種別", "対象", "発行日時", "失効日時", caption=f"{total}件 (新しい順)")
    for item in items:
        table.add_row(str(item["id"]), item["role"], escape(item["subject"]),
                      *(f"{in_japan(moment):%Y-%m-%d %H:%M}" if moment else ""
                        for moment in (item["created_at"], item["revoked_at"])))
    console.print(table)


@token_app.command("revoke")
def token_revoke(token: Annotated[Optional[str], typer.Argument(help="失効させるトークン")] = None,
                 token_id: Annotated[Optional[int], typer.Option("--id", help="トークン ID (token list)")] = None,
                 db: Db = None):
    """API トークンを失効させます (すべてのプロセスで数秒以内に無効になります)."""
    if (token is None) == (token_id is None):
        err.print("[red]エラー[/red]: トークンか --id のどちらか一方を指定してください")
        raise typer.Exit(2)
    ctx = build_context(database_url(db))
    try:
        if token is not None:
            society.revoke_token(ctx, CLI_ACTOR, token)
        else:
            society.revoke_token_id(ctx, CLI_ACTOR, str(token_id))
    except DomainError as exc:
        _fail(exc)
    console.print("トークンを失効させました")


@user_app.command("add")
def user_add(username: Annotated[str, typer.Argument(help="利用者ID (英小文字・数字・._-)")],
             role: Annotated[Role, typer.Option(help="admin, supervisor, clerk, auditor")],
             name: Annotated[str, typer.Option("--name", help="表示名 (氏名)")] = "",
             password: Annotated[str, typer.Option(
                 prompt="パスワード", hide_input=True, confirmation_prompt=True,
                 envvar="SHIKAKU_NEW_PASSWORD", help="省略すると入力を求めます")] = ...,
             db: Db = None):
    """Web 画面の職員アカウントを作成します (パスワードは argon2 で保存)."""
    from ..service_layer import accounts

    try:
        user = accounts.add_user(build_context(database_url(db)), CLI_ACTOR, username,
                                 name, role, password)
    except DomainError as exc:
        _fail(exc)
    console.print(f"作成しました: {user['username']} ({user['role']})")


@user_app.command("unlock")
def user_unlock(username: str, db: Db = None):
    """ログイン失敗でロックされたアカウントを解除します."""
    from ..service_layer import accounts

    try:
        accounts.unlock_user(build_context(database_url(db)), CLI_ACTOR, username)
    except DomainError as exc:
        _fail(exc)
    console.print(f"ロックを解除しました: {username}")


DEMO_PASSWORD = "shikaku-demo"  # demo society only
DEMO_USERS = (("kanri", "管理 一郎", Role.ADMIN), ("sekinin", "責任 花子", Role.SUPERVISOR),
              ("tanto", "担当 次郎", Role.CLERK), ("kansa", "監査 三郎", Role.AUDITOR))
DEMO_PIN = "1234"


DEMO_EX_OFFICIO_ON = "2025-11-04"  # before the legacy cards' last day (R-LEG-1)


def _demo_ex_officio_run(ctx) -> None:
    """The society's 職権交付 of autumn 2025, so that the demo holds 資格確認書 as a real one does
    (a second `make demo` finds the run done)."""
    from ..service_layer import commands, runs

    run = _run_with_progress("職権交付 (令和7年11月)", lambda progress: runs.ex_officio(
        ctx, CLI_ACTOR, commands.CertificateRun(run_on=DEMO_EX_OFFICIO_ON, cohort="legacy_holders"),
        progress))
    run_on = format_wareki(date.fromisoformat(DEMO_EX_OFFICIO_ON))
    console.print(f"職権交付 ({run_on}): 資格確認書 {run['issued']:,} 件")


def _demo_returns(ctx) -> None:
    """Leavers' 資格確認書 come back by post (返納): those of even id are recorded as returned two
    weeks after the holder's loss, the rest stay on 未返納一覧 (a second `make demo` adds none)."""
    from ..service_layer import commands, returns

    owed = returns.list_unreturned(ctx, CLI_ACTOR)
    today = ctx.today()
    back = [item for item in owed
            if int(item["certificate_id"]) % 2 == 0 and item["lost_on"] + timedelta(days=14) <= today]
    for item in back:
        returns.record_return(ctx, CLI_ACTOR, item["certificate_id"], commands.CertificateReturn(
            returned_on=item["lost_on"] + timedelta(days=14)))
    console.print(f"返納: 資格確認書 {len(back):,} 件を返納済みとして記録（未返納 {len(owed) - len(back):,} 件）")


def _demo_sign_ins(ctx, host: str, port: int) -> None:
    """Staff accounts and the showcase member's card PIN, printed for `make demo`."""
    from ..demo.generator import showcase_card
    from ..service_layer import accounts

    for username, name, role in DEMO_USERS:
        try:
            accounts.add_user(ctx, CLI_ACTOR, username, name, role, DEMO_PASSWORD)
        except DomainError:  # a second `make demo`: the account is there
            pass
    card_id = showcase_card(ctx)
    accounts.set_card_pin(ctx, CLI_ACTOR, card_id, DEMO_PIN)
    console.print(f"\n[bold]職員ログイン[/bold] http://{host}:{port}/staff/sign-in  (パスワード {DEMO_PASSWORD})")
    for username, name, role in DEMO_USERS:
        console.print(f"  {username:<8} {name}（{role.value}）")
    console.print(f"[bold]加入者ポータル[/bold] http://{host}:{port}/portal/sign-in  "
                  f"カード番号 {card_id}  暗証番号 {DEMO_PIN}（山田 太郎）")


def _demo_oqs(ctx, token: str, host: str, port: int) -> None:
    """A siquc01 request for a showcase patient, and the command of a 資格確認端末 against the
    demo server, printed for `make demo` (docs/oqs.md)."""
    from ..demo.generator import showcase_child
    from ..service_layer.context import today_in_japan
    from .oqs import messages, wire

    sample = Path("var/oqs-sample/OQSsiquc01req_demo.xml")
    sample.parent.mkdir(parents=True, exist_ok=True)
    insurer = society.insurer_record(ctx)["insurer_number"]
    request = messages.confirmation_request(DEMO_FACILITY, today_in_japan(), insurer, showcase_child(ctx), file_id="demo")
    sample.write_bytes(wire.encode(request, wire.UTF8)[0])
    console.print("\n[bold]資格確認端末（OQS の電文）[/bold] 別の端末で:")
    console.print(f"  .venv/bin/shikaku oqs-terminal --dir var/oqs-terminal --server http://{host}:{port} --token {token}",
                  soft_wrap=True)
    console.print(f"  cp {sample} var/oqs-terminal/req/   → 結果: var/oqs-terminal/res/OQSsiquc01res_demo.xml"
                  "（山田 翔太、4歳、未就学2割）", soft_wrap=True)


@app.command()
def demo(members: Annotated[int, typer.Option("--members", min=10)] = 12000,
         db: Db = None, no_serve: Annotated[bool, typer.Option("--no-serve")] = False,
         host: str = "127.0.0.1", port: int = 8000, seed: int = 20251202):
    """デモ用の健康保険組合を生成して提供します."""
    from ..demo.generator import DEMO_INSURER_NAME, DEMO_INSURER_NUMBER, generate

    db_url = db or "sqlite:///var/demo.db"
    ctx = initialise(db_url, DEMO_INSURER_NUMBER, DEMO_INSURER_NAME)
    summary = generate(ctx, members=members, seed=seed, console=console)
    tokens = {role.value: society.issue_token(ctx, CLI_ACTOR, role, f"demo-{role.value}")["token"]
              for role in (Role.ADMIN, Role.SUPERVISOR, Role.CLERK, Role.AUDITOR)}
    try:
        tokens["facility"] = society.add_facility(ctx, CLI_ACTOR, DEMO_FACILITY, "さくら内科クリニック")["token"]
    except DomainError:  # a second `make demo`: the clinic exists, give it a new token
        tokens["facility"] = society.issue_token(ctx, CLI_ACTOR, Role.FACILITY, DEMO_FACILITY)["token"]
    console.print(summary)
    console.print("\n[bold]サインイン用トークン[/bold] (Authorization: Bearer …)")
    for role, token in tokens.items():
        console.print(f"  {role:<10} {token}")
    console.print(f"\n例: curl -H 'Authorization: Bearer {tokens['admin']}' "
                  f"'http://{host}:{port}/api/v1/members?limit=5'")
    _demo_ex_officio_run(ctx)
    _demo_returns(ctx)
    _demo_sign_ins(ctx, host, port)
    _demo_oqs(ctx, tokens["facility"], host, port)
    if not no_serve:
        console.print(f"\nhttp://{host}:{port}/api/docs で API を試せます。Ctrl+C で終了します。")
        run_server(db_url, host, port, 1, trusted_proxies())


def _progress_bar(label: str):
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TimeRemainingColumn,
    )

    return Progress(f"[bold]{label}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=console)


def _run_with_progress(label: str, call):
    """Runs `call(progress_callback)` under a Rich progress bar."""
    with _progress_bar(label) as bar:
        task = bar.add_task(label, total=None)
        return call(lambda done, total: bar.update(task, completed=done, total=total))


def _write_run_files(ctx, run: dict, out_dir: Path) -> None:
    from ..service_layer import runs

    out_dir.mkdir(parents=True, exist_ok=True)
    pdf, csv_path = out_dir / f"run-{run['id']}.pdf", out_dir / f"run-{run['id']}.csv"
    csv_path.write_text(runs.manifest(ctx, CLI_ACTOR, run["id"]), encoding="utf-8-sig")
    with _progress_bar("印刷ファイル") as bar, pdf.open("wb") as out:
        task = bar.add_task("print", total=run["issued"])
        runs.print_file(ctx, CLI_ACTOR, run["id"], out, lambda n: bar.update(task, completed=n))
    console.print(f"印刷ファイル: {pdf}\n送付リスト: {csv_path}")


RunOn = Annotated[str, typer.Option("--run-on", help="処理日 (YYYY-MM-DD)")]
OutDir = Annotated[Path, typer.Option("--out-dir", help="印刷ファイルと送付リストの出力先")]


def _certificate_run(label: str, db: str | None, out_dir: Path, make_form, start) -> None:
    """Runs an ex officio or renewal run with a progress bar, then writes its print files."""
    ctx = build_context(database_url(db))
    try:
        form = make_form()
        run = _run_with_progress(label, lambda progress: start(ctx, CLI_ACTOR, form, progress))
    except (DomainError, ValueError) as exc:
        _fail(exc if isinstance(exc, DomainError) else DomainError("invalid_input", str(exc)))
    console.print(f"処理 {run['id']}: 交付 {run['issued']:,} 件, 対象外 {run['skipped']:,} 件"
                  + (" (試行: 何も保存していません)" if run["dry_run"] else ""))
    if not run["dry_run"] and run["issued"]:
        _write_run_files(ctx, run, out_dir)


@app.command("ex-officio")
def ex_officio(run_on: RunOn, cohort: Annotated[str, typer.Option(
        help="legacy_holders (健康保険証をお持ちだった加入者、R-CERT-4) | all_without_myna")] = "legacy_holders",
        dry_run: Annotated[bool, typer.Option("--dry-run")] = False, db: Db = None,
        out_dir: OutDir = Path("var/runs")):
    """資格確認書の職権交付 (R-CERT-4)。中断しても再実行すれば続きから処理します."""
    from ..service_layer import commands, runs

    _certificate_run("職権交付", db, out_dir,
                     lambda: commands.CertificateRun(run_on=run_on, cohort=cohort, dry_run=dry_run),
                     runs.ex_officio)


@app.command()
def renew(run_on: RunOn, cycle_end: Annotated[Optional[str], typer.Option(help="更新する有効期限")] = None,
          dry_run: Annotated[bool, typer.Option("--dry-run")] = False, db: Db = None,
          out_dir: OutDir = Path("var/runs")):
    """資格確認書の更新 (R-CERT-8)。中断しても再実行すれば続きから処理します."""
    from ..service_layer import commands, runs

    _certificate_run("更新", db, out_dir,
                     lambda: commands.RenewalRun(run_on=run_on, cycle_end=cycle_end, dry_run=dry_run),
                     runs.renewal)


@app.command("check-card")
def check_card(payload: Annotated[str, typer.Argument(help="証の二次元コードの内容")], db: Db = None):
    """印刷された証の二次元コードが真正か確認します (R-CERT-10)."""
    from ..service_layer import documents

    result = documents.check_card(build_context(database_url(db)), CLI_ACTOR, payload)
    console.print(result["message"])
    if result["genuine"]:
        for key, value in result["fields"].items():
            console.print(f"  {key}: {value}")
    raise typer.Exit(0 if result["genuine"] else 1)


export_app = typer.Typer(help="ファイルの出力 (中間サーバー向け登録ファイル、マイナ保険証のない加入者)",
                         no_args_is_help=True)
app.add_typer(export_app, name="export")
ERRORS_SHOWN = 1000


@contextmanager
def _stage_progress():
    """A progress callback (stage, done, total) drawing one Rich bar per stage."""
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), TaskProgressColumn(),
                   TimeElapsedColumn(), console=console)
    tasks: dict[str, int] = {}

    def update(stage: str, done: int, total: int | None) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total)
        bar.update(tasks[stage], completed=done, total=total)

    with bar:
        yield update


@app.command("import")
def import_file(file: Annotated[Path, typer.Argument(help="届出ファイル (CSV: Shift_JIS / UTF-8)", exists=True,
                                                     dir_okay=False, readable=True)],
                db: Db = None,
                dry_run: Annotated[bool, typer.Option("--dry-run", help="検査だけして保存しない")] = False,
                confirm_duplicates: Annotated[bool, typer.Option(
                    "--confirm-duplicates", help="同一人物の可能性がある行を確認済み（別人として登録する）")] = False):
    """事業所の届出ファイル (資格取得・被扶養者追加・資格喪失・変更) を取り込みます。誤りが1件でもあれば何も保存しません."""
    from ..service_layer import exchange

    ctx = build_context(database_url(db))
    try:
        with file.open("rb") as stream, _stage_progress() as progress:
            result = exchange.import_notifications(ctx, CLI_ACTOR, stream, file.name, dry_run=dry_run,
                                                   confirm_duplicates=confirm_duplicates, progress=progress)
    except DomainError as exc:
        _fail(exc)
    _report_import(result)
    raise typer.Exit(1 if result.refused else 0)


def _report_import(result) -> None:
    counts = "、".join(f"{kind} {n:,}" for kind, n in result.counts.items() if n)
    about = f"{result.filename}（{result.encoding_label or '文字コード不明'}、{result.rows:,} 行"
    about += f"：{counts}）" if counts else "）"
    if result.status == "imported":
        console.print(f"取り込みました（取込番号 {result.import_id}）: {about}")
        return
    if result.status == "checked":
        console.print(f"検査のみ: 誤りはありません（何も保存していません）: {about}")
        return
    from rich.table import Table

    err.print(f"[red]取り込めません[/red]（誤り {result.error_count:,} 件、何も保存していません）: {about}")
    table = Table("行", "項目", "値", "理由")
    for column in table.columns:
        column.overflow = "fold"
    for e in result.errors[:ERRORS_SHOWN]:
        table.add_row("" if e.row is None else str(e.row), e.column or "", e.value, f"{e.message} ({e.code})")
    err.print(table)
    if result.error_count > ERRORS_SHOWN:
        err.print(f"ほか {result.error_count - ERRORS_SHOWN:,} 件（最初の {ERRORS_SHOWN:,} 件を表示）")


Out = Annotated[Path, typer.Option("--out", help="出力ファイル (新しく作成、権限 0600)")]


def _export(db: str | None, label: str, make_day, call) -> None:
    """Runs an export use case, turning bad input and an existing file into Japanese errors."""
    try:
        day = make_day()
    except ValueError:
        _fail(DomainError("invalid_date", "日付は YYYY-MM-DD（月は YYYY-MM）で指定してください"))
    try:
        result = call(build_context(database_url(db)), check_date(day, label))
    except FileExistsError as exc:
        _fail(DomainError("file_exists", f"出力ファイルがすでにあります: {exc.filename}"))
    except DomainError as exc:
        _fail(exc)
    console.print(f"{result.path} に {result.rows:,} 行を出力しました"
                  + (f"（個人番号 {result.my_numbers:,} 件を含みます）" if result.my_numbers else ""))


@export_app.command("registrations")
def export_registrations(on: Annotated[str, typer.Option("--date", help="オンライン資格確認への反映日 (YYYY-MM-DD)")],
                         out: Out, db: Db = None):
    """中間サーバー向けの登録ファイル: その日に反映される資格の変更 (個人番号を含みます、作成は監査記録)."""
    from ..service_layer import exchange

    _export(db, "反映日", lambda: date.fromisoformat(on),
            lambda ctx, day: exchange.export_registrations(ctx, CLI_ACTOR, day, out))


@export_app.command("without-myna")
def export_without_myna(month: Annotated[str, typer.Option("--month", help="対象月 (YYYY-MM)")], out: Out,
                        db: Db = None):
    """その月の1日にマイナ保険証を使えない加入者の一覧 (職権交付の対象の確認用)."""
    from ..service_layer import exchange

    _export(db, "対象月", lambda: date.fromisoformat(f"{month}-01"),
            lambda ctx, day: exchange.export_without_myna(ctx, CLI_ACTOR, day, out))


audit_app = typer.Typer(help="監査ログ", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
keys_app = typer.Typer(help="暗号鍵", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
my_number_app = typer.Typer(help="個人番号の管理", no_args_is_help=True)
app.add_typer(my_number_app, name="my-number")


def _verify_chain(ctx, given: list[str] | None = None, restored: bool = False) -> None:
    """Walks the audit chain with a progress bar, checks it against the anchors (`--anchor` and
    the anchor file, D-93) and prints the head as the next anchor; exit code 1 at the first break."""
    from ..domain.audit_chain import KINDS, parse_anchor
    from ..service_layer import audit_trail

    try:
        anchors = [parse_anchor(text) for text in given or ()]
    except ValueError:
        _fail(DomainError("invalid_anchor", "控えは「連番:ハッシュ」（例 42:3f9a…、ハッシュは16桁以上の16進数）で指定してください"))
    done = _run_with_progress("監査ログの検証", lambda progress: audit_trail.verify_anchored(
        ctx, CLI_ACTOR, progress, anchors, restored=restored))
    found = done.broken
    if found is not None:
        err.print(f"[red]監査ログが改ざんされています[/red]（{KINDS[found.kind]}）: {found.message}", soft_wrap=True)
        raise typer.Exit(1)
    console.print("監査ログは完全です（改ざん・削除・順序の入れ替え・挿入はありません）")
    for anchor in anchors:
        console.print(f"控え {anchor.seq}:{anchor.row_hash[:16]}… の行があることを確かめました")
    if done.recorded and not done.reset_from:
        console.print(f"控えファイルの連番 {done.recorded.seq:,} の行があることを確かめました")
    if not done.head or not done.head.seq:
        return
    console.print(f"控え（最後の行の連番:ハッシュ）: {done.head.seq}:{done.head.row_hash}", soft_wrap=True,
                  highlight=False)
    console.print("  監査ログの外に保管しておき、shikaku audit verify --anchor 連番:ハッシュ で確かめると、"
                  "末尾の行の削除がわかります", soft_wrap=True)
    if done.reset_from:
        console.print(f"[yellow]注意[/yellow]: 復元したデータベースには控え {done.reset_from.seq}:"
                      f"{done.reset_from.row_hash[:16]}… の行がありません（バックアップより後の記録です）。"
                      f"控えファイルを連番 {done.anchored.seq:,} に置き直し、監査ログに記録しました", soft_wrap=True)
    elif done.anchor_file is not None:
        console.print(f"控えファイル {done.anchor_file}: 連番 {done.anchored.seq:,} まで記録しています", soft_wrap=True)
    else:
        console.print("控えファイルはありません（鍵を SHIKAKU_SECRET_KEY で渡しているか、SHIKAKU_AUDIT_ANCHOR=off の"
                      "ため。SHIKAKU_AUDIT_ANCHOR でファイルの置き場所を指定できます）。上の控えを保管してください", soft_wrap=True)


@audit_app.command("verify")
def audit_verify(db: Db = None,
                 anchor: Annotated[Optional[list[str]], typer.Option(
                     "--anchor", help="控えておいた「連番:ハッシュ」: その行がまだあることも確かめます (複数可)")] = None):
    """監査ログのハッシュチェーンを検証し、最初に壊れている行を示します (正常 0、異常 1)。
    控え (--anchor、控えファイル) の行が残っていることも確かめ、最後の行を次の控えとして表示します."""
    _verify_chain(build_context(database_url(db)), anchor)


@keys_app.command("rotate")
def keys_rotate(db: Db = None, batch_size: Annotated[int, typer.Option(min=1, max=100_000)] = 500):
    """暗号鍵を入れ替えます: 個人番号をすべて新しい鍵で暗号化し直し、照合用ハッシュを再計算します。
    サーバーは止めずに実行でき、中断しても再実行すれば続きから処理します."""
    from ..service_layer import keys

    ctx = build_context(database_url(db))
    try:
        done = _run_with_progress("鍵の入れ替え", lambda progress: keys.rotate(ctx, CLI_ACTOR, batch_size, progress))
    except DomainError as exc:
        _fail(exc)
    console.print(f"鍵を入れ替えました: {done.previous_key_id} → {done.key_id}"
                  f"（加入者 {done.members:,} 件、カード {done.cards:,} 件）")
    console.print(f"旧い鍵は {ctx.vault.files.retired_path(done.previous_key_id)} に残しました"
                  "（入れ替え前のバックアップの復元に必要です）")
    if done.unmatched_cards:
        console.print(f"[yellow]注意[/yellow]: 加入者と照合できないカード {done.unmatched_cards:,} 枚は"
                      "個人番号がないため照合用ハッシュを再計算できません")


@my_number_app.command("purge")
def my_number_purge(before_years: Annotated[Optional[int], typer.Option(
                        "--before-years", min=1, help="資格喪失日からの保存年数 (既定: 7)")] = None,
                    dry_run: Annotated[bool, typer.Option("--dry-run", help="数えるだけで削除しない")] = False,
                    db: Db = None):
    """保存期間 (資格喪失日から N 年) を過ぎた元加入者の個人番号を削除します (監査記録には件数のみ)."""
    from ..service_layer import retention

    done = retention.purge_my_numbers(build_context(database_url(db)), CLI_ACTOR, before_years, dry_run)
    console.print(f"{'削除の対象' if dry_run else '削除しました'}: {done.purged:,} 人"
                  f"（個人番号のある加入者 {done.checked:,} 人、資格喪失日から {done.years} 年、基準日 {done.on}）"
                  + (" (試行: 何も削除していません)" if dry_run else ""))


@app.command("backup")
def backup_database(file: Annotated[Path, typer.Argument(help="バックアップファイル (新しく作成、権限 0600)")],
                    db: Db = None):
    """データベースのバックアップを作成します (サーバーは動かしたままで構いません)."""
    from ..adapters.db.backup import BackupError
    from ..service_layer import backups

    try:
        backups.backup(build_context(database_url(db)), CLI_ACTOR, file)
    except BackupError as exc:
        _fail(DomainError("backup_failed", str(exc)))
    console.print(f"バックアップを作成しました: {file}（暗号鍵は含みません。鍵ファイルは別に保管してください）")


@app.command("restore")
def restore_database(file: Annotated[Path, typer.Argument(help="バックアップファイル", exists=True, dir_okay=False)],
                     db: Db = None,
                     replace: Annotated[bool, typer.Option("--replace", help="空でないデータベースを置き換える")] = False):
    """バックアップから復元し、鍵と監査ログを検証します (サーバーを止めてから実行してください)."""
    from ..adapters.db.backup import BackupError
    from ..service_layer import backups

    url = database_url(db)
    try:
        backups.restore(CLI_ACTOR, file, url, replace)
        ctx = build_context(url)
        society.check_key(ctx)
    except BackupError as exc:
        _fail(DomainError("restore_failed", str(exc)))
    except DomainError as exc:
        _fail(exc)
    console.print(f"復元しました: {file}")
    _verify_chain(ctx, restored=True)


oqs_app = typer.Typer(help="資格確認端末: 要求ファイルを資格確認サーバーに送り、結果ファイルを書きます (OQS.md §2.2)",
                      invoke_without_command=True)
app.add_typer(oqs_app, name="oqs-terminal")
TermDir = Annotated[Optional[Path], typer.Option("--dir", help="受け渡しフォルダ (req/, res/, face/ を作ります)")]
TermServer = Annotated[Optional[str], typer.Option("--server", help="資格確認サーバーの URL (例 http://127.0.0.1:8000)")]
TermToken = Annotated[Optional[str], typer.Option("--token", envvar="SHIKAKU_OQS_TOKEN",
                                              help="医療機関のアクセストークン (環境変数 SHIKAKU_OQS_TOKEN でも可)")]


def _terminal_setup(directory: Path | None, server: str | None, token: str | None):
    from . import oqs_terminal

    if not (directory and server and token):
        err.print("[red]エラー[/red]: --dir、--server、--token を指定してください")
        raise typer.Exit(2)
    return oqs_terminal.Folder(directory), oqs_terminal.Server(server, token)


@oqs_app.callback()
def oqs_terminal_run(typer_ctx: typer.Context, directory: TermDir = None, server: TermServer = None,
                     token: TermToken = None):
    """要求ファイル (req/OQS…req_….xml) を待ち受け、結果ファイル (res/) を書きます (Ctrl+C で停止)."""
    if typer_ctx.invoked_subcommand is not None:
        return
    import signal
    import threading

    from . import oqs_terminal

    folder, remote = _terminal_setup(directory, server, token)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        oqs_terminal.Terminal(folder, remote).run(stop)
    finally:
        remote.close()


@oqs_app.command("tap")
def oqs_terminal_tap(card_id: Annotated[str, typer.Option("--card-id", help="マイナンバーカードの ID")],
                     directory: TermDir = None, server: TermServer = None, token: TermToken = None,
                     identity: Annotated[str, typer.Option("--identity", help="本人確認: face (顔認証) か pin (暗証番号)")] = "face",
                     consent: Annotated[bool, typer.Option("--consent", help="限度額情報の提供に同意する")] = False):
    """カードリーダーにカードを置いたときの結果を face/ に書きます."""
    from . import oqs_terminal

    if identity not in ("face", "pin"):
        err.print("[red]エラー[/red]: --identity は face か pin です")
        raise typer.Exit(2)
    folder, remote = _terminal_setup(directory, server, token)
    try:
        written = oqs_terminal.tap(folder, remote, card_id, identity, consent)
    except oqs_terminal.TerminalError as exc:
        err.print(f"[red]エラー[/red]: {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(1)
    finally:
        remote.close()
    console.print(f"読取結果を書きました: {written}", soft_wrap=True, highlight=False)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except ConfigurationError as exc:  # e.g. an invalid dated-policy override (D-109)
        err.print(f"[red]設定エラー[/red]: {escape(str(exc))}")
        sys.exit(2)
