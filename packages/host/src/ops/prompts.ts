/**
 * prompts.render: a bundled Jinja template (prompts/) rendered with the guest's variables. No
 * model and no permission: it only reads the extension's own bundle.
 */
import type { OpHandlers } from "./context.js";
import { renderPrompt } from "../core/ai/prompts.js";

export const promptOps: OpHandlers = {
  "prompts.render": (ctx, request) => ({ text: renderPrompt(ctx.bundle?.prompts, request.template, request.variables) }),
};
