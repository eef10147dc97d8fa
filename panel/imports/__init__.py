"""Importing personal accounts and monthly charges from CSV and XLSX files.

    report = await import_file(db, data, "charges.csv", now=time.time())

The columns are listed in `panel.imports.columns` and described in examples/README.md.
"""
from panel.imports.columns import ACCOUNT_COLUMNS, CHARGE_COLUMNS, TableKind
from panel.imports.importing import import_file
from panel.imports.report import ImportFailed, ImportReport, RowError
from panel.imports.table import Row, Table, read_table

__all__ = [
    "ACCOUNT_COLUMNS", "CHARGE_COLUMNS", "ImportFailed", "ImportReport", "Row", "RowError", "Table",
    "TableKind", "import_file", "read_table",
]
