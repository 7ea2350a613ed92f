"""ipywidgets for the course: what LangSmith Studio and the LangSmith UI show, inside JupyterLab.

``ChatPanel`` (``chat``): chat with the deployed agent as a customer, Studio's chat offline.
"""

from techhub.widgets.chat import ChatPanel

__all__ = ["ChatPanel"]
