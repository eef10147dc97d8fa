"""The payment document's file name: what it is saved, printed and attached as."""
import re


def file_name(account_number: str, period: str) -> str:
    """EPD_000000001001_2013-07.pdf: ASCII only, whatever the number holds (mail clients and
    Windows mishandle other names)."""
    safe = re.sub(r"[^0-9A-Za-z-]+", "_", account_number).strip("_") or "account"
    return f"EPD_{safe}_{period}.pdf"
