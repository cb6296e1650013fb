"""Readers of PDF files: audited statements (``statement``) and the attachments told among them.

``guard`` opens a PDF within the reader's limits (pages, time, encryption); ``pages`` gives each page's text
and positioned lines; ``layer`` decides per page between the text layer and OCR (``omreview.extractors.ocr``);
``triage`` finds the statement pages; ``tables`` reads a statement's rows; ``revenue_note`` the revenue note;
``audit_opinion`` the auditor's opinion. ``statement.extract`` is the reader the registry calls.
"""
