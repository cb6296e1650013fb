"""Seeded generator of synthetic applicant packets and their expected outcomes.

``python -m samplegen --out sample_docs --golden tests/golden/samples [--seed 2012]``

- ``params``: dataclasses describing one applicant (everything the documents show);
- ``builder``: a clean, passing applicant drawn from a seeded ``random.Random``;
- ``scenarios``: the sample applicants, each the clean one plus a small explicit change;
- ``oracle``: the expected outcome, computed from the parameters with the rules of
  ``CONDITIONS.md`` (never by reading the generated files);
- ``form_docx``, ``statement_pdf``, ``roster_xlsx``: one writer per document kind;
- ``generate``: writes the packets and the golden files.

All people, companies, auditors and clients are fictitious.
"""
