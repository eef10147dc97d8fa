"""Flowing measured items down pages: the charges table's rows (with its header repeated at
the top of every page the table continues on) and the blocks after it.

An item is kept with the next one where asked (a section row with its first service, a
heading with its first line); an item taller than a whole page is placed anyway, at the
top of a page of its own.
"""
from collections.abc import Callable
from dataclasses import dataclass

from panel.documents.pdf_page import PageWriter

DrawAt = Callable[[PageWriter, float], float]  # draws from a top; returns the bottom


@dataclass(frozen=True)
class Item:
    height: float
    draw: DrawAt
    in_table: bool = False       # needs the table header above it on its page
    keep_with_next: bool = False


@dataclass(frozen=True)
class Placed:
    item: Item
    top: float


def paginate(items: list[Item], header: Item, first_top: float, next_top: float,
             bottom: float) -> list[list[Placed]]:
    """Pages of placed items: the first page's flow starts at `first_top`, the others at `next_top`."""
    pages: list[list[Placed]] = [[]]
    y = first_top
    header_here = False
    for index, item in enumerate(items):
        need = _needed(items, index)
        if item.in_table and not header_here:
            need += header.height
        if y - need < bottom and pages[-1]:
            pages.append([])
            y = next_top
            header_here = False
        if item.in_table and not header_here:
            pages[-1].append(Placed(header, y))
            y -= header.height
            header_here = True
        pages[-1].append(Placed(item, y))
        y -= item.height
    return pages


def _needed(items: list[Item], index: int) -> float:
    """The item's height and that of the items it is kept with."""
    need = items[index].height
    while items[index].keep_with_next and index + 1 < len(items):
        index += 1
        need += items[index].height
    return need
