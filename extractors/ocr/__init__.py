"""OCR of pages that have no usable text layer: ``engine`` (the RapidOCR models, loaded once per process) and
``pages`` (a page rendered, oriented, recognised into positioned lines with per-character confidence).
"""
