"""«Пользователи»: admins add staff and change passwords; operators cannot."""
from tests.panel.conftest import OPERATOR


async def test_admin_adds_an_operator_who_can_then_log_in(panel, admin):
    page = await admin.submit("/users", {
        "name": "ivanova", "role": "operator", "password": "ivanova-password", "password_again": "ivanova-password",
    })
    assert page.status == 200 and "Пользователь добавлен" in page.text and "ivanova" in page.text
    newcomer = await panel.client(("ivanova", "ivanova-password"))
    page = await newcomer.get("/")
    assert "ivanova" in page.text and "администратор" not in page.text


async def test_bad_new_users_are_refused_field_by_field(admin):
    short = await admin.submit("/users", {"name": "petrov", "role": "operator", "password": "short", "password_again": "short"})
    assert short.status == 400 and "не короче 8 символов" in short.text
    mismatch = await admin.submit("/users", {
        "name": "petrov", "role": "operator", "password": "long-password-1", "password_again": "long-password-2",
    })
    assert mismatch.status == 400 and "Пароли не совпадают" in mismatch.text
    taken = await admin.submit("/users", {
        "name": OPERATOR[0], "role": "admin", "password": "long-password-1", "password_again": "long-password-1",
    })
    assert taken.status == 400 and "Пользователь с таким именем уже есть" in taken.text
    role = await admin.submit("/users", {
        "name": "sidorov", "role": "root", "password": "long-password-1", "password_again": "long-password-1",
    })
    assert role.status == 400 and "Выберите роль" in role.text


async def test_admin_changes_a_password(panel, admin):
    page = await admin.submit("/users", {
        "name": OPERATOR[0], "password": "brand-new-password", "password_again": "brand-new-password",
    }, action="/users/password")
    assert "Пароль изменен" in page.text
    assert (await (await panel.client()).login(*OPERATOR)).status == 401
    assert (await panel.client((OPERATOR[0], "brand-new-password")))


async def test_operators_cannot_see_or_change_users(operator):
    assert (await operator.get("/users")).status == 403
    token = (await operator.get("/")).csrf_token
    page = await operator.post("/users", {
        "name": "intruder", "role": "admin", "password": "long-password-1", "password_again": "long-password-1",
    }, token)
    assert page.status == 403 and "только администратору" in page.text
    assert "Пользователи" not in (await operator.get("/")).text
