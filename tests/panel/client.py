"""A panel visitor over real HTTP: a cookie jar, and forms posted with the page's CSRF token."""
import re
from dataclasses import dataclass
from html import unescape

import aiohttp

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]*)"')


@dataclass(frozen=True)
class Page:
    status: int
    path: str
    text: str

    @property
    def csrf_token(self) -> str:
        match = CSRF_FIELD.search(self.text)
        assert match, f"no CSRF field on {self.path}:\n{self.text[:2000]}"
        return unescape(match[1])


class PanelClient:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = aiohttp.ClientSession(base_url, cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def close(self) -> None:
        await self.http.close()

    async def _page(self, response: aiohttp.ClientResponse) -> Page:
        async with response:
            return Page(response.status, response.url.path_qs, await response.text())

    async def get(self, path: str) -> Page:
        return await self._page(await self.http.get(path))

    async def post(self, path: str, data: dict | aiohttp.FormData, token: str | None) -> Page:
        """Post a form as a browser would; token=None leaves the CSRF field out."""
        if isinstance(data, dict):
            fields = aiohttp.FormData()
            for name, value in data.items():
                for one in value if isinstance(value, list) else [value]:
                    fields.add_field(name, one)
            data = fields
        if token is not None:
            data.add_field("csrf_token", token)
        return await self._page(await self.http.post(path, data=data))

    async def submit(self, form_path: str, data: dict | aiohttp.FormData, action: str | None = None) -> Page:
        """Open the page that holds the form, then post it with that page's token."""
        page = await self.get(form_path)
        assert page.status == 200, page
        return await self.post(action or form_path, data, page.csrf_token)

    async def login(self, name: str, password: str) -> Page:
        return await self.submit("/login", {"name": name, "password": password})
