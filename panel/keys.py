"""Typed keys for what the panel's application and each request hold."""
import jinja2
from aiohttp import web

from daemon.config import ConfigHolder
from daemon.db.connect import Database
from daemon.secretbox import SecretBox
from panel.sessions import Session

SETTINGS = web.AppKey("settings", ConfigHolder)
DB = web.AppKey("db", Database)
BOX = web.AppKey("box", SecretBox)
SECURE_COOKIES = web.AppKey("secure_cookies", bool)
TEMPLATES = web.AppKey("templates", jinja2.Environment)
SESSION = web.RequestKey("session", Session | None)  # set for every request; None before login
