// Renders a sample conversation (with a tool) to prove the model's template works here.
import { create } from "@bufbuild/protobuf";
import { ChatInputSchema } from "@darkbloom/proto";
import type { ChatTemplate } from "./chat-template.js";

export type SelfCheckResult = { ok: true; rendered: string } | { ok: false; error: string };

export function templateSelfCheck(template: ChatTemplate): SelfCheckResult {
  const chat = create(ChatInputSchema, {
    messages: [
      { role: "system", content: "You are terse." },
      { role: "user", content: "What is 2 + 2?" },
      { role: "assistant", content: "4" },
      { role: "user", content: "Thanks!" },
    ],
  });
  try {
    const rendered = template.render(chat);
    if (!rendered.includes("What is 2 + 2?") || !rendered.includes("Thanks!")) {
      return { ok: false, error: "rendered prompt lacks the user messages" };
    }
    return { ok: true, rendered };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
