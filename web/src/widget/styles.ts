// The widget's CSS, injected as a <style> into its shadow root (so the host
// page's styles do not leak in and ours do not leak out). Colours meet WCAG
// AA: #1d4ed8 on white is 6.7:1, #1f2937 on #f3f4f6 is 13:1, #4b5563 on white 7.6:1.

export const CSS = `
:host { all: initial; }
.cw-root, .cw-root * { box-sizing: border-box; }
.cw-root {
  --cw-primary: #1d4ed8; --cw-primary-dark: #1e3a8a; --cw-text: #1f2937; --cw-muted: #4b5563;
  --cw-bg: #ffffff; --cw-soft: #f3f4f6; --cw-border: #d1d5db; --cw-danger: #b91c1c;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 15px; line-height: 1.45; color: var(--cw-text);
}
.cw-sr { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.cw-root button { font: inherit; cursor: pointer; }
.cw-root :focus-visible { outline: 3px solid var(--cw-primary); outline-offset: 2px; }
.cw-launcher {
  position: fixed; bottom: 20px; right: 20px; z-index: 2147483000; width: 60px; height: 60px;
  border-radius: 50%; border: none; background: var(--cw-primary); color: #fff;
  display: flex; align-items: center; justify-content: center; box-shadow: 0 4px 16px rgba(0,0,0,.25);
}
.cw-left .cw-launcher { right: auto; left: 20px; }
.cw-launcher:hover { background: var(--cw-primary-dark); }
.cw-root .cw-launcher:focus-visible { outline: 3px solid #fff; box-shadow: 0 0 0 6px var(--cw-primary); }
.cw-window {
  position: fixed; bottom: 20px; right: 20px; z-index: 2147483000; width: 380px; height: 600px;
  max-height: calc(100vh - 40px); display: flex; flex-direction: column; background: var(--cw-bg);
  border-radius: 12px; box-shadow: 0 8px 32px rgba(0,0,0,.28); overflow: hidden; border: 1px solid var(--cw-border);
}
.cw-left .cw-window { right: auto; left: 20px; }
.cw-root .cw-closed { display: none; }
@media (max-width: 480px) {
  .cw-window, .cw-left .cw-window { inset: 0; width: 100%; height: 100%; max-height: none; border-radius: 0; border: none; }
}
.cw-header { display: flex; align-items: center; justify-content: space-between; padding: 12px 12px 12px 16px; background: var(--cw-primary); color: #fff; }
.cw-header h2 { margin: 0; font-size: 17px; font-weight: 600; }
.cw-root .cw-header :focus-visible { outline-color: #fff; }
.cw-icon { background: transparent; border: none; color: var(--cw-muted); width: 40px; height: 40px; border-radius: 8px; display: inline-flex; align-items: center; justify-content: center; flex: none; padding: 0; }
.cw-icon:hover { background: var(--cw-soft); }
.cw-icon[aria-pressed="true"] { background: #dbeafe; color: var(--cw-primary-dark); }
.cw-close { color: #fff; }
.cw-close:hover { background: rgba(255,255,255,.15); }
.cw-small { width: 28px; height: 28px; }
.cw-mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
.cw-conn { display: none; }
.cw-conn-visible { display: block; padding: 6px 16px; background: #fef3c7; color: #78350f; font-size: 13px; }
.cw-log { flex: 1; overflow-y: auto; padding: 16px; display: flex; flex-direction: column; gap: 10px; }
.cw-welcome { margin: 0; color: var(--cw-muted); font-size: 14px; }
.cw-msg { display: flex; flex-direction: column; max-width: 85%; }
.cw-bubble { padding: 8px 12px; border-radius: 14px; overflow-wrap: anywhere; }
.cw-text { white-space: pre-wrap; }
.cw-rich p { margin: 0 0 6px; }
.cw-rich p:last-child, .cw-rich ul:last-child, .cw-rich ol:last-child { margin-bottom: 0; }
.cw-rich ul, .cw-rich ol { margin: 0 0 6px; padding-left: 20px; white-space: normal; }
.cw-rich li { white-space: pre-wrap; }
.cw-rich code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; background: rgba(0,0,0,.06); padding: 0 3px; border-radius: 4px; }
.cw-from-customer { align-self: flex-end; align-items: flex-end; }
.cw-from-customer .cw-bubble { background: var(--cw-primary); color: #fff; border-bottom-right-radius: 4px; }
.cw-from-customer .cw-bubble a { color: #fff; }
.cw-from-ai, .cw-from-agent { align-self: flex-start; }
.cw-from-ai .cw-bubble, .cw-from-agent .cw-bubble { background: var(--cw-soft); border-bottom-left-radius: 4px; }
.cw-from-agent .cw-bubble { border-left: 3px solid #047857; }
.cw-from-system { align-self: center; max-width: 95%; }
.cw-from-system .cw-bubble { background: #fffbeb; border: 1px solid #fcd34d; font-size: 14px; }
.cw-pending .cw-bubble { opacity: .85; }
.cw-failed .cw-bubble { background: #fee2e2; color: var(--cw-text); border: 1px solid var(--cw-danger); }
.cw-meta { font-size: 12px; color: var(--cw-muted); margin-top: 2px; }
.cw-failed .cw-meta { color: var(--cw-danger); }
.cw-link { background: none; border: none; padding: 0; color: var(--cw-primary); text-decoration: underline; font-size: 12px; }
.cw-code { margin: 0; padding: 8px; background: #111827; color: #f9fafb; border-radius: 8px; overflow-x: auto; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; white-space: pre; }
.cw-attachments { list-style: none; margin: 6px 0 0; padding: 0; font-size: 13px; }
.cw-img { max-width: 100%; max-height: 200px; border-radius: 8px; display: block; }
.cw-cites { margin-top: 8px; padding-top: 6px; border-top: 1px solid var(--cw-border); font-size: 13px; }
.cw-cites-label { font-weight: 600; color: var(--cw-muted); }
.cw-cites ul { margin: 2px 0 0; padding-left: 18px; }
.cw-cites a { color: var(--cw-primary); }
.cw-notice { align-self: center; text-align: center; font-size: 13px; color: var(--cw-muted); background: var(--cw-soft); padding: 4px 12px; border-radius: 999px; }
.cw-typing { align-self: flex-start; background: var(--cw-soft); border-radius: 14px; padding: 10px 14px; }
.cw-dots { display: inline-flex; gap: 4px; }
.cw-dots i { width: 7px; height: 7px; border-radius: 50%; background: var(--cw-muted); animation: cw-blink 1.2s infinite ease-in-out; }
.cw-dots i:nth-child(2) { animation-delay: .2s; }
.cw-dots i:nth-child(3) { animation-delay: .4s; }
@keyframes cw-blink { 0%, 80%, 100% { opacity: .3; } 40% { opacity: 1; } }
@media (prefers-reduced-motion: reduce) { .cw-dots i { animation: none; } }
.cw-error { margin: 0; padding: 6px 16px; color: var(--cw-danger); font-size: 13px; }
.cw-quick { display: flex; flex-wrap: wrap; gap: 6px; padding: 0 16px 8px; }
.cw-chip-button { border: 1px solid var(--cw-primary); color: var(--cw-primary); background: #fff; border-radius: 999px; padding: 5px 12px; font-size: 14px; }
.cw-chip-button:hover { background: #eff6ff; }
.cw-csat { padding: 10px 16px; border-top: 1px solid var(--cw-border); background: #f9fafb; }
.cw-csat p { margin: 0; }
.cw-stars { border: none; margin: 0 0 6px; padding: 0; display: flex; align-items: center; flex-wrap: wrap; gap: 2px; }
.cw-stars legend { padding: 0; margin-bottom: 4px; font-weight: 600; }
.cw-star { position: relative; font-size: 28px; line-height: 1; color: #6b7280; cursor: pointer; padding: 2px; border-radius: 6px; }
.cw-star.cw-on { color: #b45309; }
.cw-star input { position: absolute; opacity: 0; inset: 0; margin: 0; cursor: pointer; }
.cw-star:focus-within { outline: 3px solid var(--cw-primary); outline-offset: 1px; }
.cw-comment { width: 100%; margin-bottom: 6px; }
.cw-button { background: var(--cw-primary); color: #fff; border: none; border-radius: 8px; padding: 7px 14px; }
.cw-button[aria-disabled="true"], .cw-send[aria-disabled="true"] { opacity: .6; cursor: not-allowed; }
.cw-composer { border-top: 1px solid var(--cw-border); padding: 8px; background: #fff; }
.cw-row { display: flex; align-items: flex-end; gap: 4px; }
.cw-file { display: none; }
.cw-input { flex: 1; min-width: 0; resize: none; font: inherit; color: var(--cw-text); border: 1px solid #6b7280; border-radius: 8px; padding: 8px 10px; max-height: 160px; background: #fff; }
.cw-input::placeholder { color: #6b7280; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.cw-send { flex: none; width: 40px; height: 40px; border-radius: 8px; border: none; background: var(--cw-primary); color: #fff; display: inline-flex; align-items: center; justify-content: center; padding: 0; }
.cw-chip { display: flex; align-items: center; justify-content: space-between; gap: 6px; font-size: 13px; background: var(--cw-soft); border-radius: 8px; padding: 2px 4px 2px 10px; margin-bottom: 6px; }
`;
