"""The demo's organisations: the seed's УК with fictional requisites, and a ТСЖ without a bank.

The requisites pass every check of panel/validation.py (control digits of the ИНН, the
account keys against the БИК) so that a payment QR can be printed, but belong to no one:
tax office 7700 (the ИНН and КПП) and the БИК's region 00 do not exist. The note says so
on the card.
"""
from panel.documents.protection import PasswordRule
from panel.organisation_form import blank

DEMO_NOTE = "Демонстрационные реквизиты, вымышленные: платежи по ним не дойдут"
SEED_ORGANISATION = 'УК "Тихий океан"'      # as the seed's account card and examples/ name it
SECOND_ORGANISATION = 'ТСЖ "Кленовая аллея"'

# Requisites: what tells a demo organisation from one of the staff's that bears the same name.
REQUISITES = ("inn", "kpp", "bank_account", "bank_name", "bic", "corr_account")

ORGANISATIONS = {
    # The seed prints no address, hours or settlement centre for it (figure 6): kept empty.
    SEED_ORGANISATION: blank() | {
        "name": SEED_ORGANISATION, "kind": "УК", "note": DEMO_NOTE,
        "inn": "7700000009", "kpp": "770001001",
        "bank_account": "40702810600000000001", "bank_name": "ДЕМО-БАНК (вымышленный)",
        "bic": "040000999", "corr_account": "30101810500000000999",
    },
    # No account, bank or БИК: its documents show why there is no QR code.
    SECOND_ORGANISATION: blank() | {
        "name": SECOND_ORGANISATION, "kind": "ТСЖ", "note": DEMO_NOTE,
        "inn": "7700000016", "kpp": "770001001",
        "address": "109542, Москва, Кленовый бульвар, д. 5", "phone": "+7 495 000-00-05",
        "work_hours": "пн–пт 10:00–19:00, сб 10:00–14:00",
        "pdf_password_rule": PasswordRule.LAST_4_DIGITS.value,
    },
}
