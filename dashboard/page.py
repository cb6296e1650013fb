"""The Streamlit script (``streamlit run dashboard/page.py``, started by ``omreview.dashboard.app.launch``).

Routing by query parameter: ``?applicant=<id>`` opens an applicant, anything else the overview.
"""

import streamlit as st

from omreview.dashboard import session, views_applicant, views_overview

st.set_page_config(page_title="omreview 评审", layout="wide")
ctx = session.context()
reviewer = session.sign_in(ctx)
applicant = st.query_params.get("applicant")
if applicant:
    views_applicant.show(ctx, reviewer, applicant)
else:
    views_overview.show(ctx)
