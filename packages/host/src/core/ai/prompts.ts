/**
 * `prompts.render`: the extension's Jinja templates (bundled from its `prompts/` folder) rendered
 * with @huggingface/jinja. A template is found by its path in `prompts/` (`caption.jinja`), with or
 * without the extension (`caption`) or a leading `prompts/`. Syntax errors are caught at build time
 * (SDX2007); what fails here is reported with the template's name (unknown → SDX3008, a render
 * error such as an unknown filter → SDX3002).
 */
import { Template } from "@huggingface/jinja";
import { notFound, validationFailed } from "../../store/errors.js";

const EXTENSIONS = ["", ".jinja", ".j2", ".jinja2", ".txt", ".md"];

/** Parsed templates per bundle (the prompts object is the bundle's, alive as long as it is). */
const parsed = new WeakMap<Record<string, string>, Map<string, Template>>();

function findTemplate(prompts: Record<string, string>, name: string): string | null {
  const clean = name.replace(/^\.?\/+/, "").replace(/^prompts\//, "");
  for (const ext of EXTENSIONS) if (Object.hasOwn(prompts, clean + ext)) return clean + ext;
  return null;
}

export function renderPrompt(prompts: Record<string, string> | undefined, name: string, variables: Record<string, unknown>): string {
  const available = prompts ?? {};
  const key = findTemplate(available, name);
  if (!key) {
    const known = Object.keys(available);
    throw notFound(`prompt template "${name}" (the extension's prompts: ${known.length > 0 ? known.join(", ") : "none"})`);
  }
  let cache = parsed.get(available);
  if (!cache) parsed.set(available, (cache = new Map()));
  let template = cache.get(key);
  try {
    if (!template) {
      template = new Template(available[key]);
      cache.set(key, template);
    }
    return template.render(variables);
  } catch (error) {
    throw validationFailed(`prompt template ${key} failed to render: ${(error as Error).message}`);
  }
}
