import stat

import pytest

from daemon.errors import SecretError
from daemon.secretbox import SecretBox, hash_password, password_matches


def test_key_file_is_created_0600_and_reused(tmp_path):
    key_file = tmp_path / "state" / "secret.key"
    box = SecretBox.open_or_create(key_file)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    token = box.encrypt("пароль от почты")
    assert b"\xd0" not in token
    assert SecretBox.open_or_create(key_file).decrypt(token) == "пароль от почты"


def test_a_key_file_readable_by_others_is_refused(tmp_path):
    key_file = tmp_path / "secret.key"
    SecretBox.open_or_create(key_file)
    key_file.chmod(0o644)
    with pytest.raises(SecretError, match="chmod 600"):
        SecretBox.open_or_create(key_file)


def test_another_key_cannot_decrypt(tmp_path):
    token = SecretBox.open_or_create(tmp_path / "a.key").encrypt("secret")
    with pytest.raises(SecretError):
        SecretBox.open_or_create(tmp_path / "b.key").decrypt(token)


def test_password_hashes_are_salted():
    first, second = hash_password("secret"), hash_password("secret")
    assert first != second
    assert password_matches("secret", first) and not password_matches("Secret", first)
