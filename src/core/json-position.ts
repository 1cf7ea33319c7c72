/** 1-based line and column of a UTF-16 index into a text: `line 3, column 7`. */
export function lineColumn(text: string, index: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < index && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return `line ${line}, column ${index - lineStart + 1}`;
}

/** Where `JSON.parse(text)` stopped, and whether it stopped because the text ends (a file cut off). */
export interface JsonErrorPlace {
  /** `line L, column C` of the error, or of the end of the text when it ends early. */
  at: string;
  truncated: boolean;
  /** V8's message: "Unexpected end of JSON input", "… in JSON at position N". */
  message: string;
}

/**
 * `JSON.parse`'s message, the same on every Node this runs on: Node 22+ (V8 12) adds " (line L column C)" after
 * "at position N", which the errors here already give in their own words.
 */
export function jsonErrorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/ \(line \d+ column \d+\)$/, '');
}

export function jsonErrorPlace(text: string, error: unknown): JsonErrorPlace {
  const message = jsonErrorMessage(error);
  // V8: "… in JSON at position 57" (Node ≥ 20), or "Unexpected end of JSON input" for a cut-off text.
  const position = /position (\d+)/.exec(message);
  const end = text.trimEnd().length;
  const index = position ? Number(position[1]) : end;
  return { at: lineColumn(text, index), truncated: index >= end, message };
}
