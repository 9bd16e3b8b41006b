/**
 * Text from the cluster and from AWS (annotation values, names, error messages, stack status reasons) must not drive
 * the terminal: an ESC, CSI or OSC sequence in it could clear the screen, move the cursor over earlier lines, or
 * write the clipboard (OSC 52). Every write to stdout and stderr passes through here; control characters are shown
 * as visible `\xHH` escapes instead. Line feeds (and tabs) stay, because irsactl's own output is made of lines.
 */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
/** The same, line feeds included: for text that must stay on one line (a table cell, a checklist entry). */
const CONTROL_OR_NEWLINE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;

const visible = (c: string): string => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;

export function escapeControls(text: string): string {
  return text.replace(CONTROL, visible);
}

export function singleLine(text: string): string {
  return text.replace(CONTROL_OR_NEWLINE, visible);
}

/**
 * JSON.stringify escapes C0 but leaves C1 (U+0080–U+009F, e.g. U+009B, the one-character CSI) and the line
 * separators raw; `\u` escapes keep the value and make the text safe for a terminal.
 */
export function escapeJsonText(json: string): string {
  return json.replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
