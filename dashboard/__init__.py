"""The reviewers' web dashboard over the results store (Streamlit).

Logic lives in plain modules (``config``, ``auth``, ``sources``, ``charts`` and ``omreview.overview``),
tested without a browser; the Streamlit scripts (``page``, ``views_*``) only lay it out.
Start it with ``omreview dashboard`` or :func:`omreview.dashboard.app.launch`.
"""
