"""Demo data: the seed manual's worked example and a few hundred generated accounts.

`epd-relay demo` loads it (`load_demo`), and so does the first start with `[panel]
demo_data = true` into an empty database (`load_demo_data`).
"""
from panel.demo.loading import DemoResult, load_demo, load_demo_data

__all__ = ["DemoResult", "load_demo", "load_demo_data"]
