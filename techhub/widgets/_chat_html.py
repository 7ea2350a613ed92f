"""The chat panel's HTML: message bubbles, the busy line, the error box, the thread id field.

Pure functions of the conversation, so the view is testable without a browser and the same markup
serves the live widget and the static ``text/html`` snapshot (GitHub, nbviewer). Inline styles
only, with JupyterLab's theme variables and light-theme fallbacks: stylesheets do not survive every
place a notebook output is shown. Every element carries a ``techhub-*`` class that tests and the
browser check select on.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from techhub.deployment import Turn

_LOG_STYLE = (
    "display:flex;flex-direction:column-reverse;overflow-y:auto;max-height:420px;min-height:64px;"
    "padding:8px;border:1px solid var(--jp-border-color1,#d0d0d0);border-radius:6px;"
    "background:var(--jp-layout-color0,#ffffff);font-family:var(--jp-ui-font-family,sans-serif);"
    "font-size:var(--jp-ui-font-size1,13px)"
)
# column-reverse keeps a scrolled log pinned to its newest message; the inner column keeps the order.
_COLUMN_STYLE = "display:flex;flex-direction:column;gap:8px"
_ROW_STYLE = {"user": "display:flex;justify-content:flex-end", "assistant": "display:flex"}
_BUBBLE_STYLE = "max-width:78%;padding:6px 10px;border-radius:12px;white-space:pre-wrap;line-height:1.4"
_USER_STYLE = "background:var(--jp-brand-color1,#1976d2);color:#ffffff;border-bottom-right-radius:3px"
_AGENT_STYLE = (
    "background:var(--jp-layout-color2,#eeeeee);color:var(--jp-ui-font-color0,#111111);"
    "border-bottom-left-radius:3px"
)
_QUESTION_STYLE = (
    "background:var(--jp-warn-color3,#fff3cd);color:var(--jp-ui-font-color0,#111111);"
    "border:1px solid var(--jp-warn-color1,#f0ad4e);border-bottom-left-radius:3px"
)
_LABEL_STYLE = "font-size:11px;opacity:0.75;margin-bottom:2px"
_BADGE_STYLE = (
    "display:inline-block;margin-left:6px;padding:0 6px;border-radius:8px;font-size:10px;"
    "background:var(--jp-warn-color1,#f0ad4e);color:#ffffff;text-transform:uppercase;letter-spacing:.03em"
)
_EMPTY_STYLE = "color:var(--jp-ui-font-color2,#777777);font-style:italic;padding:4px"


def _bubble(role: str, text: str, label: str, *, question: bool = False, pending: bool = False) -> str:
    classes = ["techhub-turn", f"techhub-turn-{role}"]
    style = _USER_STYLE if role == "user" else _QUESTION_STYLE if question else _AGENT_STYLE
    badge = ""
    if question:
        classes.append("techhub-turn-question")
        badge = f'<span class="techhub-badge" style="{_BADGE_STYLE}">verification question</span>'
    if pending:
        classes.append("techhub-turn-pending")
        style += ";opacity:0.6"
    return (
        f'<div style="{_ROW_STYLE[role]}"><div class="{" ".join(classes)}" data-role="{role}" '
        f'style="{_BUBBLE_STYLE};{style}"><div style="{_LABEL_STYLE}">{escape(label)}{badge}</div>'
        f'<div class="techhub-turn-text">{escape(text)}</div></div></div>'
    )


def conversation_html(turns: Sequence[Turn], assistant: str, pending: str | None = None) -> str:
    """The conversation as chat bubbles: the customer on the right, the agent on the left, the
    verification question in amber with a badge. ``pending`` is a message still being answered."""
    bubbles = [
        _bubble("user", t.text, "Customer")
        if t.role == "user"
        else _bubble("assistant", t.text, f"Agent · {assistant}", question=t.is_question)
        for t in turns
    ]
    if pending is not None:
        bubbles.append(_bubble("user", pending, "Customer", pending=True))
    if not bubbles:
        bubbles.append(
            f'<div class="techhub-chat-empty" style="{_EMPTY_STYLE}">No messages yet: '
            "write as the customer below and press Enter.</div>"
        )
    return (
        f'<div class="techhub-chat-log" style="{_LOG_STYLE}"><div style="{_COLUMN_STYLE}">'
        + "".join(bubbles)
        + "</div></div>"
    )


_PULSE = (
    "<style>@keyframes techhub-pulse{0%,80%,100%{opacity:.2}40%{opacity:1}}"
    ".techhub-dot{animation:techhub-pulse 1.2s infinite;display:inline-block;margin-right:2px}"
    ".techhub-dot:nth-child(2){animation-delay:.2s}.techhub-dot:nth-child(3){animation-delay:.4s}</style>"
)


def busy_html(assistant: str) -> str:
    """The line shown while a run is in flight."""
    dots = "".join('<span class="techhub-dot">●</span>' for _ in range(3))
    return (
        f'{_PULSE}<div class="techhub-chat-busy" style="color:var(--jp-ui-font-color1,#444444);'
        f'font-size:12px;padding:2px 4px">{dots} {escape(assistant)} is answering…</div>'
    )


def error_html(message: str) -> str:
    """An error a send or a new thread raised, shown in the panel (a callback has nowhere else to go)."""
    return (
        '<div class="techhub-chat-error" style="padding:6px 10px;border-radius:6px;white-space:pre-wrap;'
        "background:var(--jp-error-color3,#fdecea);color:var(--jp-error-color0,#b71c1c);"
        f'border:1px solid var(--jp-error-color1,#e57373)"><b>Error:</b> {escape(message)}</div>'
    )


def thread_html(thread_id: str) -> str:
    """The thread id in a read-only field: click selects it all, ready to copy."""
    return (
        '<div style="display:flex;align-items:center;gap:6px;font-size:12px">'
        '<span style="color:var(--jp-ui-font-color1,#444444)">Thread</span>'
        f'<input class="techhub-chat-thread-id" type="text" readonly value="{escape(thread_id)}" '
        'onfocus="this.select()" title="Click, then copy (Ctrl+C)" size="38" '
        'style="font-family:var(--jp-code-font-family,monospace);font-size:12px;padding:2px 4px;'
        "border:1px solid var(--jp-border-color1,#d0d0d0);border-radius:4px;"
        'background:var(--jp-layout-color1,#fafafa);color:var(--jp-ui-font-color0,#111111)"></div>'
    )


def title_html() -> str:
    return (
        '<div class="techhub-chat-title" style="font-weight:600;font-size:14px;padding:2px 0">'
        "TechHub support chat</div>"
    )
