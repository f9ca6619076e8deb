"""The Gradio chat: the full page at `/` and the compact `/embed` that the widget opens."""

from __future__ import annotations

from html import escape
from typing import Any

import gradio as gr

from qa.disclaimer import DISCLAIMER
from ui.chat_events import chat_events
from ui.conversation import ChatService
from ui.pages import static_text

EXAMPLES = [
    "What is ITP?",
    "Is ITP contagious?",
    "Can I take ibuprofen for a headache?",
    "What platelet count is dangerous?",
    "When should I go to the emergency department?",
    "Can children with ITP play sports?",
]
EMBED_EXAMPLES = EXAMPLES[:3]

WELCOME = (
    "<div class='itp-welcome'><p class='itp-welcome-title'>Ask a question about ITP</p>"
    "<p>Answers come only from reviewed sources, and each one shows where it comes from.</p></div>"
)
HEADER = """
<header class="itp-top">
  <span class="itp-mark" aria-hidden="true">ITP</span>
  <div><h1>ITP questions</h1>
  <p>Clear answers about immune thrombocytopenia, from reviewed sources.</p></div>
</header>"""
BANNER = (
    '<div class="itp-banner" role="note"><span class="itp-banner-icon" aria-hidden="true">i</span>'
    f'<p><strong>General information, not medical advice.</strong> <span class="itp-wide">{escape(DISCLAIMER)}'
    '</span><span class="itp-narrow">In an emergency, call your local emergency number.</span></p></div>'
)
BANNER_COMPACT = (
    '<div class="itp-banner" role="note"><span class="itp-banner-icon" aria-hidden="true">i</span>'
    "<p><strong>General information, not medical advice.</strong> In an emergency, call your local "
    "emergency number.</p></div>"
)
FOOTER = """
<div class="itp-footer">
  <p><span class="itp-wide">Your conversation stays in this browser tab and is gone when you close it.
  If you rate a reply, that question and reply are saved to help improve the answers, with nothing
  that identifies you.</span><span class="itp-narrow">Your conversation stays in this tab. A rated
  reply is saved with nothing that identifies you.</span>
  <a href="/sources">All sources</a> · <a href="/docs">API<span class="itp-wide"> for developers</span></a></p>
</div>"""


def theme() -> gr.themes.Base:
    """A calm teal theme on system fonts (nothing fetched from font services)."""
    system = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"]
    mono = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]
    return gr.themes.Base(
        primary_hue="teal", secondary_hue="slate", neutral_hue="slate", radius_size="lg",
        text_size="md", font=system, font_mono=mono,
    ).set(
        body_background_fill="#f8fafc",
        body_text_color="#1e293b",
        body_text_color_subdued="#475569",
        block_border_width="0px",
        block_shadow="none",
        button_primary_background_fill="*primary_700",
        button_primary_background_fill_hover="*primary_800",
        button_primary_text_color="white",
        button_secondary_background_fill="white",
        button_secondary_border_color="*neutral_300",
        button_secondary_text_color="*neutral_700",
        link_text_color="*primary_700",
        link_text_color_hover="*primary_800",
        color_accent="*primary_700",
        color_accent_soft="*primary_50",
        input_border_color="*neutral_300",
        input_border_color_focus="*primary_600",
        input_placeholder_color="*neutral_500",
        block_label_text_color="*neutral_700",
    )


def head() -> str:
    """Our CSS and JS, inline in the page head (Gradio would scope a `css=` string to its
    container, and these rules also style the page around it)."""
    return f"<style>{static_text('chat.css')}</style><script>{static_text('chat.js')}</script>"


def build_chat(service: ChatService, compact: bool = False) -> gr.Blocks:
    """The chat page. `compact` is the widget's version: no page header, fewer examples, and a
    greeting from the `greeting` query parameter.

    Args:
        service: the event handlers (engine, feedback store, source page links).
        compact: build the `/embed` layout.
    """
    examples = EMBED_EXAMPLES if compact else EXAMPLES
    with gr.Blocks(title="ITP questions", analytics_enabled=False) as demo:
        # One column as tall as the visible screen; only the conversation inside it scrolls.
        with gr.Column(elem_id="itp-shell"):
            with gr.Row(elem_id="itp-top"):
                if compact:
                    gr.Markdown(BANNER_COMPACT, elem_id="itp-banner")
                else:
                    gr.Markdown(HEADER, elem_id="itp-header")
                restart = gr.Button("Start over", variant="secondary", size="sm", elem_id="itp-restart",
                                    scale=0, min_width=110)
            if not compact:
                gr.Markdown(BANNER, elem_id="itp-banner")
            chatbot = gr.Chatbot(
                label="Conversation", show_label=False, elem_id="itp-chat",
                render_markdown=False, sanitize_html=True, latex_delimiters=[], allow_tags=False,
                buttons=[], feedback_options=("Like", "Dislike"), group_consecutive_messages=False,
                placeholder=WELCOME, examples=[{"text": q} for q in examples], layout="bubble",
                autoscroll=False, height="100%", min_height=0,
            )
            turns = gr.JSON(value=[], visible=False)
            rating_note = gr.Markdown("", visible=False, elem_id="itp-rating-note")  # a rating not saved
            with gr.Row(elem_id="itp-ask-row", equal_height=True):
                box = gr.Textbox(
                    label="Your question", lines=1,
                    placeholder="Type your question…" if compact else "Type your question about ITP…",
                    max_lines=6, max_length=service.settings.max_question_chars, scale=8,
                    elem_id="itp-question", show_label=False, container=False,
                    html_attributes=gr.InputHTMLAttributes(enterkeyhint="send", autocomplete="off"),
                )
                send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="itp-send")
            if not compact:
                gr.Markdown(FOOTER, elem_id="itp-footer-html")

        on = chat_events(service)
        io: dict[str, Any] = {"outputs": [chatbot, turns, box], "api_visibility": "private"}
        box.submit(on.respond, [box, chatbot, turns], **io)
        send.click(on.respond, [box, chatbot, turns], **io)
        chatbot.example_select(on.example, [chatbot, turns], **io)
        chatbot.retry(on.retry, [chatbot, turns], **io)
        chatbot.undo(on.undo, [chatbot, turns], **io)
        chatbot.like(on.rate, [turns], [chatbot, rating_note], api_visibility="private", queue=False)
        restart.click(_cleared, None, **io, queue=False)
        chatbot.clear(_cleared, None, **io, queue=False)
        if compact:
            demo.load(_greeting, None, [chatbot], api_visibility="private", queue=False,
                      show_progress="hidden")
        gr.api(on.ask, api_name="ask", api_description="Ask one question about ITP; returns the "
               "reply as JSON (text, kind, citations, disclaimer). history: earlier turns, "
               "[{role, content}].")
    # api_open=False: events that answer run only through the queue and its limits, never
    # through Gradio's direct REST routes (which the guard refuses as well).
    demo.queue(default_concurrency_limit=service.settings.answer_threads, max_size=64, api_open=False)
    return demo


def _cleared() -> tuple[list, list, str]:
    return [], [], ""


def _greeting(request: gr.Request) -> gr.Chatbot:
    """The widget's greeting (from the host page's data-greeting), shown as text."""
    greeting = (request.query_params.get("greeting") or "").strip()[:300] if request else ""
    if not greeting:
        return gr.Chatbot()
    return gr.Chatbot(placeholder=f"<div class='itp-welcome'><p class='itp-welcome-title'>{escape(greeting)}</p>"
                                  "<p>Answers come only from reviewed sources.</p></div>")
