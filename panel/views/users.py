"""«Пользователи»: who may log in to the panel. Admins only."""
import time

from aiohttp import web

from panel import keys
from panel.responses import see_other, url_for
from panel.templating import render
from panel.users import (
    MIN_PASSWORD_LENGTH,
    Role,
    UserError,
    add_user,
    list_users,
    set_password,
)

ROLE_NAMES = {Role.ADMIN: "Администратор", Role.OPERATOR: "Оператор"}


def require_admin(request: web.Request) -> None:
    session = request[keys.SESSION]
    if session is None or not session.user.is_admin:
        raise web.HTTPForbidden()


async def _page(request: web.Request, *, values: dict | None = None, errors: dict | None = None,
                status: int = 200) -> web.Response:
    return render(request, "users.html", {
        "users": await list_users(request.app[keys.PANEL_DB]),
        "roles": ROLE_NAMES,
        "values": values or {"name": "", "role": Role.OPERATOR.value},
        "errors": errors or {},
        "min_length": MIN_PASSWORD_LENGTH,
        "done": request.query.get("done", ""),
    }, status)


async def users(request: web.Request) -> web.Response:
    require_admin(request)
    return await _page(request)


def _password_errors(form, errors: dict) -> str:
    password = str(form.get("password", ""))
    if len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = f"Пароль должен быть не короче {MIN_PASSWORD_LENGTH} символов"
    elif password != str(form.get("password_again", "")):
        errors["password_again"] = "Пароли не совпадают"
    return password


async def create(request: web.Request) -> web.Response:
    require_admin(request)
    form = await request.post()
    values = {"name": str(form.get("name", "")).strip(), "role": str(form.get("role", ""))}
    errors: dict[str, str] = {}
    if not values["name"] or len(values["name"]) > 64:
        errors["name"] = "Укажите имя пользователя (до 64 символов)"
    if values["role"] not in {role.value for role in Role}:
        errors["role"] = "Выберите роль"
    password = _password_errors(form, errors)
    if not errors:
        try:
            await add_user(request.app[keys.PANEL_DB], values["name"], password, Role(values["role"]), time.time())
        except UserError:
            errors["name"] = "Пользователь с таким именем уже есть"
        else:
            return see_other(url_for(request, "users", {"done": "added"}))
    return await _page(request, values=values, errors=errors, status=400)


async def change_password(request: web.Request) -> web.Response:
    require_admin(request)
    form = await request.post()
    name = str(form.get("name", ""))
    errors: dict[str, str] = {}
    password = _password_errors(form, errors)
    if not errors:
        try:
            await set_password(request.app[keys.PANEL_DB], name, password)
        except UserError:
            raise web.HTTPNotFound() from None
        return see_other(url_for(request, "users", {"done": "password"}))
    errors = {f"{name}:{field}": message for field, message in errors.items()}
    return await _page(request, errors=errors, status=400)
