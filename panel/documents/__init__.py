"""The monthly «Платежный документ» (ЕПД): read from the panel's store, laid out as PDF."""
