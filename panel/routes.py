"""URL map of the panel; every route has a name for url_for."""
from pathlib import Path

from aiohttp import web

from panel.views import (
    auth,
    documents,
    journal,
    home,
    imports,
    mail_account,
    mailing,
    organisations,
    personal_accounts,
    users,
)

STATIC = Path(__file__).parent / "static"


def setup_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/", home.home, name="home")
    router.add_get("/login", auth.login_page, name="login")
    router.add_post("/login", auth.login, name="login_post")
    router.add_post("/logout", auth.logout, name="logout")
    router.add_get("/organisations", organisations.organisations, name="organisations")
    router.add_get("/organisations/new", organisations.new_organisation, name="organisation_new")
    router.add_post("/organisations/new", organisations.create, name="organisation_create")
    router.add_get(r"/organisations/{id:\d{1,18}}", organisations.organisation, name="organisation")
    router.add_post(r"/organisations/{id:\d{1,18}}", organisations.update, name="organisation_update")
    router.add_get("/accounts", personal_accounts.accounts, name="accounts")
    router.add_get("/accounts/new", personal_accounts.new_account, name="account_new")
    router.add_post("/accounts/new", personal_accounts.create, name="account_create")
    router.add_get(r"/accounts/{id:\d{1,18}}", personal_accounts.account, name="account")
    router.add_post(r"/accounts/{id:\d{1,18}}", personal_accounts.update, name="account_update")
    router.add_get("/mail-account", mail_account.page, name="mail_account")
    router.add_post("/mail-account", mail_account.save, name="mail_account_save")
    router.add_post("/mail-account/check", mail_account.check, name="mail_account_check")
    router.add_get("/documents", documents.report, name="documents")
    router.add_get(r"/documents/{period:\d{4}-\d{2}}/{account:\d{1,18}}.pdf", documents.document_pdf,
                   name="document_pdf")
    router.add_post("/documents/print", documents.print_selection, name="documents_print")
    router.add_get(r"/documents/print/{job:[0-9a-f]{16}}", documents.print_job, name="print_job")
    router.add_get(r"/documents/print/{job:[0-9a-f]{16}}.pdf", documents.print_file, name="print_file")
    router.add_get("/documents/send", mailing.confirm_page, name="send_confirm")
    router.add_post("/documents/send", mailing.start, name="send_start")
    router.add_get(r"/mailing/runs/{run:\d{1,18}}", mailing.run_page, name="send_run")
    router.add_post(r"/mailing/runs/{run:\d{1,18}}/{action:pause|resume|cancel|retry|password}", mailing.run_action,
                    name="send_run_action")
    router.add_get("/mailing", journal.journal_view, name="journal")
    router.add_get(r"/mailing/journal.{kind:csv|xlsx}", journal.export, name="journal_export")
    router.add_get("/import", imports.page, name="data_import")  # "import" is a keyword: aiohttp refuses it
    router.add_post("/import", imports.upload, name="data_import_upload")
    router.add_get("/users", users.users, name="users")
    router.add_post("/users", users.create, name="user_create")
    router.add_post("/users/password", users.change_password, name="user_password")
    router.add_static("/static/", STATIC, name="static")
