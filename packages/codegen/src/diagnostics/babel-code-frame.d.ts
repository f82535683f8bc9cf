// @babel/code-frame ships no types and @types/babel__code-frame is not installed: the part we use.
declare module "@babel/code-frame" {
  export interface SourceLocation {
    start: { line: number; column?: number };
    end?: { line: number; column?: number };
  }
  export interface CodeFrameOptions {
    highlightCode?: boolean;
    forceColor?: boolean;
    linesAbove?: number;
    linesBelow?: number;
    message?: string;
  }
  export function codeFrameColumns(rawLines: string, location: SourceLocation, options?: CodeFrameOptions): string;
}
