"""Readers of Office files: the 申报表 in .docx (``form``) and the 人员名册 in .xlsx (``roster``).

``container`` tells a file's container from its bytes (.docx, .xlsx, legacy, encrypted); ``zip_guard`` opens
the zip of a .docx/.xlsx within the reader's limits. The form is read as grids (``docx_grid``) by
``form_labels``, ``form_pairs``, ``form_years``, ``form_tables`` and ``form_persons``; the roster's table is
found by ``roster_layout``.
"""
