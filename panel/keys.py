"""Typed keys for what the panel's application and each request hold."""
import jinja2
from aiohttp import web

from daemon.config import ConfigHolder
from daemon.db.connect import Database
from daemon.secretbox import SecretBox
from panel.documents.printing import Printing
from panel.jobs import JobPool
from panel.mailing.runs import Mailing
from panel.login_sessions import LoginSession

SETTINGS = web.AppKey("settings", ConfigHolder)
PANEL_DB = web.AppKey("panel_db", Database)  # the panel's own store
# The relay's store: the saved mail account and its logins; the queue, only read.
RELAY_DB = web.AppKey("relay_db", Database)
BOX = web.AppKey("box", SecretBox)
JOBS = web.AppKey("jobs", JobPool)  # CPU-heavy work, off the relay's process
MAILING = web.AppKey("mailing", Mailing)  # «Отправить по email»: the send runs
PRINTING = web.AppKey("printing", Printing)  # «На принтер» jobs and their files
SECURE_COOKIES = web.AppKey("secure_cookies", bool)
TEMPLATES = web.AppKey("templates", jinja2.Environment)
SESSION = web.RequestKey("session", LoginSession | None)  # set for every request; None before login
