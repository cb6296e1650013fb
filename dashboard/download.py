"""Downloads handed to the browser over the signed-in page's WebSocket, never through an address.

``st.download_button`` puts the file in Streamlit's media store and links ``/media/<hash>``: an address
that answers anyone who has it, without a session, until the store drops it. Here a plain button
builds the file when clicked, and a small component (``st.components.v2``, inline JavaScript, no
files of its own) receives its bytes in the page's messages and saves them with a ``blob:`` URL,
which exists only inside that browser tab.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable

import streamlit as st

_JS = """
const delivered = new Set();
export default function (component) {
  const { data } = component;
  if (!data || !data.nonce || delivered.has(data.nonce)) return;
  delivered.add(data.nonce);
  const bytes = Uint8Array.from(atob(data.content), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: data.mime }));
  const link = document.createElement("a");
  link.href = url;
  link.download = data.file_name;
  link.style.display = "none";
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}
"""

_deliver = st.components.v2.component("omreview_download", js=_JS)


def download_button(label: str, build: Callable[[], bytes], file_name: str, mime: str, key: str) -> None:
    """A button that builds the file when clicked and has the browser save it as ``file_name``."""
    if st.button(label, key=key):
        content = base64.b64encode(build()).decode("ascii")
        _deliver(key=f"{key}-delivery", height=0,
                 data={"nonce": secrets.token_hex(8), "file_name": file_name, "mime": mime, "content": content})
